"""The embedded search: exact filtering, ranking, facets, keyset pages."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from sqlalchemy import Engine

from repository_core.errors import InvalidQuery
from repository_core.query import matches, parse_query
from repository_core.search import search
from repository_core.service import RecordService
from repository_core.store import RecordStore

from .corpus import CORPUS
from .test_sets import service


@pytest.fixture(scope="module")
def loaded(db_engine: Engine) -> Engine:
    svc = service(db_engine)
    for r in CORPUS:
        svc.create(r.metadata, collections=r.collections, record_id=r.id)
    gone = svc.create({"titles": [{"title": "climate tombstone"}]}, record_id="gone")
    svc.delete(gone.id)
    return db_engine


def _all_ids(svc_engine: Engine, q: str | None, sort: str, size: int) -> list[str]:
    svc = service(svc_engine)
    ids: list[str] = []
    cursor = None
    with svc.reading() as s:
        while True:
            page = search(s, q, sort=sort, size=size, cursor=cursor, facets=False)
            ids += [h.id for h in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                return ids


@pytest.mark.parametrize("q", ["climate", "climate OR ocean", "titles.title:climate",
                               "types.resourceTypeGeneral:dataset", None])
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_cover_exactly_the_matches(loaded: Engine, q: str | None, sort: str) -> None:
    svc = service(loaded)
    with svc.reading() as s:
        stored = RecordStore(s).page(limit=1000)
    expected = {r.id for r in stored if q is None or matches(parse_query(q), r)}
    ids = _all_ids(loaded, q, sort, size=2)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    assert "gone" not in ids
    with svc.reading() as s:
        assert search(s, q, sort=sort, size=2).total == len(expected)


def test_relevance_orders_by_bare_words(loaded: Engine) -> None:
    svc = service(loaded)
    with svc.reading() as s:
        result = search(s, "climate OR ocean", sort="relevance", size=10)
    assert result.scores == sorted(result.scores, reverse=True)
    assert result.scores[0] and result.scores[0] > 0


def test_newest_and_oldest(loaded: Engine) -> None:
    newest = _all_ids(loaded, None, "newest", 3)
    assert newest == list(reversed(_all_ids(loaded, None, "oldest", 3)))


def test_facets_and_filters(loaded: Engine) -> None:
    svc = service(loaded)
    with svc.reading() as s:
        result = search(s, None, size=1)
        types = {f.key: (f.label, f.count) for f in result.facets["resource_type"]}
        assert types["dataset"][1] == 3          # Dataset, Dataset and "dataset"
        assert types["dataset"][0] in {"Dataset", "dataset"}
        years = {f.key: f.count for f in result.facets["year"]}
        assert years["2021"] == 1 and "abc" not in years
        langs = {f.key: f.count for f in result.facets["language"]}
        assert langs["en"] == 2                  # en and EN
        filtered = search(s, None, filters={"resource_type": ["Dataset"], "year": ["2024"]})
        assert [h.id for h in filtered.hits] == ["r0004"]


def test_bad_input(loaded: Engine) -> None:
    svc = service(loaded)
    with svc.reading() as s:
        with pytest.raises(InvalidQuery):
            search(s, "nope:x")
        with pytest.raises(InvalidQuery):
            search(s, "x", sort="random")
        with pytest.raises(InvalidQuery):
            search(s, "x", cursor="garbage!")
        with pytest.raises(InvalidQuery):
            search(s, None, filters={"colour": ["red"]})


@pytest.mark.parametrize("q", [None, "climate", "*", "NOT climate", "titles.title:climate",
                               "types.resourceTypeGeneral:dataset", "nothing-matches-this",
                               "_exists_:subjects.subject"])
def test_facet_counts_are_exact_over_narrow_and_broad_matches(loaded: Engine,
                                                              q: str | None) -> None:
    """Narrow matches are counted directly, broad ones as everything minus the rest:
    both give what counting the matching records one by one gives."""
    from collections import Counter

    from repository_core.query import extract
    from repository_core.search import FACETS

    tree = parse_query(q) if q else None
    live = [r for r in CORPUS if not r.deleted and (tree is None or matches(tree, r))]
    svc = service(loaded)
    with svc.reading() as s:
        result = search(s, q, size=1)
    assert result.total == len(live)
    for name, fld in FACETS.items():
        expected: Counter[str] = Counter()
        for r in live:
            expected.update({str(v) for v in extract(r).get(fld, ())})
        got = {f.key: f.count for f in result.facets[name]}
        assert got == {k: n for k, n in expected.items() if k in got}, name
        assert len(got) == min(len(expected), 20), name


def _facet_counts_of(ids: list[str]) -> dict[str, dict[str, int]]:
    from collections import Counter

    from repository_core.query import extract
    from repository_core.search import FACETS

    by_id = {r.id: r for r in CORPUS}
    out: dict[str, dict[str, int]] = {}
    for name, fld in FACETS.items():
        counted: Counter[str] = Counter()
        for record_id in ids:
            counted.update({str(v) for v in extract(by_id[record_id]).get(fld, ())})
        out[name] = dict(counted)
    return out


@pytest.mark.parametrize(("q", "sort"), [("*", "newest"), ("climate OR ocean", "relevance"),
                                         ("_exists_:titles.title", "title"),
                                         ("NOT nothing-matches-this", "oldest")])
def test_a_total_past_track_total_is_a_lower_bound_and_facets_count_the_top_hits(
        loaded: Engine, q: str | None, sort: str) -> None:
    """Past ``track_total`` matches the total stops there (``total_exact`` False)
    and the facets are those of the top ``track_total`` hits, in the search's order."""
    svc = service(loaded)
    matching = _all_ids(loaded, q, sort, size=50)
    assert len(matching) > 3
    with svc.reading() as s:
        capped = search(s, q, sort=sort, size=2, track_total=3)
        exact = search(s, q, sort=sort, size=2, track_total=len(matching))
    assert (capped.total, capped.total_exact) == (3, False)
    assert (exact.total, exact.total_exact) == (len(matching), True)
    assert [h.id for h in capped.hits] == matching[:2]  # the page itself is unchanged
    assert capped.next_cursor is not None
    expected = _facet_counts_of(matching[:3])
    for name, values in capped.facets.items():
        assert {f.key: f.count for f in values} == expected[name], name
    everything = _facet_counts_of(matching)
    assert {name: {f.key: f.count for f in values}
            for name, values in exact.facets.items()} == {
        name: counts for name, counts in everything.items()}


