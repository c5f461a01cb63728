"""Record pages over a Flask test client, with a fake ``services`` (the interface the app gives)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from oaiserver.http.pages.records import bp
from repository_core.errors import RecordDeleted, RecordNotFound
from repository_core.records import Record
from repository_core.sets import SetDefinition
from serializers.registry import FORMATS
from tests.serializers.samples import CTX, make_record
from tests.serializers.software_samples import SOFTWARE

EVIL = 'Evil </script><script>alert(1)</script> <img src=x onerror=alert(2)>'


class FakeRecords:
    def __init__(self, records: list[Record]):
        self.by_id = {r.id: r for r in records}

    def get(self, record_id: str) -> Record:
        record = self.by_id.get(record_id)
        if record is None:
            raise RecordNotFound(record_id)
        if record.deleted:
            raise RecordDeleted(record)
        return record

    def public_view(self, record: Record) -> Record:
        return record  # no DOI machinery here: no drafts

    def concept(self, concept_id: str, *, public: bool = False) -> None:
        return None  # records made by hand here belong to no concept

    def concept_by_doi(self, doi: str, *, public: bool = False) -> None:
        return None

    def get_by_doi(self, doi: str) -> Record:
        for record in self.by_id.values():
            if record.doi and record.doi.lower() == doi.lower():
                return self.get(record.id)
        raise RecordNotFound(doi)


class FakeSets:
    """The record "rec-1" is in one set; the others in none."""

    def sets_of(self, record_id: str) -> list[SetDefinition]:
        when = datetime(2024, 1, 1, tzinfo=UTC)
        return ([SetDefinition("ocean:deep", "Deep ocean", None, "subjects.subject:ocean",
                               when, when)] if record_id == "rec-1" else [])


@dataclass
class FakeServices:
    records: FakeRecords
    sets: FakeSets = field(default_factory=FakeSets)
    export_context: object = field(default=CTX)
    usage: None = None  # statistics off: nothing recorded, no figures shown


@pytest.fixture()
def client() -> FlaskClient:
    app = Flask(__name__)
    app.extensions["oaiserver"] = FakeServices(FakeRecords([
        make_record(),
        make_record(id="nodoi", doi=None),
        make_record(id="evil", titles=[{"title": EVIL}]),
        make_record(SOFTWARE, id="sw"),
        make_record(id="gone", deleted=True, datestamp=datetime(2022, 5, 6, tzinfo=UTC)),
    ]))
    app.register_blueprint(bp)
    return app.test_client()


@pytest.mark.parametrize("fmt", FORMATS.negotiable(), ids=lambda f: f.name)
def test_every_format_by_accept_and_by_format_parameter(client: FlaskClient, fmt) -> None:
    record = make_record() if fmt.available(make_record()) else make_record(SOFTWARE, id="sw")
    by_accept = client.get(f"/records/{record.id}", headers={"Accept": fmt.media_type})
    assert by_accept.status_code == 200
    assert by_accept.headers["Content-Type"] == fmt.content_type
    assert "Accept" in by_accept.headers["Vary"]
    assert by_accept.data == fmt.dump(record, CTX)
    by_param = client.get(f"/records/{record.id}?format={fmt.name}", headers={"Accept": "text/html"})
    assert by_param.data == by_accept.data


def test_landing_page(client: FlaskClient) -> None:
    response = client.get("/records/rec-1", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<h1>Deep water temperatures</h1>" in page
    assert '<a class="orcid" href="https://orcid.org/0000-0002-1825-0097"' in page
    assert "Temperature profiles below 2000 m." in page
    assert 'href="https://doi.org/10.1234/full-2020"' in page
    assert 'class="citation">Smith, J., &amp; Deep Sea Consortium. (2020).' in page
    for fmt in FORMATS.negotiable(make_record()):
        assert f'href="https://repo.example.org/records/rec-1/export/{fmt.name}"' in page
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert json.loads(script)["@id"] == "https://doi.org/10.1234/full-2020"
    # in the site's layout (header with search and links back), with the record's sets
    assert '<form class="site-search" role="search" aria-label="Site" action="/search"' in page
    assert '<a href="/sets/ocean:deep">Deep ocean</a>' in page


def test_dcat_by_content_negotiation(client: FlaskClient) -> None:
    """Turtle and RDF/XML are one DCAT-AP graph; application/ld+json stays schema.org."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from tests.serializers.shacl import violations

    turtle = client.get("/records/rec-1", headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Type"] == "text/turtle"
    graph = Graph().parse(data=turtle.data, format="turtle")
    assert violations(graph) == []
    rdfxml = client.get("/records/rec-1", headers={"Accept": "application/rdf+xml"})
    assert rdfxml.headers["Content-Type"] == "application/rdf+xml"
    assert isomorphic(graph, Graph().parse(data=rdfxml.data, format="xml"))
    jsonld = client.get("/records/rec-1", headers={"Accept": "application/ld+json"})
    assert jsonld.get_json()["@context"] == "https://schema.org"


def test_software_formats_only_for_software(client: FlaskClient) -> None:
    """CodeMeta and CFF: on a software record's page, Signposting and linkset, and nowhere else."""
    software = {"codemeta": "application/vnd.codemeta.ld+json", "cff": "application/x-cff"}
    for name, media_type in software.items():
        export = f"https://repo.example.org/records/sw/export/{name}"
        assert f'href="{export}"' in client.get("/records/sw").get_data(as_text=True)
        assert f'<{export}> ; rel="describedby" ; type="{media_type}"' in (
            client.get("/records/sw").headers["Link"])
        assert {"href": export, "type": media_type} in (
            client.get("/records/sw/linkset").get_json()["linkset"][0]["describedby"])
        download = client.get(f"/records/sw/export/{name}")
        assert download.status_code == 200 and download.headers["Content-Type"] == media_type
        assert download.headers["Content-Disposition"] == (
            f"attachment; filename={FORMATS[name].filename}")
        assert f"/export/{name}" not in client.get("/records/rec-1").get_data(as_text=True)
        assert f"/export/{name}" not in client.get("/records/rec-1").headers["Link"]
        assert client.get("/records/rec-1", headers={"Accept": media_type}).status_code == 406
        refused = client.get(f"/records/rec-1/export/{name}")
        assert refused.status_code == 404 and "software records only" in refused.get_data(as_text=True)
    assert client.get("/records/sw", headers={"Accept": "application/vnd.cff+yaml"}).data == (
        FORMATS["cff"].dump(make_record(SOFTWARE, id="sw"), CTX))


def test_hostile_title_cannot_break_out(client: FlaskClient) -> None:
    page = client.get("/records/evil").get_data(as_text=True)
    assert "<img src=x" not in page and "<script>alert" not in page
    assert page.count("</script>") == 1           # only the JSON-LD element's own end tag
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert json.loads(script)["name"] == EVIL     # and the JSON still says exactly the title
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_signposting_link_header(client: FlaskClient) -> None:
    link = client.get("/records/rec-1").headers["Link"]
    assert '<https://doi.org/10.1234/full-2020> ; rel="cite-as"' in link
    for fmt in FORMATS.negotiable(make_record()):
        assert (f'<https://repo.example.org/records/rec-1/export/{fmt.name}> ; rel="describedby" ; '
                f'type="{fmt.media_type}"') in link
    assert '<https://schema.org/Dataset> ; rel="type"' in link
    assert '<https://schema.org/AboutPage> ; rel="type"' in link
    assert '<https://orcid.org/0000-0002-1825-0097> ; rel="author"' in link
    assert '<https://creativecommons.org/licenses/by/4.0/> ; rel="license"' in link
    assert ('<https://repo.example.org/records/rec-1/linkset> ; rel="linkset" ; '
            'type="application/linkset+json"') in link


def test_linkset(client: FlaskClient) -> None:
    response = client.get("/records/rec-1/linkset")
    assert response.status_code == 200 and response.mimetype == "application/linkset+json"
    (landing, *metadata) = response.get_json()["linkset"]
    assert landing["anchor"] == "https://repo.example.org/records/rec-1"
    assert landing["cite-as"] == [{"href": "https://doi.org/10.1234/full-2020"}]
    assert {"href": "https://repo.example.org/records/rec-1/export/bibtex",
            "type": "application/x-bibtex"} in landing["describedby"]
    assert landing["author"] == [{"href": "https://orcid.org/0000-0002-1825-0097"}]
    assert len(metadata) == len(FORMATS.negotiable(make_record()))
    assert all(m["describes"][0]["href"] == landing["anchor"] for m in metadata)


def test_not_acceptable_lists_the_media_types(client: FlaskClient) -> None:
    response = client.get("/records/rec-1", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/x-bibtex" in response.get_data(as_text=True)
    assert "Accept" in response.headers["Vary"]


def test_record_without_doi_offers_no_datacite_xml(client: FlaskClient) -> None:
    assert client.get("/records/nodoi", headers={"Accept": FORMATS["datacite"].media_type}).status_code == 406
    assert client.get("/records/nodoi/export/datacite").status_code == 404
    assert client.get("/records/nodoi/export/bibtex").status_code == 200
    link = client.get("/records/nodoi").headers["Link"]
    assert '<https://repo.example.org/records/nodoi> ; rel="cite-as"' in link


def test_export_downloads_with_a_filename(client: FlaskClient) -> None:
    response = client.get("/records/rec-1/export/bibtex")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename=rec-1-bibtex.bib'
    assert "Vary" not in response.headers
    assert client.get("/records/rec-1/export/marcxml").status_code == 404
    assert client.get("/records/rec-1/export/oai_datacite").status_code == 404


def test_etag_last_modified_and_conditional_get(client: FlaskClient) -> None:
    first = client.get("/records/rec-1", headers={"Accept": "application/x-bibtex"})
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"] == "Wed, 03 Feb 2021 04:05:06 GMT"
    other = client.get("/records/rec-1", headers={"Accept": "application/x-research-info-systems"})
    assert other.headers["ETag"] != etag                       # the format is part of the tag
    again = client.get("/records/rec-1", headers={"Accept": "application/x-bibtex", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/records/rec-1", headers={"If-Modified-Since": "Wed, 03 Feb 2021 04:05:06 GMT"})
    assert since.status_code == 304


def test_head(client: FlaskClient) -> None:
    response = client.head("/records/rec-1", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Type"] == "application/ld+json"


def test_citation_style_and_locale(client: FlaskClient) -> None:
    apa = client.get("/records/rec-1", headers={"Accept": "text/x-bibliography"}).get_data(as_text=True)
    ieee = client.get("/records/rec-1", headers={"Accept": "text/x-bibliography; style=ieee"})
    assert ieee.status_code == 200 and ieee.get_data(as_text=True) != apa
    assert client.get("/records/rec-1?format=citation&style=ieee").data == ieee.data
    assert ieee.headers["ETag"] != client.get("/records/rec-1?format=citation").headers["ETag"]
    bad = client.get("/records/rec-1?format=citation&style=no-such-style")
    assert bad.status_code == 400 and "citation-style-language/styles" in bad.get_data(as_text=True)
    assert len(bad.data) < 2000  # a link, not the 10,000 names
    close = client.get("/records/rec-1?format=citation&style=apaa").get_data(as_text=True)
    assert "did you mean" in close and "'apaa'" in close and "apa" in close.split("did you mean ")[1]


@pytest.mark.parametrize("style", ["agora", "adansonia", "aib-studi"])
def test_a_style_the_processor_cannot_apply_is_a_422(client: FlaskClient, style: str) -> None:
    """Installed styles whose CSL citeproc-py does not implement fail inside it."""
    response = client.get(f"/records/rec-1?format=citation&style={style}")
    assert response.status_code == 422
    assert style in response.get_data(as_text=True) and "try another style" in response.get_data(as_text=True)
    assert client.get("/records/rec-1?format=citation&style=apa").status_code == 200


def test_deleted_record_is_gone_with_a_tombstone(client: FlaskClient) -> None:
    html = client.get("/records/gone", headers={"Accept": "text/html"})
    assert html.status_code == 410 and html.mimetype == "text/html"
    assert "2022-05-06" in html.get_data(as_text=True)
    as_json = client.get("/records/gone", headers={"Accept": "application/ld+json"})
    assert as_json.status_code == 410
    assert as_json.get_json() == {"status": 410, "id": "gone", "deleted": True,
                                  "deleted_at": "2022-05-06T00:00:00+00:00",
                                  "url": "https://repo.example.org/records/gone",
                                  "doi": "10.1234/full-2020", "doi_url": "https://doi.org/10.1234/full-2020",
                                  "title": "Deep water temperatures"}
    text = client.get("/records/gone", headers={"Accept": "application/x-bibtex"})
    assert text.status_code == 410 and text.mimetype == "text/plain"
    assert client.get("/records/gone/export/bibtex").status_code == 410
    assert client.get("/records/gone/linkset").status_code == 410


def test_unknown_record(client: FlaskClient) -> None:
    assert client.get("/records/nope").status_code == 404
    assert client.get("/records/nope/linkset").status_code == 404


def test_doi_redirects_to_the_landing_page(client: FlaskClient) -> None:
    response = client.get("/doi/10.1234/FULL-2020")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://repo.example.org/records/rec-1"
    assert client.get("/doi/10.9999/none").status_code == 404
