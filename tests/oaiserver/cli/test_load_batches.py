"""``oaiserver load`` in batches: a kill keeps whole records, bad records cost only
themselves, and batched loading stores exactly what one-by-one loading stores."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from fixtures.synthetic import generate
from oaiserver.cli import cli
from oaiserver.config import load_config
from oaiserver.services import Services, build_services
from repository_core.db import make_engine
from repository_core.loading import LoadReport, load_source
from repository_core.migrate import upgrade
from repository_core.models import ConceptRow, MembershipRow, RecordRow
from repository_core.outbox import OutboxRow
from repository_core.query.sql import TITLE_SORT
from repository_core.query.term_table import TermRow
from repository_core.search.embedded import SearchDocumentRow
from tests.conftest import BOTH_DATABASES
from tests.databases import POSTGRES_URL, migrated_engine, postgres_schema
from tests.sample_metadata import minimal

#: query-defined sets, a hierarchy among them; "all" matches every record
SETS = {
    "all": "*",
    "year": "publicationYear:[2015 TO 2019]",
    "year:2020": "publicationYear:2020",
    "dataset": "types.resourceTypeGeneral:Dataset",
    "software": "types.resourceTypeGeneral:Software",
    "arctic": "titles.title:arctic",
    "campbell": "creators.name:campbell",
}


def _services(engine: Engine) -> Services:
    return build_services(load_config({"ratelimit_enabled": False}, environ={}), engine=engine)


def _define_sets(services: Services) -> None:
    for spec, query in SETS.items():
        services.sets.create(spec, name=spec, query=query)


def _write_lines(path: Path, documents: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in documents))
    return path


# -- batched == one by one ---------------------------------------------------------


def _rows(engine: Engine) -> dict[str, Any]:
    """Every row the loader writes, with generated ids and times replaced by DOIs / order."""
    with engine.connect() as conn:
        records = conn.execute(select(RecordRow.__table__).order_by(RecordRow.datestamp)).all()
        key = {r.id: r.doi for r in records}
        concept_of = {r.concept_id: r.doi for r in records}
        concepts = sorted((concept_of[c.id], c.doi, key.get(c.latest_id), c.deleted)
                          for c in conn.execute(select(ConceptRow.__table__)).all())
        ids = {**{k: ("record", v) for k, v in key.items()},
               **{k: ("concept", v) for k, v in concept_of.items()}}
        terms = sorted((key[t.record_id], t.field, t.ord, t.pos, ids.get(t.term, t.term), t.num,
                        ids.get(t.raw, t.raw))
                       for t in conn.execute(select(TermRow.__table__)).all())
        members = sorted((m.set_spec, key[m.record_id], m.member,
                          m.datestamp == _stamp(records, m.record_id))
                         for m in conn.execute(select(MembershipRow.__table__)).all())
        documents = sorted((key[d.record_id], d.body, str(d.tsv))
                           for d in conn.execute(select(SearchDocumentRow.__table__)).all())
        fts = (sorted(b for (b,) in conn.execute(text("SELECT body FROM search_fts")).all())
               if engine.dialect.name == "sqlite" else None)
        outbox = sorted((o.doi, key.get(o.record_id, o.record_id), o.reason, o.revision, o.state)
                        for o in conn.execute(select(OutboxRow.__table__)).all())
    return {
        "records": [(r.doi, r.metadata, r.collections, r.revision, r.deleted, r.harvest_source,
                     r.version_index, r.is_latest, r.created == r.datestamp) for r in records],
        "concepts": concepts, "terms": terms, "members": members, "documents": documents,
        "fts": fts, "outbox": outbox,
    }


def _stamp(records: Any, record_id: str) -> Any:
    return next(r.datestamp for r in records if r.id == record_id)


@pytest.fixture(params=BOTH_DATABASES)
def two_engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    with ExitStack() as stack:
        engines = []
        for name in ("batched", "single"):
            folder = tmp_path / name
            folder.mkdir()
            gen = migrated_engine(request.param, folder)
            engines.append(next(gen))
            stack.callback(lambda g=gen: next(g, None))
        yield engines[0], engines[1]


def test_batched_load_stores_what_one_by_one_creates(two_engines, tmp_path: Path) -> None:
    documents = list(generate(60, seed=11))
    # a relation contradicting the versions here (IsVersionOf its own DOI): refused both ways
    contradicting = documents[7]["metadata"]
    contradicting["relatedIdentifiers"] = [
        *contradicting.get("relatedIdentifiers", []),
        {"relatedIdentifier": contradicting["doi"], "relatedIdentifierType": "DOI",
         "relationType": "IsVersionOf"}]
    path = _write_lines(tmp_path / "records.jsonl", documents)
    batched, single = (_services(e) for e in two_engines)
    try:
        for services in (batched, single):
            _define_sets(services)
        report = LoadReport()
        assert load_source(batched.records, str(path), report=report, batch_size=25) == 60
        assert report.created == 59 and len(report.failures) == 1
        assert report.failures[0][1].startswith(f"{path}:8: /metadata/relatedIdentifiers/")
        refused = 0
        for document in documents:
            try:
                single.records.create(document["metadata"], collections=document["collections"])
            except Exception:  # noqa: BLE001 - the one contradicting record
                refused += 1
        assert refused == 1
        got, expected = _rows(two_engines[0]), _rows(two_engines[1])
        assert len(got["records"]) == 59 and got["members"] and got["terms"]
        for table in expected:
            assert got[table] == expected[table], table
    finally:
        batched.close()
        single.close()


# -- bad records cost only themselves ----------------------------------------------


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("OAISERVER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("OAISERVER_CONFIG", raising=False)
    return tmp_path


def _count_sqlite(path: Path) -> int:
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())
    finally:
        engine.dispose()


def test_a_bad_line_in_the_middle_is_reported_and_skipped(env: Path) -> None:
    documents = list(generate(10, seed=4))
    lines = [json.dumps(d) for d in documents]
    lines[5] = json.dumps({"metadata": minimal(publicationYear=1)})
    lines[7] = '{"metadata": {"titles": '  # not JSON
    path = env / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["load", "--batch-size", "3", str(path)])
    assert result.exit_code == 1
    assert f"error: {path}:6: /metadata/publicationYear" in result.stderr
    assert f"error: {path}:8: malformed JSON" in result.stderr
    assert "loaded 8 record(s): 8 created, 0 updated, 0 unchanged; 2 record(s) failed" in result.stderr
    assert _count_sqlite(env / "cli.db") == 8


def test_generated_ids_follow_the_order_of_the_lines(env: Path) -> None:
    documents = list(generate(7, seed=6))
    path = _write_lines(env / "records.jsonl", documents)
    result = CliRunner().invoke(cli, ["load", "--batch-size", "3", str(path)])
    assert result.exit_code == 0, result.stderr
    engine = make_engine(f"sqlite:///{env / 'cli.db'}")
    try:
        with engine.connect() as conn:
            by_id = conn.execute(select(RecordRow.doi).order_by(RecordRow.id)).scalars().all()
    finally:
        engine.dispose()
    assert by_id == [d["metadata"]["doi"].lower() for d in documents]


def test_a_second_record_with_a_doi_is_refused_with_where_the_first_was(env: Path) -> None:
    documents = list(generate(6, seed=5))
    documents[4]["metadata"]["doi"] = documents[1]["metadata"]["doi"].upper()
    path = _write_lines(env / "records.jsonl", documents)
    result = CliRunner().invoke(cli, ["load", "--batch-size", "2", str(path)])
    assert result.exit_code == 1
    doi = documents[1]["metadata"]["doi"].lower()
    assert (f"error: {path}:5: /doi: DOI {doi} was loaded from {path}:2 in this run"
            in result.stderr)
    assert "loaded 5 record(s): 5 created" in result.stderr
    engine = make_engine(f"sqlite:///{env / 'cli.db'}")
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(RecordRow.metadata_json).where(RecordRow.doi == doi)).all()
    finally:
        engine.dispose()
    [(metadata,)] = stored
    assert metadata["titles"] == documents[1]["metadata"]["titles"]


def test_a_stored_record_fails_alone_with_the_hint(env: Path) -> None:
    documents = list(generate(4, seed=6))
    first = _write_lines(env / "first.jsonl", documents[1:2])
    assert CliRunner().invoke(cli, ["load", str(first)]).exit_code == 0
    path = _write_lines(env / "all.jsonl", documents)
    result = CliRunner().invoke(cli, ["load", str(path)])
    assert result.exit_code == 1
    assert f"error: {path}:2: /doi: DOI " in result.stderr
    assert "--update-existing" in result.stderr
    assert "loaded 3 record(s): 3 created, 0 updated, 0 unchanged; 1 record(s) failed" in result.stderr
    assert _count_sqlite(env / "cli.db") == 4


# -- SIGKILL mid-stream, then finish with --update-existing ---------------------------


@pytest.fixture(params=BOTH_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kill.db'}"
        return
    for schema in postgres_schema():
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


def _count(engine: Engine) -> int:
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(RecordRow)).scalar_one())
    except SQLAlchemyError:  # not migrated yet
        return 0


def _load(url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OAISERVER_DATABASE_URL": url}
    env.pop("OAISERVER_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "oaiserver", "load", "-q", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_killed_load_keeps_whole_batches_and_a_rerun_finishes(database_url: str,
                                                                 tmp_path: Path) -> None:
    total, batch = 3000, 50
    path = _write_lines(tmp_path / "records.jsonl", list(generate(total, seed=8)))
    engine = make_engine(database_url)
    try:
        setup = subprocess.run([sys.executable, "-m", "oaiserver", "db", "upgrade"],
                               env={**os.environ, "OAISERVER_DATABASE_URL": database_url},
                               capture_output=True, text=True, check=False)
        assert setup.returncode == 0, setup.stderr
        services = _services(engine)
        _define_sets(services)

        process = _load(database_url, "--batch-size", str(batch), str(path))
        deadline = time.monotonic() + 120
        while _count(engine) < 3 * batch:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        kept = _count(engine)
        assert 3 * batch <= kept < total
        assert kept % batch == 0
        with engine.connect() as conn:
            records = conn.execute(select(RecordRow.id, RecordRow.concept_id)).all()
            ids = {r.id for r in records}
            concepts = set(conn.execute(select(ConceptRow.id)).scalars())
            sorts = set(conn.execute(select(TermRow.record_id)
                                     .where(TermRow.field == TITLE_SORT)).scalars())
            documents = set(conn.execute(select(SearchDocumentRow.record_id)).scalars())
            in_all = set(conn.execute(select(MembershipRow.record_id)
                                      .where(MembershipRow.set_spec == "all")).scalars())
        assert {r.concept_id for r in records} <= concepts and len(concepts) == kept
        assert sorts == ids and documents == ids and in_all == ids

        again = _load(database_url, "--update-existing", str(path))
        _out, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
        assert (f"loaded {total} record(s): {total - kept} created, 0 updated, {kept} unchanged; "
                "0 record(s) failed") in err
        with engine.connect() as conn:
            assert _count(engine) == total
            assert conn.execute(select(func.count(RecordRow.doi.distinct()))).scalar_one() == total
            assert conn.execute(select(func.count()).select_from(MembershipRow)
                                .where(MembershipRow.set_spec == "all")).scalar_one() == total
        services.close()
    finally:
        engine.dispose()


def test_an_error_that_hits_the_whole_batch_costs_only_its_record(engine, tmp_path: Path) -> None:
    """A hook without a batch form refuses one record: its batch is loaded again
    record by record, each in a savepoint, and only that record fails."""
    from repository_core.errors import InvalidRecord, Problem

    documents = list(generate(10, seed=9))
    refused_doi = documents[3]["metadata"]["doi"].lower()

    def refuse_one(session: Any, record: Any, previous: Any) -> None:
        if record.doi == refused_doi:
            raise InvalidRecord([Problem("/metadata", "refused by a hook")])

    services = _services(engine)
    try:
        services.records.hooks.append(refuse_one)
        path = _write_lines(tmp_path / "records.jsonl", documents)
        report = LoadReport()
        load_source(services.records, str(path), report=report, batch_size=5)
        assert report.failures == [(f"{path}:4", f"{path}:4: /metadata: refused by a hook")]
        assert report.created == 9
        rows = _rows(engine)
        assert sorted(r[0] for r in rows["records"]) == sorted(
            d["metadata"]["doi"].lower() for d in documents if d["metadata"]["doi"].lower() != refused_doi)
        assert len({t[0] for t in rows["terms"]}) == 9 and len(rows["documents"]) == 9
    finally:
        services.close()


def test_a_progress_line_unless_quiet(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    monkeypatch.setattr(importlib.import_module("oaiserver.cli.load"), "PROGRESS_EVERY", 0.0)
    path = _write_lines(env / "records.jsonl", list(generate(6, seed=12)))
    shown = CliRunner().invoke(cli, ["load", "--batch-size", "2", str(path)])
    assert shown.exit_code == 0, shown.stderr
    assert "loading: 4 record(s) read, " in shown.stderr and " records/s" in shown.stderr
    quiet = CliRunner().invoke(cli, ["load", "-q", "--update-existing", str(path)])
    assert quiet.exit_code == 0 and "loading:" not in quiet.stderr
    assert "loaded 6 record(s): 0 created, 0 updated, 6 unchanged" in quiet.stderr


def test_next_datestamps_are_strictly_increasing_after_every_bound(engine) -> None:
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from repository_core.datestamps import next_datestamp, next_datestamps, serve_bound

    with Session(engine) as session, session.begin():
        first = next_datestamp(session)
        bound = serve_bound(session, now=first + timedelta(seconds=10))
        stamps = next_datestamps(session, 5, now=first)
        assert stamps == sorted(set(stamps)) and stamps[0] > bound
        assert next_datestamps(session, 0) == []
        assert next_datestamp(session, now=first) > stamps[-1]


# -- payloads rendered after each batch --------------------------------------------


def _payload_rows(path: Path) -> list[Any]:
    from repository_core.models import PayloadRow

    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(PayloadRow.record_id, PayloadRow.format,
                                            PayloadRow.payload, PayloadRow.fingerprint)).all())
    finally:
        engine.dispose()


def test_a_load_renders_the_oai_payloads_a_harvest_then_serves(env: Path) -> None:
    from lxml import etree

    from oaiserver.http.app import create_app

    path = _write_lines(env / "records.jsonl", list(generate(12, seed=8)))
    result = CliRunner().invoke(cli, ["load", "-q", "--batch-size", "5", str(path)])
    assert result.exit_code == 0, result.stderr
    kept = _payload_rows(env / "cli.db")
    assert sorted({row.format for row in kept}) == ["datacite", "oai_datacite", "oai_dc"]
    assert len(kept) == 36
    services = build_services(load_config({"ratelimit_enabled": False}))
    try:
        client = create_app(services=services).test_client()
        body = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").data
    finally:
        services.close()
    ns = {"o": "http://www.openarchives.org/OAI/2.0/"}
    served = etree.fromstring(body).findall("o:ListRecords/o:record/o:metadata/*", ns)
    assert len(served) == 12
    dc = {row.record_id: row.payload for row in kept if row.format == "oai_dc"}
    # the harvest read the kept payloads: none was rendered again or replaced
    # (a payload kept under another configuration fingerprint would have been)
    assert sorted(_payload_rows(env / "cli.db")) == sorted(kept)
    texts = {etree.tostring(e, method="c14n", exclusive=True) for e in served}
    stored = {etree.tostring(etree.fromstring(p), method="c14n", exclusive=True) for p in dc.values()}
    assert texts == stored


def test_payloads_rendered_by_the_helper_process_are_the_ones_rendered_here(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from oaiserver.oai.sql import records_to_render, render_committed, render_oai_payloads
    from repository_core.child_worker import ChildWorker
    from repository_core.models import PayloadRow

    rendered_there: list[bool] = []
    submit = ChildWorker.submit

    def spy(self: ChildWorker, work: Any, *args: Any) -> Any:
        future = submit(self, work, *args)
        if work is render_committed:
            # the child gets the database's URL and the ids, not the records
            assert isinstance(args[0], str) and all(isinstance(i, str) for i in args[2])
            rendered_there.append(future is not None and bool(future.result()))
        return future

    monkeypatch.setattr(ChildWorker, "submit", spy)
    path = _write_lines(env / "records.jsonl", list(generate(30, seed=13)))
    result = CliRunner().invoke(cli, ["load", "-q", "--batch-size", "8", str(path)])
    assert result.exit_code == 0, result.stderr
    assert rendered_there == [True] * 3  # batches 2 to 4, each read and rendered there
    kept = {(row.record_id, row.format): row.payload for row in _payload_rows(env / "cli.db")}
    assert len(kept) == 90
    services = build_services(load_config({"ratelimit_enabled": False}))
    try:
        with services.engine.begin() as conn:
            conn.execute(PayloadRow.__table__.delete())
        ids = sorted({rid for rid, _ in kept})
        here = {(r.id, prefix): payload
                for prefix, records in records_to_render(services.engine,
                                                         services.export_context, ids)
                for r, payload in zip(records, render_oai_payloads(
                    prefix, records, services.export_context), strict=True)}
    finally:
        services.close()
    assert here == kept


def test_one_process_renders_the_same_payloads_without_a_helper(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from repository_core.child_worker import ChildWorker

    started: list[Any] = []
    submit = ChildWorker.submit
    monkeypatch.setattr(ChildWorker, "submit",
                        lambda self, work, *args: started.append(submit(self, work, *args)))
    path = _write_lines(env / "records.jsonl", list(generate(12, seed=14)))
    result = CliRunner().invoke(cli, ["load", "-q", "--one-process", "--batch-size", "4",
                                      str(path)])
    assert result.exit_code == 0, result.stderr
    assert started and not any(started)  # asked, never given to another process
    assert len(_payload_rows(env / "cli.db")) == 36


def test_defer_payloads_leaves_them_to_the_first_harvest(env: Path) -> None:
    path = _write_lines(env / "records.jsonl", list(generate(4, seed=9)))
    result = CliRunner().invoke(cli, ["load", "-q", "--defer-payloads", str(path)])
    assert result.exit_code == 0, result.stderr
    assert _payload_rows(env / "cli.db") == []


# -- batches prepared ahead in a second process --------------------------------------


def test_batches_prepared_ahead_load_what_one_process_loads(two_engines, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from repository_core import child_worker

    documents = list(generate(40, seed=12))
    documents[26]["metadata"]["container"] = {"type": "Journal", "title": "Kept nowhere"}
    lines = [json.dumps(d) for d in documents]
    lines[17] = json.dumps({"metadata": minimal(publicationYear=1)})  # in a later batch
    lines[23] = '{"metadata": '
    lines.insert(30, "")  # a blank line: the numbers after it still name their lines
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    submitted: list[Any] = []
    submit = child_worker.PrepareAhead._submit

    def spy(self: Any, chunk: Any, args: Any) -> Any:
        future = submit(self, chunk, args)
        submitted.append(future)
        return future

    monkeypatch.setattr(child_worker.PrepareAhead, "_submit", spy)
    ahead, alone = (_services(e) for e in two_engines)
    reports = []
    try:
        for services, enabled in ((ahead, True), (alone, False)):
            _define_sets(services)
            report = LoadReport()
            assert load_source(services.records, str(path), report=report, batch_size=8,
                               prepare_ahead=enabled) == 40
            reports.append(report)
        assert submitted[:4] and all(f is not None for f in submitted[:4])  # the child worked
        assert all(f is None for f in submitted[4:])  # disabled: nothing submitted
        with_child, without = reports
        assert [reason for _, reason in with_child.failures] == [
            f"{path}:18: /metadata/publicationYear: {_year_problem(without)}",
            f"{path}:24: malformed JSON: Expecting value (column 1)"]
        assert with_child.failures == without.failures
        assert len(with_child.warnings) == 1 and "/container" in with_child.warnings[0]
        assert with_child.warnings == without.warnings
        assert with_child.created == without.created == 38
        got, expected = _rows(two_engines[0]), _rows(two_engines[1])
        for table in expected:
            assert got[table] == expected[table], table
    finally:
        ahead.close()
        alone.close()


def _year_problem(report: LoadReport) -> str:
    [reason] = [r for _, r in report.failures if "publicationYear" in r]
    return reason.split("/metadata/publicationYear: ", 1)[1]


def test_the_rendering_process_reads_the_writers_database_or_none(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from oaiserver.cli.load import _shared_url
    from oaiserver.oai.sql import render_committed

    # a database only this process sees is rendered here; a password goes along
    assert _shared_url(make_engine("sqlite://")) is None
    assert _shared_url(make_engine(f"sqlite:///{tmp_path / 'a.db'}")) == \
        f"sqlite:///{tmp_path / 'a.db'}"
    url = "postgresql+psycopg://user:s3cret@db.example/repo?options=-csearch_path%3Dx"
    assert _shared_url(create_engine(url)) == url
    # a URL that is not the writer's database (the records are not there) is an
    # error, so the loader renders the batch itself instead of keeping nothing
    other = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(make_engine(other))
    services = _services(make_engine(other))
    try:
        with pytest.raises(LookupError, match="2 of the batch's records"):
            render_committed(other, services.export_context, ["a", "b"])
        assert render_committed(other, services.export_context, []) == []
    finally:
        services.close()


def test_claims_are_remembered_up_to_a_bound() -> None:
    from repository_core.loading import RecentClaims

    claims = RecentClaims(limit=2)
    claims["DOI a"], claims["DOI b"] = "f:1", "f:2"
    assert not claims.forgotten
    claims["DOI c"] = "f:3"
    assert list(claims.items()) == [("DOI b", "f:2"), ("DOI c", "f:3")] and claims.forgotten


@pytest.mark.parametrize("flags", [(), ("--update-existing",)])
def test_past_the_remembered_claims_the_database_refuses_a_second_doi(
        env: Path, monkeypatch: pytest.MonkeyPatch, flags: tuple[str, ...]) -> None:
    from repository_core import loading

    monkeypatch.setattr(loading, "RECENT_CLAIMS", 3)  # forgotten after three records
    documents = list(generate(12, seed=15))
    stored_before = documents.pop()
    assert CliRunner().invoke(cli, ["load", str(_write_lines(env / "before.jsonl",
                                                             [stored_before]))]).exit_code == 0
    documents[9]["metadata"]["doi"] = documents[1]["metadata"]["doi"].upper()
    changed = json.loads(json.dumps(stored_before))
    changed["metadata"]["titles"] = [{"title": "Stored before the run, changed"}]
    documents[10] = changed
    path = _write_lines(env / "records.jsonl", documents)
    result = CliRunner().invoke(cli, ["load", "--batch-size", "2", *flags, str(path)])
    assert result.exit_code == 1
    doi = documents[1]["metadata"]["doi"].lower()
    engine = make_engine(f"sqlite:///{env / 'cli.db'}")
    try:
        with engine.connect() as conn:
            [first_id] = conn.execute(select(RecordRow.id).where(RecordRow.doi == doi)).scalars()
            titles = conn.execute(select(RecordRow.metadata_json)
                                  .where(RecordRow.doi == stored_before["metadata"]["doi"].lower())
                                  ).scalar_one()["titles"]
    finally:
        engine.dispose()
    # line 2's claim was forgotten by line 10: the database says this run wrote it
    assert (f"error: {path}:10: /doi: DOI {doi} was loaded earlier in this run, as record "
            f"{first_id}; one record per DOI") in result.stderr
    if flags:  # stored before the run: updated, as ever
        assert "9 created, 1 updated, 0 unchanged; 1 record(s) failed" in result.stderr
        assert titles == [{"title": "Stored before the run, changed"}]
    else:  # stored before the run: refused with the hint, as ever
        assert f"error: {path}:11: /doi: " in result.stderr and "--update-existing" in result.stderr
        assert "9 created, 0 updated, 0 unchanged; 2 record(s) failed" in result.stderr
        assert titles == stored_before["metadata"]["titles"]
    assert _count_sqlite(env / "cli.db") == 10


def test_a_load_checkpoints_rarely_and_leaves_an_empty_write_ahead_log(
        env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from repository_core import loading

    seen: list[int] = []
    original = loading._sqlite_for_bulk

    def spy(session: Any) -> None:
        original(session)
        seen.append(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())

    monkeypatch.setattr(loading, "_sqlite_for_bulk", spy)
    path = _write_lines(env / "records.jsonl", list(generate(12, seed=16)))
    # another process's connection (a running server, say) stays open: without
    # it the last connection to close would fold the log in anyway
    other = sqlite3.connect(env / "cli.db")
    try:
        result = CliRunner().invoke(cli, ["load", "-q", "--one-process", "--batch-size", "4",
                                          str(path)])
        assert result.exit_code == 0, result.stderr
        assert seen == [loading.SQLITE_CHECKPOINT_PAGES] * 3
        wal = env / "cli.db-wal"
        assert wal.exists() and wal.stat().st_size == 0  # folded into the database
    finally:
        other.close()
    assert _count_sqlite(env / "cli.db") == 12
