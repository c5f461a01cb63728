"""Harvested records are another repository's: no DOI is minted for them, even
with ``OAISERVER_DATACITE_AUTO`` on and DataCite (its stand-in) answering."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from datacite_client.errors import HarvestedRecord
from oaiserver.cli import cli
from oaiserver.http.app import create_app
from repository_core.harvest.tables import HarvestedRecordRow
from repository_core.outbox import DOIRegistrationRow, OutboxRow
from tests.datacite_client.standin import DataCiteStandIn
from tests.sample_metadata import minimal

from .harvest_support import (
    DCItem,
    DCRepository,
    dc_fields,
    oaipmh_wsgi,
    serve_wsgi,
    sink_services,
    stamp,
)

TOKEN = "harvest-test-token"


def test_no_doi_is_minted_for_harvested_records(engine):
    dc = {"creator": "Doe, Jane", "publisher": "Elsewhere", "date": "2020", "type": "Dataset"}
    repo = DCRepository([DCItem(f"oai:third:{i}", stamp(i), dc_fields(title=f"Item {i}", **dc))
                         for i in range(1, 5)])
    with DataCiteStandIn(accounts={"TEST.REPO": ("secret", ["10.1234"])}) as datacite, \
            serve_wsgi(oaipmh_wsgi(repo)) as url:
        sink = sink_services(engine, datacite_url=datacite.url, datacite_username="TEST.REPO",
                             datacite_password="secret", datacite_prefix="10.1234",
                             datacite_auto=True, api_tokens=(TOKEN,))
        runner = CliRunner()
        runner.invoke(cli, ["harvest", "add", "third", url, "--prefix", "oai_dc"], obj=sink)
        ran = runner.invoke(cli, ["harvest", "run", "third"], obj=sink)
        assert ran.exit_code == 0 and "4 created" in ran.stdout, ran.output

        ours = sink.records.create(minimal())  # auto mode is on: our own record gets one
        assert ours.doi is not None and ours.doi.startswith("10.1234/")
        assert sink.doi.worker is not None
        sink.doi.worker.run_once()

        with sink.records.reading() as s:
            harvested_ids = list(s.execute(select(HarvestedRecordRow.record_id)).scalars())
            registrations = s.execute(select(func.count()).select_from(DOIRegistrationRow)
                                      .where(DOIRegistrationRow.record_id.in_(harvested_ids))
                                      ).scalar_one()
            queued = s.execute(select(func.count()).select_from(OutboxRow)
                               .where(OutboxRow.record_id.in_(harvested_ids))).scalar_one()
        assert len(harvested_ids) == 4 and registrations == 0 and queued == 0
        assert all(sink.records.get(rid).doi is None for rid in harvested_ids)
        # only ours: our record's DOI and its concept's; no concept DOI for harvested records
        concept_doi = f"10.1234/{ours.concept_id}"
        assert sorted(doi for _method, doi, _status in datacite.log) == sorted(
            [ours.doi, concept_doi])

        # asking for one explicitly is refused, in the service and over the API
        try:
            sink.doi.lifecycle.request(harvested_ids[0])
        except HarvestedRecord as exc:
            assert "harvested from 'third'" in str(exc)
        else:
            raise AssertionError("a DOI was requested for a harvested record")
        client = create_app(services=sink).test_client()
        answer = client.post(f"/api/records/{harvested_ids[0]}/doi",
                             headers={"Authorization": f"Bearer {TOKEN}"}, json={})
        assert answer.status_code == 409
        assert answer.get_json()["title"] == "Harvested record"