@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "mostviewed"])
def test_a_query_in_any_other_order_heads_and_counts_its_matches(loaded: Engine,
                                                                 sort: str) -> None:
    """Sorted other than by relevance, a query's matches are read once up to
    ``track_total`` + 1, counted and sorted together: at, under and past that
    bound the first page is the head of every match and the total is right."""
    q = "climate OR ocean OR types.resourceTypeGeneral:dataset"
    matching = _all_ids(loaded, q, sort, size=2)
    assert len(matching) > 4
    svc = service(loaded)
    with svc.reading() as s:
        for track in (len(matching) + 5, len(matching), len(matching) - 1, 2):
            result = search(s, q, sort=sort, size=3, track_total=track, facets=False)
            assert [h.id for h in result.hits] == matching[:3], track
            exact = track >= len(matching)
            assert (result.total, result.total_exact) == (
                (len(matching), True) if exact else (track, False)), track


def test_by_relevance_at_under_and_past_track_total_the_page_and_total_are_right(
        loaded: Engine) -> None:
    """By relevance (on PostgreSQL the matches are counted and, when at most
    ``track_total``, ranked in the same statement; past it ranked alone): at,
    under and past that bound the first page is the head of the ranking, its
    scores those of the ranking, and the total right."""
    q = "climate OR ocean"
    matching = _all_ids(loaded, q, "relevance", size=2)
    assert len(matching) > 4
    svc = service(loaded)
    with svc.reading() as s:
        ranked = search(s, q, size=len(matching), facets=False)
        assert [h.id for h in ranked.hits] == matching
        for track in (len(matching) + 5, len(matching), len(matching) - 1, 2):
            for size, facet_hits in ((3, None), (3, 1), (len(matching) + 1, None)):
                result = search(s, q, size=size, track_total=track, facet_hits=facet_hits)
                head = min(size, len(matching))
                assert [h.id for h in result.hits] == matching[:head], (track, size)
                assert result.scores == ranked.scores[:head], (track, size)
                exact = track >= len(matching)
                assert (result.total, result.total_exact) == (
                    (len(matching), True) if exact else (track, False)), (track, size)


