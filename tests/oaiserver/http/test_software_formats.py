"""CodeMeta and CITATION.cff from the real server over HTTP, on SQLite and PostgreSQL.

Records go in through the service (validated as any deposit is); a client
asks by ``Accept`` and by export link, as a software index or a reference
manager would. The software record's payloads are checked with the same
validators as the serializer tests (CFF JSON Schema, pyld expansion); the
dataset beside it must not be offered either format anywhere (landing page,
Signposting, negotiation, export), and OAI-PMH does not list them (they are
not XML formats).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import yaml
from sqlalchemy import Engine

from oaiserver.config import Config
from oaiserver.services import Services, build_services
from tests.oaiserver.oai.oai_support import check_response, make_app, serve
from tests.serializers.samples import EXAMPLES, example_metadata
from tests.serializers.software_samples import SOFTWARE
from tests.serializers.test_cff import errors
from tests.serializers.test_codemeta import expansion_problems

BASE_URL = "https://software.example.org"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
SOFTWARE_TYPES = {"codemeta": "application/vnd.codemeta.ld+json", "cff": "application/x-cff"}


@pytest.fixture
def services(engine: Engine) -> Iterator[Services]:
    services = build_services(Config(secret_key="software-formats", repository_id="software.example.org",
                                     base_url=BASE_URL, ratelimit_enabled=False), engine=engine)
    [affiliation] = [p for p in EXAMPLES if p.stem == "datacite-example-affiliation-v4"]
    [dataset] = [p for p in EXAMPLES if p.stem == "datacite-example-dataset-v4"]
    services.records.create(example_metadata(affiliation), record_id="affiliation")
    services.records.create(SOFTWARE, record_id="tidewater")
    services.records.create(example_metadata(dataset), record_id="dataset")
    yield services
    services.close()


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    with serve(make_app(services)) as oai_url:
        yield oai_url.removesuffix("/oai")


def get(url: str, accept: str | None = None) -> requests.Response:
    return requests.get(url, headers={"Accept": accept} if accept else {}, timeout=30)


def test_software_records_by_accept_and_export(server: str) -> None:
    for record_id in ("affiliation", "tidewater"):
        check_software_record(server, record_id)
    document = yaml.safe_load(get(f"{server}/records/tidewater/export/cff").content)
    assert document["repository-code"] == "https://github.com/example-org/tidewater/tree/v2.1.0"
    assert document["license"] == "MIT" and document["version"] == "2.1.0"
    assert document["authors"][0]["orcid"] == "https://orcid.org/0000-0003-4925-7248"
    codemeta = get(f"{server}/records/tidewater/export/codemeta").json()
    assert codemeta["codeRepository"] == document["repository-code"]
    assert codemeta["license"] == "https://spdx.org/licenses/MIT"


def check_software_record(server: str, record_id: str) -> None:
    cff = get(f"{server}/records/{record_id}", "application/x-cff")
    assert cff.status_code == 200 and cff.headers["Content-Type"] == "application/x-cff"
    document = yaml.safe_load(cff.content.decode("utf-8"))
    assert errors(document) == []
    assert document["url"] == f"{BASE_URL}/records/{record_id}"
    codemeta = get(f"{server}/records/{record_id}", "application/vnd.codemeta.ld+json")
    assert codemeta.status_code == 200
    assert codemeta.headers["Content-Type"] == "application/vnd.codemeta.ld+json"
    assert expansion_problems(codemeta.json()) == []
    for name in SOFTWARE_TYPES:
        download = get(f"{server}/records/{record_id}/export/{name}")
        assert download.status_code == 200
        assert download.content == (cff if name == "cff" else codemeta).content
    landing = get(f"{server}/records/{record_id}", "text/html")
    for name, media_type in SOFTWARE_TYPES.items():
        export = f"{BASE_URL}/records/{record_id}/export/{name}"
        assert f'href="{export}"' in landing.text
        assert f'<{export}> ; rel="describedby" ; type="{media_type}"' in landing.headers["Link"]


def test_a_dataset_is_offered_neither(server: str) -> None:
    landing = get(f"{server}/records/dataset", "text/html")
    assert landing.status_code == 200
    for name, media_type in SOFTWARE_TYPES.items():
        assert f"/export/{name}" not in landing.text
        assert f"/export/{name}" not in landing.headers["Link"]
        refused = get(f"{server}/records/dataset", media_type)
        assert refused.status_code == 406
        offered = refused.text.split("Available media types:")[1]
        assert "application/x-bibtex" in offered and media_type not in offered
        assert get(f"{server}/records/dataset/export/{name}").status_code == 404
    # OAI-PMH lists neither: they are not XML formats
    for params in ({"verb": "ListMetadataFormats"},
                   {"verb": "ListMetadataFormats", "identifier": "oai:software.example.org:affiliation"}):
        doc = check_response(requests.get(f"{server}/oai", params=params, timeout=30).content)
        prefixes = {e.text for e in doc.iter(f"{OAI}metadataPrefix")}
        assert prefixes == {"oai_dc", "oai_datacite", "datacite", "oai_openaire", "dcat",
                            "marc21"}
