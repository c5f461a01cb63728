"""By relevance, a query of bare words alone is walked in the full-text
ranking's order (``embedded._walk_ranking``): the words' documents ranked,
each one's record probed with the query until the page and the facets have
the hits they want. On SQLite when the words are in many documents, the
total counted apart (``embedded._ranked_walk``); on PostgreSQL when more
records match than ``track_total`` (fewer are ranked and counted together).

On PostgreSQL with the ``rum`` extension, one word is walked in its RUM
index's order instead (``embedded._walk_rank_index``); the same test runs
with that index and without it.

It must give what reading every match gives (the reference: the walk
turned off): the same hits in the same order, their scores, the total and
whether it is exact, the facets of the top hits, the next page's cursor;
with deleted records, versions that are not the latest (and all versions
asked for), ties of score, totals under and past ``track_total``. It gives
up (the matches then read whole) when the words are in fewer documents
than it wants or too few of the ranked documents match, and leaves every
other query (words with other conditions, phrases, fields) alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from repository_core.search import embedded, search
from repository_core.search.rank_index import RANK_INDEX, ensure_rank_index

from ...databases import require_rum
from .test_sets import service
from .walk_support import spy_on_walk

#: the queries the walk is for: bare words alone
WORDS_ALONE = ["ice", "ice OR sea", "sea", "shelf OR sea"]
QUERIES = [
    *WORDS_ALONE,
    "ice AND NOT sea",
    "ice OR publicationYear:2001",
    "ice AND publicationYear:2002",
    "+ice -sea",
    '"ice shelf"',
]
#: (size, facet_hits, track_total)
SHAPES = [(2, 3, 10_000), (2, 3, 5), (5, 10, 10_000), (1, 1, 2), (3, None, 10_000)]
#: when to walk is decided apart on each database; these tests are SQLite's
SQLITE_ONLY = pytest.mark.parametrize("fresh_engine", ["sqlite"], indirect=True)


@pytest.fixture
def store(fresh_engine: Engine) -> Engine:
    """40 records: 'ice' in 26 of them one to four times (many ties of score),
    'sea' in eight, 'shelf' after 'ice' in some; years 2000-2002; five
    deleted; three with a newer version without the words (so not their
    latest), and those with 'ice' among the best ranked documents (three
    times more of it), whose records the walk must pass over. Ids are not
    in the order the records are written, so that an index's order among
    ties of score (RUM's) is not the ids'."""
    svc = service(fresh_engine)
    for i in range(40):
        words = ["record", f"n{i:02d}"]
        if i % 3:
            words += (["ice"] * (i % 4 + 1 + (3 if i % 11 == 1 else 0))
                      + (["shelf"] if i % 4 == 1 else []))
        if i % 5 == 0:
            words.append("sea")
        created = svc.create({"titles": [{"title": " ".join(words)}],
                              "publicationYear": str(2000 + i % 3),
                              "subjects": [{"subject": f"s{i % 4}"}]},
                             record_id=f"r{i * 17 % 40:02d}")
        if i % 7 == 6:
            svc.delete(created.id)
        elif i % 11 == 1:  # a newer version without the words: the first is no longer latest
            svc.new_version(created.id, {"titles": [{"title": f"record n{i:02d} newer"}],
                                         "publicationYear": "2003"})
    return fresh_engine


@pytest.fixture
def ranking_index(request: pytest.FixtureRequest, store: Engine) -> str:
    """The store with PostgreSQL's RUM index of the vectors (``rum``) or without
    it (``gin``: the vectors' GIN index alone, and SQLite's FTS5)."""
    if request.param == "rum":
        require_rum()
        with store.begin() as conn:
            assert ensure_rank_index(conn)
    elif store.dialect.name == "postgresql":
        with store.begin() as conn:
            conn.execute(text(f"DROP INDEX IF EXISTS {RANK_INDEX}"))
    store.dispose()  # the pool's connections forget what they knew of the index
    return request.param


#: each database without the RUM index, and PostgreSQL with it
BY_RANKING_INDEX = pytest.mark.parametrize(("fresh_engine", "ranking_index"), [
    ("sqlite", "gin"),
    pytest.param("postgresql", "gin", marks=pytest.mark.postgres),
    pytest.param("postgresql", "rum", marks=pytest.mark.postgres),
], indirect=True)


def _result(engine: Engine, q: str, size: int, facet_hits: int | None,
            track_total: int, all_versions: bool) -> tuple[Any, ...]:
    with service(engine).reading() as s:
        page = search(s, q, size=size, facet_hits=facet_hits, track_total=track_total,
                      all_versions=all_versions)
    return ([h.id for h in page.hits], page.scores, page.total, page.total_exact,
            {name: [(v.key, v.count) for v in values] for name, values in page.facets.items()},
            page.next_cursor)


@BY_RANKING_INDEX
def test_the_walk_gives_what_reading_every_match_gives(
        store: Engine, ranking_index: str, monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes, spy = spy_on_walk(monkeypatch, "_walk_ranking")
    by_index, _ = spy_on_walk(monkeypatch, "_walk_rank_index")
    seen: set[bool] = set()
    for span in (1, 3, 20):
        for q in QUERIES:
            for shape in SHAPES:
                for all_versions in (False, True):
                    case = (*shape, all_versions)
                    monkeypatch.setattr(embedded, "WALK_SPAN", span)
                    monkeypatch.setattr(embedded, "_walk_ranking", lambda *a, **k: None)
                    expected = _result(store, q, *case)
                    monkeypatch.setattr(embedded, "_walk_ranking", spy)
                    outcomes.clear()
                    assert _result(store, q, *case) == expected, (span, q, case)
                    assert len(outcomes) <= (1 if q in WORDS_ALONE else 0), (q, outcomes)
                    seen.update(outcomes)
    assert seen == {True, False}, "both the walk and the whole read were tried"
    # the RUM index's walk is taken (and gives up) with the index only
    assert set(by_index) == ({True, False} if ranking_index == "rum" else set())


@SQLITE_ONLY
def test_the_walk_is_taken_for_words_in_many_documents(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """It walks a query of bare words alone, when the words are in at least as
    many documents as the hits it wants (here 3) and enough of them match;
    it does not try any other query (None: not tried)."""
    outcomes, _ = spy_on_walk(monkeypatch)
    with service(store).reading() as s:
        for q, walked in (("ice", True), ("shelf", True), ("sea", True),
                          ("ice OR zzz", True), ("zzz", False), ("n05", False),
                          ("ice AND sea", None), ("sea AND publicationYear:2002", None),
                          ("+ice -sea", None), ('"ice shelf"', None), ("titles.title:ice", None)):
            outcomes.clear()
            search(s, q, size=2, facet_hits=3)
            assert outcomes == ([] if walked is None else [walked]), q


@pytest.mark.parametrize("fresh_engine", ["postgresql"], indirect=True)
def test_postgresql_walks_bare_words_when_more_match_than_it_counts(
        store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL ranks and counts at most ``track_total`` matches in one
    statement; past it, bare words alone are walked, and nothing else is
    (None: not tried)."""
    outcomes, _ = spy_on_walk(monkeypatch, "_walk_ranking")
    with service(store).reading() as s:
        for q, track_total, walked in (("ice", 5, True), ("ice OR sea", 5, True),
                                       ("ice", 10_000, None), ("sea", 2, True),
                                       ("ice AND sea", 2, None), ('"ice shelf"', 2, None),
                                       ("ice OR publicationYear:2001", 5, None),
                                       ("titles.title:ice", 5, None)):
            outcomes.clear()
            search(s, q, size=2, facet_hits=3, track_total=track_total)
            assert outcomes == ([] if walked is None else [walked]), q
