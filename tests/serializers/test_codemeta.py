"""CodeMeta: every software record's codemeta.json expands under the CodeMeta 3.0 context
with nothing dropped.

pyld expands each document against the context shipped with the package
(served by ``codemeta.document_loader``, no network). JSON-LD expansion
silently drops a key that is not a term of the context; so the test counts
the values that go in (every string, number and boolean under a key that
is not a keyword) and the values that come out (every ``@value`` and every
``@id`` but the nodes' own), and asks that every property and type IRI is
an absolute schema.org or CodeMeta IRI and every ``@id`` an absolute URL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from repository_core.records import Record
from serializers import codemeta
from serializers.registry import FORMATS
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record
from tests.serializers.software_samples import SOFTWARE_RECORDS, VARIANTS

SCHEMA = "http://schema.org/"
CODEMETA = "https://w3id.org/codemeta/terms/"


def document(record: Record) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FORMATS["codemeta"].dump(record, CTX))
    return loaded


def by_id(record_id: str) -> Record:
    return next(r for r in SOFTWARE_RECORDS if r.id == record_id)


def _values_in(node: Any) -> int:
    """Scalars under non-keyword keys, plus node ``@id`` references ({"@id": ...} alone)."""
    if isinstance(node, list):
        return sum(_values_in(item) for item in node)
    if isinstance(node, dict):
        if set(node) == {"@id"}:
            return 1
        return sum(_values_in(v) for k, v in node.items() if not k.startswith("@"))
    return 1


def _values_out(node: Any, problems: list[str]) -> int:
    """Count leaves of expanded JSON-LD, collecting IRIs that are not absolute."""
    if isinstance(node, list):
        return sum(_values_out(item, problems) for item in node)
    assert isinstance(node, dict)
    if "@value" in node:
        return 1
    if "@list" in node:
        return _values_out(node["@list"], problems)
    if "@id" in node and not node["@id"].startswith(("http://", "https://")):
        problems.append(f"relative @id {node['@id']!r}")
    for kind in node.get("@type", []):
        if not kind.startswith((SCHEMA, CODEMETA)):
            problems.append(f"type {kind!r}")
    count = 1 if set(node) == {"@id"} else 0
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if not key.startswith((SCHEMA, CODEMETA)):
            problems.append(f"property {key!r}")
        count += _values_out(value, problems)
    return count


def expansion_problems(doc: dict[str, Any]) -> list[str]:
    # no base IRI (pyld's default is http://example.org/base/): a relative IRI stays relative
    expanded = jsonld.expand(doc, {"documentLoader": codemeta.document_loader, "base": None})
    problems: list[str] = []
    out = _values_out(expanded, problems)
    if out != _values_in(doc):
        problems.append(f"{_values_in(doc)} values went in, {out} came out")
    return problems


@pytest.mark.parametrize("record", SOFTWARE_RECORDS, ids=lambda r: r.id)
def test_every_software_record_expands_with_nothing_dropped(record: Record) -> None:
    assert FORMATS["codemeta"].available(record)
    doc = document(record)
    assert doc["@context"] == "https://w3id.org/codemeta/3.0"
    assert doc["@type"] == "SoftwareSourceCode"
    assert expansion_problems(doc) == []


@pytest.mark.parametrize("extra", [
    {"inLanguage": "en"},                                    # not a CodeMeta 3.0 term: dropped
    {"fileFormat": "text/x-python"},                         # an IRI-typed term given a bare word
    {"author": [{"@type": "Persona", "familyName": "X"}]},   # an unknown type
])
def test_the_expansion_check_finds_what_expansion_loses(extra: dict[str, Any]) -> None:
    doc = document(by_id("sw-full"))
    assert expansion_problems(doc) == []
    assert expansion_problems({**doc, **extra}) != []


def test_the_loader_never_uses_the_network() -> None:
    assert codemeta.document_loader(codemeta.CONTEXT_URL)["document"]["@context"]["codemeta"] == CODEMETA
    with pytest.raises(LookupError):
        codemeta.document_loader("https://schema.org")


def test_the_full_software_record_field_by_field() -> None:
    doc = document(by_id("sw-full"))
    assert doc["@id"] == "https://doi.org/10.5281/zenodo.1234567"
    # the SWHID and the local number are no URLs: CodeMeta's identifier is an IRI
    assert doc["identifier"] == "https://doi.org/10.5281/zenodo.1234567"
    assert doc["name"] == "tidewater: tidal analysis tools"
    assert doc["description"] == "Tools for tidal analysis."
    assert doc["version"] == "2.1.0"
    assert doc["author"] == [
        {"@type": "Person", "@id": "https://orcid.org/0000-0003-4925-7248",
         "givenName": "Stephan", "familyName": "Druskat",
         "affiliation": [{"@type": "Organization", "@id": "https://ror.org/04bwf3e34",
                          "name": "German Aerospace Center"},
                         {"@type": "Organization", "name": "Friedrich Schiller University Jena"}]},
        {"@type": "Organization", "name": "Research Software Team"},
    ]
    assert [c.get("familyName", c.get("name")) for c in doc["contributor"]] == [
        "Maintainer", "Sponsor Foundation"]
    assert doc["sponsor"] == [{"@type": "Organization", "name": "Sponsor Foundation"}]
    assert doc["publisher"] == {"@type": "Organization", "name": "Zenodo"}
    assert (doc["datePublished"], doc["dateCreated"], doc["dateModified"]) == (
        "2023-05-17", "2021-01-10", "2023-06-01T10:00:00Z")
    assert doc["keywords"] == ["oceanography", "tides"]
    assert doc["license"] == "https://spdx.org/licenses/MIT"
    assert doc["isAccessibleForFree"] is True
    assert doc["codeRepository"] == "https://github.com/example-org/tidewater/tree/v2.1.0"
    assert doc["url"] == "https://repo.example.org/records/sw-full"
    assert doc["referencePublication"] == ["https://doi.org/10.21105/joss.01234"]
    assert doc["softwareRequirements"] == ["https://pypi.org/project/numpy/"]
    assert doc["isPartOf"] == [{"@id": "https://doi.org/10.5281/zenodo.999"}]
    assert doc["relatedLink"] == ["https://doi.org/10.5281/zenodo.1234000"]
    assert doc["fileFormat"] == ["https://www.iana.org/assignments/media-types/text/x-python"]
    assert doc["fileSize"] == "2.5 MB"
    assert doc["funder"] == [{"@type": "Organization", "@id": "https://doi.org/10.13039/501100001659",
                              "name": "Deutsche Forschungsgemeinschaft"}]
    assert doc["funding"] == "442146713: Research software sustainability"


def test_minimal_record() -> None:
    assert document(by_id("sw-minimal")) == {
        "@context": "https://w3id.org/codemeta/3.0", "@type": "SoftwareSourceCode",
        "@id": "https://repo.example.org/records/sw-minimal", "name": "plotkit",
        "author": [{"name": "Doe, Jane"}],
        "publisher": {"@type": "Organization", "name": "Example Repository"},
        "datePublished": "2024", "url": "https://repo.example.org/records/sw-minimal"}


def test_licences_and_repositories() -> None:
    custom = document(by_id("sw-custom-licence-gitlab"))
    assert custom["license"] == "https://example.org/licence"
    assert custom["codeRepository"] == "https://gitlab.example.org/lab/tool"
    assert custom["author"] == [{"@type": "Organization", "@id": "https://ror.org/04bwf3e34",
                                 "name": "Lab of Tides"}]
    two = document(by_id("sw-two-licences-docs-site"))
    assert two["license"] == ["https://spdx.org/licenses/Apache-2.0",
                              "https://spdx.org/licenses/GPL-3.0-or-later"]
    assert "codeRepository" not in two and two["relatedLink"] == ["https://docs.example.org/tool"]


def test_only_software_records() -> None:
    dataset = make_record()
    assert not FORMATS["codemeta"].available(dataset)
    assert FORMATS["codemeta"] not in FORMATS.negotiable(dataset)
    assert FORMATS["codemeta"] in FORMATS.negotiable(by_id("sw-full"))
    assert not FORMATS["codemeta"].available(make_record(VARIANTS["full"], types={
        "resourceTypeGeneral": "Dataset"}))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_official_example_read_as_software_expands_with_nothing_dropped(
        example: Path) -> None:
    metadata = example_metadata(example)  # all 31 must load: a refusal fails here
    metadata["types"] = {**metadata.get("types", {}), "resourceTypeGeneral": "Software"}
    assert expansion_problems(document(make_record(metadata, id=example.stem))) == []
