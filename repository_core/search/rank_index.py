"""PostgreSQL, optional: a RUM index of the search vectors, which gives a word's
documents best ranked first.

The vectors' GIN index finds a word's documents but knows nothing of their
rank: a search by relevance of a word in 115,000 of 1,000,000 documents
read and ranked every one of them to keep the best (443-634 ms). The RUM
index (the ``rum`` extension, Postgres Professional's, packaged by Debian
and PGDG as ``postgresql-NN-rum``) keeps each word's positions in its
postings and returns the documents in the order of ``tsv <=> query``, a
distance that is the inverse of a score computed from those positions; the
walk by relevance (``embedded._walk_ranking``) then reads documents until
it has its hits, and stops.

For a query of **one word**, with vectors of one weight (``to_tsvector``
without ``setweight``, as ``search_documents`` has them), that distance and
``ts_rank``, the score the search reports, are both strictly monotone in
the number of the word's positions in the document (each adds ``1 / j²``
of the first one's weight, ``j`` its rank among them): their orders and
their ties are the same. For several words they are not (RUM's score sums
covers where ``ts_rank`` averages the words), so only one word is walked
this way.

Nothing here is needed: without the extension (it must be created by a
superuser, ``CREATE EXTENSION rum``), searches rank through the GIN index as
before. :func:`ensure_rank_index` adds the index where the extension is
installed; ``oaiserver db upgrade`` calls it, so an installation that gets
the extension later gets the index with its next upgrade.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

__all__ = ["RANK_INDEX", "distance_operator", "ensure_rank_index", "rum_schema"]

#: the index's name (not in the metadata: it exists only where the extension does)
RANK_INDEX = "ix_search_documents_tsv_rum"
#: where a connection remembers what :func:`distance_operator` found
_CACHE_KEY = "oaiserver.rank_index"


def rum_schema(connection: Connection) -> str | None:
    """The schema the ``rum`` extension is installed in, or None (not installed, or not PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'rum'")).scalar()


def ensure_rank_index(connection: Connection) -> bool:
    """Create :data:`RANK_INDEX` on ``search_documents.tsv`` where the extension is
    installed and the index is not there yet; whether it is there now."""
    schema = rum_schema(connection)
    if schema is None:
        return False
    opclass = connection.dialect.identifier_preparer.quote_schema(schema) + ".rum_tsvector_ops"
    connection.execute(text(
        f"CREATE INDEX IF NOT EXISTS {RANK_INDEX} ON search_documents USING rum (tsv {opclass})"))
    connection.info.pop(_CACHE_KEY, None)
    return True


def distance_operator(session: Session) -> str | None:
    """``OPERATOR(schema.<=>)``, RUM's distance, when the tables the session sees have
    :data:`RANK_INDEX`; else None.

    Looked up once for each database connection (kept with it in the pool):
    an index added by an upgrade reaches a running server when it restarts.
    """
    connection = session.connection()
    info = connection.info
    if _CACHE_KEY not in info:
        found = None
        schema = rum_schema(connection)
        if schema is not None and connection.execute(
                text(f"SELECT to_regclass('{RANK_INDEX}') IS NOT NULL")).scalar():
            found = "OPERATOR(" + connection.dialect.identifier_preparer.quote_schema(schema) + ".<=>)"
        info[_CACHE_KEY] = found
    return info[_CACHE_KEY]
