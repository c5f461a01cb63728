"""MARCXML on the record pages: content negotiation, the export list, Signposting."""

from __future__ import annotations

import io

import pymarc
import pytest
from flask import Flask
from flask.testing import FlaskClient

from oaiserver.http.pages.records import bp
from serializers.xsd import validate_xml
from tests.oaiserver.http.test_record_pages import FakeRecords, FakeServices
from tests.serializers.samples import make_record

MARCXML = "application/marcxml+xml"


@pytest.fixture()
def client() -> FlaskClient:
    app = Flask(__name__)
    app.extensions["oaiserver"] = FakeServices(FakeRecords([make_record(), make_record(id="nodoi", doi=None)]))
    app.register_blueprint(bp)
    return app.test_client()


@pytest.mark.parametrize("record_id", ["rec-1", "nodoi"])
def test_negotiated_by_accept(client: FlaskClient, record_id: str) -> None:
    response = client.get(f"/records/{record_id}", headers={"Accept": f"{MARCXML};q=0.9, text/html;q=0.1"})
    assert response.status_code == 200 and response.mimetype == MARCXML
    assert validate_xml(response.data, "marc21") == []
    [record] = pymarc.parse_xml_to_array(io.BytesIO(response.data), strict=True)
    assert record["001"].data == record_id
    assert response.data == client.get(f"/records/{record_id}/export/marc21").data


def test_landing_page_lists_it_and_signposting_links_it(client: FlaskClient) -> None:
    page = client.get("/records/rec-1", headers={"Accept": "text/html"})
    assert 'href="https://repo.example.org/records/rec-1/export/marc21"' in page.text
    assert "MARCXML (MARC 21)" in page.text
    assert ('<https://repo.example.org/records/rec-1/export/marc21> ; rel="describedby" ; '
            f'type="{MARCXML}"') in page.headers["Link"]
