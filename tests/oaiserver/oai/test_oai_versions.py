"""Versions over OAI-PMH: every version is its own record; publishing one moves the
previous version's datestamp, so an incremental harvest (sickle, over HTTP) sees both.

The server validates every response and payload it sends against the XSDs
(``make_app(validate=True)``).
"""

from __future__ import annotations

import time
from datetime import datetime

from sickle import Sickle

from repository_core.sets import create_set
from tests.sample_metadata import minimal

from .oai_support import VALIDATED, make_app, make_services, oai_id, serve, with_base_url


def _metadata(n: int) -> dict:
    return minimal(titles=[{"title": f"Sea level record, version {n}"}], doi=f"10.5072/sea.{n}",
                   version=str(n))


def _stamp(header) -> datetime:
    return datetime.fromisoformat(header.datestamp)


def test_incremental_harvest_sees_the_new_and_the_previous_version(engine):
    services = make_services(engine)
    first = services.records.create(_metadata(1), record_id="sea-1")
    services.records.create(minimal(titles=[{"title": "Unrelated"}]), record_id="other")
    with services.records.transaction() as session:
        create_set(session, "latest", name="Latest versions", query="versions.is_latest:true")
        create_set(session, "sea", name="Sea level, all versions",
                   query=f"parent.id:{first.concept_id}")
        create_set(session, "second", name="Second versions", query="versions.index:2")
    app = make_app(services, validate=True)
    with serve(app) as url:
        with_base_url(services, url)
        sickle = Sickle(url)
        before = {h.identifier: _stamp(h)
                  for h in sickle.ListIdentifiers(metadataPrefix="oai_dc")}
        assert set(before) == {oai_id("sea-1"), oai_id("other")}
        time.sleep(1.1)  # datestamps have seconds here: "from" names the next second
        since = sickle.Identify().xml.getroottree().getroot()
        response_date = since.findtext("{http://www.openarchives.org/OAI/2.0/}responseDate")

        second = services.records.new_version("sea-1", _metadata(2), record_id="sea-2")
        assert second.concept_id == first.concept_id

        for prefix in ("datacite", "oai_dc"):
            records = list(sickle.ListRecords(metadataPrefix=prefix, ignore_deleted=False,
                                              **{"from": response_date}))
            assert {r.header.identifier for r in records} == {oai_id("sea-1"), oai_id("sea-2")}
            assert not any(r.header.deleted for r in records)
            previous = next(r for r in records if r.header.identifier == oai_id("sea-1"))
            assert _stamp(previous.header) > before[oai_id("sea-1")]  # rewritten
            assert previous.header.setSpecs == ["sea"]  # it left "latest"

        def listed(spec):
            return {h.identifier: h.deleted
                    for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set=spec,
                                                    ignore_deleted=False)}

        # the previous version left the "latest" set: shown as deleted there
        assert listed("latest") == {oai_id("sea-2"): False, oai_id("other"): False,
                                    oai_id("sea-1"): True}
        assert listed("sea") == {oai_id("sea-1"): False, oai_id("sea-2"): False}
        assert listed("second") == {oai_id("sea-2"): False}
    assert VALIDATED.get(id(services))
