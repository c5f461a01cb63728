"""Set membership stays exact through record writes and set changes.

After every step the membership table is compared with a brute-force
evaluation of every set (in memory) over every record.
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from oaiserver.oai.sql import SQLRepository
from repository_core.errors import InvalidQuery, InvalidRecord, SetExists, SetNotFound
from repository_core.models import MembershipRow, RecordRow, SetRow
from repository_core.query import index_record_terms, matches
from repository_core.query.tree import Or
from repository_core.records import Cursor
from repository_core.search import index_search_document
from repository_core.service import RecordService
from repository_core.sets import (
    SPEC_PATTERN,
    SetMembershipHook,
    check_spec,
    create_set,
    delete_set,
    list_sets,
    set_query_tree,
    sets_of,
    update_set,
)
from repository_core.store import row_to_record

from .corpus import AFFILIATIONS, COLLECTIONS, LANGS, SUBJECTS, TYPES, WORDS, YEARS

SET_QUERIES = [
    "types.resourceTypeGeneral:Dataset",
    "types.resourceTypeGeneral:Software OR language:de",
    "subjects.subject:climate*",
    "titles.title:climate AND NOT language:en",
    "publicationYear:[2000 TO 2020]",
    "collections:earth",
    "_exists_:creators.affiliation.name",
    'creators.affiliation.name:"university of oslo"',
    "ocean OR café",
    "NOT _exists_:subjects.subject",
]
SPECS = ["a", "a:b", "a:b:c", "a:x", "d", "d:e", "f"]


def service(engine: Engine) -> RecordService:
    return RecordService(engine, validate=lambda md, **kw: [],
                         hooks=[index_record_terms, index_search_document, SetMembershipHook()])


def random_metadata(rng: random.Random) -> dict[str, Any]:
    md: dict[str, Any] = {"titles": [{"title": " ".join(rng.sample(WORDS, rng.randint(1, 3)))}]}
    if rng.random() < 0.7:
        md["types"] = {"resourceTypeGeneral": rng.choice(TYPES)}
    if rng.random() < 0.6:
        md["subjects"] = [{"subject": s} for s in rng.sample(SUBJECTS, rng.randint(0, 2))]
    if rng.random() < 0.6:
        md["language"] = rng.choice(LANGS)
    if rng.random() < 0.6:
        md["publicationYear"] = rng.choice(YEARS)
    if rng.random() < 0.5:
        md["creators"] = [{"name": "X", "affiliation": [{"name": rng.choice(AFFILIATIONS)}]}]
    return md


class Model:
    """What the membership must be, from first principles."""

    def __init__(self) -> None:
        self.frozen: dict[str, set[str]] = {}  # deleted record -> member specs at deletion

    def expected(self, session: Session) -> dict[tuple[str, str], bool]:
        """(spec, record) -> member, for rows that must say member=True."""
        sets = {s.spec: s.query for s in list_sets(session)}
        out: dict[tuple[str, str], bool] = {}
        for row in session.execute(select(RecordRow)).scalars():
            record = row_to_record(row)
            if record.deleted:
                for spec in self.frozen.get(record.id, set()) & set(sets):
                    out[(spec, record.id)] = True
                continue
            for spec in sets:
                trees = [set_query_tree(q) for s, q in sets.items()
                         if s == spec or s.startswith(spec + ":")]
                if matches(Or(tuple(trees)), record):
                    out[(spec, record.id)] = True
        return out

    def check(self, engine: Engine) -> None:
        with Session(engine) as session:
            expected = self.expected(session)
            rows = session.execute(select(MembershipRow)).scalars().all()
            stamps = dict(session.execute(select(RecordRow.id, RecordRow.datestamp)).all())
            actual = {(r.set_spec, r.record_id): r.member for r in rows}
            members = {k for k, v in actual.items() if v}
            assert members == set(expected)
            for r in rows:  # every row mirrors its record's datestamp
                assert r.datestamp == stamps[r.record_id]
            for record_id in stamps:
                assert sets_of(session, record_id) == sorted(
                    s for s, rid in expected if rid == record_id)

    def freeze(self, engine: Engine, record_id: str) -> None:
        with Session(engine) as session:
            self.frozen[record_id] = set(sets_of(session, record_id))


def stamps(engine: Engine) -> dict[str, datetime]:
    with Session(engine) as session:
        return dict(session.execute(select(RecordRow.id, RecordRow.datestamp)).all())


def memberships(engine: Engine) -> dict[tuple[str, str], bool]:
    with Session(engine) as session:
        return {(r.set_spec, r.record_id): r.member
                for r in session.execute(select(MembershipRow)).scalars()}


@pytest.mark.parametrize("seed", [1, 2])
def test_membership_stays_exact(fresh_engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    svc = service(fresh_engine)
    model = Model()
    live: list[str] = []
    dead: list[str] = []
    for i in range(12):
        live.append(svc.create(random_metadata(rng), collections=rng.sample(COLLECTIONS, 1)).id)
    model.check(fresh_engine)
    for step in range(45):
        op = rng.choice(["create", "update", "update", "delete", "restore",
                         "set_create", "set_create", "set_update", "set_delete"])
        with svc.transaction() as s:
            defined = [x.spec for x in list_sets(s)]
        before_stamps, before_rows = stamps(fresh_engine), memberships(fresh_engine)
        set_change = op.startswith("set_")
        if op == "create":
            live.append(svc.create(random_metadata(rng)).id)
        elif op == "update" and live:
            svc.update(rng.choice(live), random_metadata(rng),
                       collections=rng.sample(COLLECTIONS, rng.randint(0, 2)))
        elif op == "delete" and live:
            rid = live.pop(rng.randrange(len(live)))
            model.freeze(fresh_engine, rid)
            svc.delete(rid)
            dead.append(rid)
        elif op == "restore" and dead:
            rid = dead.pop(rng.randrange(len(dead)))
            svc.restore(rid)
            model.frozen.pop(rid, None)
            live.append(rid)
        elif op == "set_create":
            spec = rng.choice(SPECS)
            with svc.transaction() as s:
                if spec in defined:
                    with pytest.raises(SetExists):
                        create_set(s, spec, name=spec, query=rng.choice(SET_QUERIES))
                else:
                    create_set(s, spec, name=spec, query=rng.choice(SET_QUERIES))
        elif op == "set_update" and defined:
            with svc.transaction() as s:
                update_set(s, rng.choice(defined), query=rng.choice(SET_QUERIES))
        elif op == "set_delete" and defined:
            with svc.transaction() as s:
                delete_set(s, rng.choice(defined))
        model.check(fresh_engine)
        if set_change:
            after_stamps, after_rows = stamps(fresh_engine), memberships(fresh_engine)
            for rid, old in before_stamps.items():
                if rid in dead:  # tombstones are frozen: set changes leave them alone
                    assert after_stamps[rid] == old
                    continue
                specs = {k[0] for k in set(before_rows) | set(after_rows) if k[1] == rid}
                moved = any(before_rows.get((sp, rid), False) != after_rows.get((sp, rid), False)
                            for sp in specs)
                if moved:
                    assert after_stamps[rid] > old, (op, rid)
                else:
                    assert after_stamps[rid] == old, (op, rid)


def test_set_lifecycle_and_pages(fresh_engine: Engine) -> None:
    """Set pages as the OAI endpoint reads them (``SQLRepository``, the one set-paging path)."""
    svc = service(fresh_engine)
    oai = SQLRepository(fresh_engine)

    def page(after: Cursor | None = None, since: datetime | None = None, limit: int = 100) -> list[Any]:
        return oai.list_records(set_spec="data", since=since, until=None, after=after, limit=limit)

    ds = [svc.create({"titles": [{"title": f"data {i}"}],
                      "types": {"resourceTypeGeneral": "Dataset"}}).id for i in range(5)]
    sw = svc.create({"titles": [{"title": "code"}],
                     "types": {"resourceTypeGeneral": "Software"}}).id
    with svc.transaction() as s:
        create_set(s, "data", name="Data", query="types.resourceTypeGeneral:Dataset")
        create_set(s, "data:code", name="Code", query="types.resourceTypeGeneral:Software")
    with svc.transaction() as s:
        assert sets_of(s, sw) == ["data", "data:code"]
    assert oai.count_records(set_spec="data", since=None, until=None) == 6
    first = page(limit=4)
    assert len(first) == 4 and not any(e.deleted for e in first)
    rest = page(after=first[-1].position, limit=10)
    assert [e.record.id for e in first + rest] == sorted(ds + [sw], key=lambda x: next(
        (e.datestamp, e.record.id) for e in first + rest if e.record.id == x))
    assert len(rest) == 2
    since = first[-1].datestamp
    # a record leaves the set: shown deleted there (still live itself) with a new datestamp
    svc.update(ds[0], {"titles": [{"title": "now text"}],
                       "types": {"resourceTypeGeneral": "Text"}})
    svc.delete(ds[1])
    changed = {e.record.id: (e.deleted, e.record.deleted) for e in page(since=since)}
    assert changed[ds[0]] == (True, False)
    assert changed[ds[1]] == (True, True)
    with svc.transaction() as s:
        # the child's query changes: the software record leaves both
        update_set(s, "data:code", query="titles.title:nothing")
        assert sets_of(s, sw) == []
        delete_set(s, "data:code")
        with pytest.raises(SetNotFound):
            delete_set(s, "data:code")
        with pytest.raises(InvalidQuery) as bad:
            create_set(s, "bad", name="Bad", query="types.resourceTypeGeneral:(Dataset")
        assert bad.value.position is not None
        with pytest.raises(InvalidQuery):
            create_set(s, "bad", name="Bad", query="datestamp:>2020")
        with pytest.raises(InvalidRecord):
            create_set(s, "bad spec", name="Bad", query="*")
        assert s.get(SetRow, "bad") is None


#: setSpecType of OAI-PMH.xsd, verbatim
XSD_SET_SPEC = r"([A-Za-z0-9\-_\.!~\*'\(\)])+(:[A-Za-z0-9\-_\.!~\*'\(\)]+)*"


@pytest.mark.parametrize("spec,valid", [
    ("a", True), ("a:b:c", True), ("A-z_0.9!~*'()", True), ("x~y:*(z)", True),
    ("x$y", False), ("x+y", False), ("a b", False), ("a:", False), (":a", False),
    ("a::b", False), ("a\n", False), ("", False), ("é", False), ("a/b", False),
    ("x" * 255, True), ("x" * 256, False),
])
def test_spec_is_the_xsd_set_spec_type(spec: str, valid: bool) -> None:
    assert (re.fullmatch(XSD_SET_SPEC, spec) is not None) is (valid or len(spec) > 255)
    assert (SPEC_PATTERN.fullmatch(spec) is not None) is (re.fullmatch(XSD_SET_SPEC, spec)
                                                           is not None)
    if valid:
        assert check_spec(spec) == spec
    else:
        with pytest.raises(InvalidRecord) as refused:
            check_spec(spec)
        assert [p.pointer for p in refused.value.problems] == ["/spec"]


def test_oai_checks_the_set_argument_with_the_same_pattern() -> None:
    from oaiserver.oai import arguments

    assert arguments.SPEC_PATTERN is SPEC_PATTERN


NOT_XML = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe",
           "\uffff"]


@pytest.mark.parametrize("char", NOT_XML, ids=[f"U+{ord(c):04X}" for c in NOT_XML])
def test_set_text_is_what_xml_can_carry(fresh_engine: Engine, char: str) -> None:
    """A name or description OAI-PMH could not put in XML is refused when the set is defined."""
    svc = service(fresh_engine)
    with svc.transaction() as s:
        with pytest.raises(InvalidRecord) as refused:
            create_set(s, "n", name=f"bad{char}name", query="*")
        assert [p.pointer for p in refused.value.problems] == ["/name"]
        with pytest.raises(InvalidRecord) as refused:
            create_set(s, "d", name="fine", description=f"bad{char}", query="*")
        assert [p.pointer for p in refused.value.problems] == ["/description"]
        assert list_sets(s) == []
        create_set(s, "ok", name="tab\there, line\nand\r\u00e9\U0001f600", query="*",
                   description="\ud7ff\ue000\ufffd\U00010000")
        with pytest.raises(InvalidRecord) as refused:
            update_set(s, "ok", name=f"x{char}")
        assert [p.pointer for p in refused.value.problems] == ["/name"]
        with pytest.raises(InvalidRecord) as refused:
            update_set(s, "ok", description=f"x{char}")
        assert [p.pointer for p in refused.value.problems] == ["/description"]
        assert [d.name for d in list_sets(s)] == ["tab\there, line\nand\r\u00e9\U0001f600"]