@pytest.mark.parametrize("sort", ["newest", "oldest", "title", "mostviewed"])
def test_a_broad_query_walked_by_probes_pages_through_its_matches(loaded: Engine,
                                                                  sort: str) -> None:
    """Past ``track_total`` a query sorted by creation or title is walked in
    order, each record probed (``to_sql(..., probe=True)``): page after page it
    gives what the query's ordinary form gives (``mostviewed`` keeps that form)."""
    q = ("publicationYear:[2000 TO *] OR titles.title:clim* OR _exists_:subjects.subject "
         "OR language:en OR publisher:{A TO Z}")
    matching = _all_ids(loaded, q, sort, size=2)
    assert len(matching) > 4
    svc = service(loaded)
    ids: list[str] = []
    cursor = None
    with svc.reading() as s:
        while True:
            page = search(s, q, sort=sort, size=2, cursor=cursor, track_total=2)
            assert (page.total, page.total_exact) == (2, False)
            ids += [h.id for h in page.hits]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert ids == matching


@pytest.mark.parametrize("sort", ["newest", "oldest", "title"])
def test_a_walk_that_finds_too_few_in_its_span_reads_the_matches_whole(
        fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """The walk of a broad query probes at most ``WALK_SPAN`` times the hits it
    wants of the live records in order; when fewer match among them (sparse
    matches) it gives up and the matches are read whole, unless its span held
    a third of them or more: then it walks once more, as far as those say the
    rest lies, half as far again, unless that would take longer than
    ``LONGER_WALK_SECONDS`` at the first walk's pace. Either way the first page, the facets of
    the top hits and every later page are those of the query's ordinary
    form, and it gives up exactly when its spans hold too few."""
    from repository_core.search import embedded

    svc = service(fresh_engine)
    for i in range(30):  # every fifth sparse, three rare, spread over creation and title order
        title = (f"{chr(97 + i * 7 % 26)}{i:02d} sample" + (" sparse" if i % 5 == 0 else "")
                 + (" rare" if i in (11, 13, 16) else ""))
        svc.create({"titles": [{"title": title}], "publicationYear": str(2000 + i % 4)})
    in_order = _all_ids(fresh_engine, None, sort, size=50)
    assert len(in_order) == 30
    want = 3  # the hits the first page looks for: size 2 + 1 (the facets count 2)
    outcomes: list[bool] = []
    walked = embedded._walked

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = walked(*args, **kwargs)
        outcomes.append(found is not None)
        return found

    monkeypatch.setattr(embedded, "_walked", spy)
    seen: set[bool] = set()
    longer = 0
    for q, count in (("titles.title:sparse", 6), ("titles.title:rare", 3)):
        matching = _all_ids(fresh_engine, q, sort, size=50)
        assert len(matching) == count

        def settles(span: int, matching: list[str] = matching) -> tuple[bool, int]:
            """Whether a walk of ``span`` records finds its hits (or reads them all),
            and how many it finds."""
            head = in_order[:span]
            found = len(set(head) & set(matching))
            return len(head) == len(in_order) or found >= want, found

        for span, slow in itertools.product((1, 2, 3, 5, 8, 10, 100), (False, True)):
            monkeypatch.setattr(embedded, "WALK_SPAN", span)
            # a second walk predicted to take longer than this is not taken
            monkeypatch.setattr(embedded, "LONGER_WALK_SECONDS", 0.0 if slow else 60.0)
            expected_walk, found = settles(span * want)
            if not expected_walk and 3 * found >= want and not slow:
                longer += 1
                expected_walk, _ = settles(math.ceil(span * want * want / found * 1.5))
            outcomes.clear()
            ids: list[str] = []
            cursor = None
            with svc.reading() as s:
                first = search(s, q, sort=sort, size=2, track_total=2)
                assert outcomes == [expected_walk], (q, span, slow)
                assert [h.id for h in first.hits] == matching[:2], (q, span)
                assert {name: {f.key: f.count for f in values}
                        for name, values in first.facets.items()} == _counts_of(
                    svc, matching[:2]), (q, span)  # the top track_total hits
                while True:
                    page = search(s, q, sort=sort, size=2, cursor=cursor, track_total=2,
                                  facets=False)
                    ids += [h.id for h in page.hits]
                    cursor = page.next_cursor
                    if cursor is None:
                        break
            assert ids == matching, (q, span, slow)
            seen.add(expected_walk)
    assert seen == {True, False}, "both the walk and the whole read were tried"
    assert longer, "a span that held a third of the hits was walked once more"


def _counts_of(svc: RecordService, ids: list[str]) -> dict[str, dict[str, int]]:
    """The facet counts of the stored records ``ids``, counted in Python."""
    from collections import Counter

    from repository_core.query import extract
    from repository_core.search import FACETS

    with svc.reading() as s:
        stored = {r.id: r for r in RecordStore(s).page(limit=1000)}
    return {name: dict(Counter(str(v) for i in ids for v in {*extract(stored[i]).get(fld, ())}))
            for name, fld in FACETS.items()}


def test_an_unnarrowed_search_counts_every_record(loaded: Engine) -> None:
    """Nothing asked, nothing narrowed: the total is the store's live records, exactly
    (the home page shows it), whatever ``track_total`` says."""
    svc = service(loaded)
    with svc.reading() as s:
        result = search(s, None, sort="newest", size=1, facets=False, track_total=2)
    live = [r for r in CORPUS if not r.deleted]
    assert (result.total, result.total_exact) == (len(live), True)


@pytest.mark.parametrize(("q", "sort"), [("*", "oldest"), ("climate OR ocean", "relevance")])
def test_facets_count_the_top_facet_hits_while_the_total_stays_exact(
        loaded: Engine, q: str, sort: str) -> None:
    svc = service(loaded)
    matching = _all_ids(loaded, q, sort, size=50)
    with svc.reading() as s:
        result = search(s, q, sort=sort, size=1, facet_hits=2)
        later = search(s, q, sort=sort, size=1, facet_hits=2, cursor=result.next_cursor)
    assert (result.total, result.total_exact) == (len(matching), True)
    expected = _facet_counts_of(matching[:2])
    for name, values in result.facets.items():
        assert {f.key: f.count for f in values} == expected[name], name
    assert later.facets == result.facets  # the query's top hits, whatever the page
    assert later.total == result.total
    assert [h.id for h in later.hits] == matching[1:2]


def test_facets_of_the_top_hits_count_a_record_once_a_value_and_read_the_facet_rows_index(
        fresh_engine: Engine) -> None:
    """A record that holds a value twice (two subjects the same once
    normalised) counts once, and on PostgreSQL the facet count of a few hits
    among many records looks each one up in ``ix_query_terms_facets`` (the
    facet fields' rows only; SQLite has no such index and reads the key)."""
    from sqlalchemy import event, text

    from repository_core.query.term_table import FACET_FIELDS
    from repository_core.search import FACETS

    assert tuple(FACETS.values()) == FACET_FIELDS
    svc = service(fresh_engine)
    for i in range(12):  # the first two match; the others make the hits a minority
        svc.create({"titles": [{"title": "glacier" if i < 2 else f"other {i}"}],
                    "subjects": [{"subject": "Ice"}, {"subject": "ice"}, {"subject": f"s{i % 3}"}],
                    "language": "en" if i % 2 else "de", "publicationYear": str(2000 + i)})
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             executemany: bool) -> None:
        statements.append((statement, params))

    event.listen(fresh_engine, "before_cursor_execute", seen)
    try:
        with svc.reading() as s:
            facets = search(s, "glacier", sort="newest", size=1).facets
    finally:
        event.remove(fresh_engine, "before_cursor_execute", seen)
    assert {f.key: f.count for f in facets["subject"]} == {"ice": 2, "s0": 1, "s1": 1}
    assert {f.key: f.count for f in facets["language"]} == {"de": 1, "en": 1}
    assert {f.key: f.count for f in facets["year"]} == {"2000": 1, "2001": 1}
    if fresh_engine.dialect.name == "sqlite":
        return
    (statement, params), = [(st, p) for st, p in statements if "facet_rows" in st]
    # as autovacuum would: the visibility map that lets an index answer alone
    with fresh_engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE query_terms")
    with fresh_engine.connect() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # a dozen records: a scan would do
        plan = " ".join(str(row[0]) for row in
                        conn.exec_driver_sql(f"EXPLAIN {statement}", params))
    assert "ix_query_terms_facets" in plan, plan
