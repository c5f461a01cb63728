"""One query language for search and OAI sets, three evaluators that agree.

::

    tree = parse_query('types.resourceTypeGeneral:Dataset AND NOT subjects.subject:test')
    matches(tree, record)                      # (a) in memory
    select(RecordRow).where(to_sql(tree))      # (b) SQL over the store
    to_search_dsl(tree)                        # (c) Elasticsearch / OpenSearch

The field list and the matching rules are in :mod:`.fields`; the syntax
decisions in :mod:`.parser`.
"""

from .fields import FIELDS, Field, extract, normalise, tokens
from .limits import DEFAULT_LIMITS, QueryLimits
from .memory import matches
from .parser import parse_query
from .search_dsl import to_search_dsl
from .sql import index_record_terms, reindex_terms, to_sql
from .term_table import TermRow
from .tree import Node

__all__ = [
    "DEFAULT_LIMITS",
    "FIELDS",
    "Field",
    "Node",
    "QueryLimits",
    "TermRow",
    "extract",
    "index_record_terms",
    "matches",
    "normalise",
    "parse_query",
    "reindex_terms",
    "to_search_dsl",
    "to_sql",
    "tokens",
]
