"""Citation File Format: every software record's CITATION.cff is valid CFF 1.2.0.

Validated with ``jsonschema`` against the CFF 1.2.0 JSON Schema as the
``cffconvert`` 2.0.0 wheel ships it (``serializers/schemas/cff-1.2.0/
schema.json``, also the list of SPDX ids the serializer may write), after
reading the YAML back with PyYAML's safe loader and, to the same values,
with ruamel.yaml's YAML 1.2 loader.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from repository_core.records import Record
from serializers import cff
from serializers.registry import FORMATS
from serializers.software import CFF_SCHEMA, cff_schema, code_repository, spdx_id
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record
from tests.serializers.software_samples import MINIMAL, SOFTWARE_RECORDS, VARIANTS

SCHEMA_SHA256 = "0b8d22140da702d766df318dcff3a91af2f39521298dcf36d76315fd99cc169b"
VALIDATOR = jsonschema.Draft7Validator(cff_schema(), format_checker=jsonschema.FormatChecker())


YAML_1_2 = YAML(typ="safe", pure=True)   # pure: ruamel's C loader reads YAML 1.1


def load(record: Record) -> dict[str, Any]:
    """The CITATION.cff read back by PyYAML (YAML 1.1), which must agree with a YAML 1.2
    reader (CFF is YAML 1.2; ruamel.yaml is what cffconvert reads it with)."""
    body = FORMATS["cff"].dump(record, CTX).decode("utf-8")
    document: dict[str, Any] = yaml.safe_load(body)
    assert YAML_1_2.load(body) == document
    return document


def errors(document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in VALIDATOR.iter_errors(document)]


def by_id(record_id: str) -> Record:
    return next(r for r in SOFTWARE_RECORDS if r.id == record_id)


def test_the_vendored_schema_is_cffs_1_2_0_schema_unchanged() -> None:
    assert hashlib.sha256(CFF_SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert cff_schema()["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"


def test_there_are_enough_software_records() -> None:
    synthetic = [r for r in SOFTWARE_RECORDS if r.id.startswith("synthetic-")]
    assert len(synthetic) >= 10 and len(SOFTWARE_RECORDS) >= len(VARIANTS) + 11


@pytest.mark.parametrize("record", SOFTWARE_RECORDS, ids=lambda r: r.id)
def test_every_software_record_is_valid_cff(record: Record) -> None:
    assert FORMATS["cff"].available(record)
    document = load(record)
    assert errors(document) == []
    assert document["cff-version"] == "1.2.0" and document["type"] == "software"


def test_the_validator_catches_what_cff_refuses() -> None:
    document = load(by_id("sw-full"))
    assert errors(document) == []
    broken = {**document, "license": "CC0 1.0", "date-released": "2023"}
    del broken["authors"]
    found = {line.split(":")[0] for line in errors(broken)}
    assert found == {"license", "date-released", ""}   # "" is the root: authors missing


def test_the_full_software_record_field_by_field() -> None:
    document = load(by_id("sw-full"))
    assert list(document)[:5] == ["cff-version", "message", "type", "title", "authors"]
    assert document["title"] == "tidewater: tidal analysis tools"
    assert document["authors"] == [
        {"family-names": "Druskat", "given-names": "Stephan",
         "affiliation": "German Aerospace Center; Friedrich Schiller University Jena",
         "orcid": "https://orcid.org/0000-0003-4925-7248"},
        {"name": "Research Software Team"},
    ]
    assert document["contact"] == [{"family-names": "Maintainer", "given-names": "Mia",
                                     "orcid": "https://orcid.org/0000-0002-1825-0097"}]
    assert document["version"] == "2.1.0"
    assert document["doi"] == "10.5281/zenodo.1234567"
    assert document["date-released"] == "2023-05-17"
    assert document["identifiers"] == [
        {"type": "swh", "value": "swh:1:rel:22ece559cc7cc2364edc5e5593d63ae8bd229f9f"},
        {"type": "other", "value": "TW-2023-17", "description": "Local accession number"},
    ]
    assert document["repository-code"] == "https://github.com/example-org/tidewater/tree/v2.1.0"
    assert document["url"] == "https://repo.example.org/records/sw-full"
    assert document["abstract"] == "Tools for tidal analysis."     # the record's language
    assert document["keywords"] == ["oceanography", "tides"]
    assert document["license"] == "MIT" and "license-url" not in document


def test_strings_that_look_like_numbers_or_dates_stay_strings() -> None:
    record = make_record(VARIANTS["full"], id="sw", version="1.10")
    body = FORMATS["cff"].dump(record, CTX).decode("utf-8")
    assert "version: '1.10'" in body and "date-released: '2023-05-17'" in body
    assert load(record)["version"] == "1.10"


def test_keywords_and_authors_are_written_once() -> None:
    """CFF's schema wants unique items; DataCite's does not forbid repeats in every reader."""
    twice = VARIANTS["full"]["creators"][:1] * 2
    record = make_record(VARIANTS["full"], id="sw", creators=twice,
                         subjects=[{"subject": "tides"}, {"subject": "tides", "lang": "en"}])
    document = load(record)
    assert document["keywords"] == ["tides"] and len(document["authors"]) == 1
    assert errors(document) == []


@pytest.mark.parametrize("version", ["1e3", "0o17", "0x1F", ".inf", "-.5", "1.0", "10", "true",
                                     "yes", "null", "~", "2024-01-01"])
def test_versions_that_yaml_1_1_or_1_2_would_read_as_numbers_are_quoted(version: str) -> None:
    body = FORMATS["cff"].dump(make_record(VARIANTS["full"], id="sw", version=version), CTX)
    assert f"\nversion: '{version}'\n" in body.decode("utf-8")


def test_lists_are_indented_under_their_key() -> None:
    body = FORMATS["cff"].dump(by_id("sw-full"), CTX).decode("utf-8")
    assert "\nauthors:\n  - family-names: Druskat\n    given-names: Stephan\n" in body


def test_minimal_record() -> None:
    assert load(by_id("sw-minimal")) == {
        "cff-version": "1.2.0", "message": cff.MESSAGE, "type": "software", "title": "plotkit",
        "authors": [{"name": "Doe, Jane"}],   # no nameType, nothing tells it is a person
        "url": "https://repo.example.org/records/sw-minimal"}
    assert load(by_id("sw-minimal-personal"))["authors"] == [
        {"family-names": "Doe", "given-names": "Jane"}]


def test_licence_outside_spdx_and_a_self_hosted_gitlab() -> None:
    document = load(by_id("sw-custom-licence-gitlab"))
    assert "license" not in document
    assert document["license-url"] == "https://example.org/licence"
    assert document["repository-code"] == "https://gitlab.example.org/lab/tool"
    assert document["authors"] == [{"name": "Lab of Tides"}]


def test_two_licences_and_a_documentation_site() -> None:
    document = load(by_id("sw-two-licences-docs-site"))
    assert document["license"] == ["Apache-2.0", "GPL-3.0-or-later"]
    assert "repository-code" not in document


def test_a_doi_outside_cffs_pattern_becomes_a_url_identifier() -> None:
    document = load(by_id("sw-odd-doi-year-only"))
    assert "doi" not in document and "date-released" not in document and "version" not in document
    assert {"type": "url", "value": "https://doi.org/10.1234/tool%232",
            "description": "DOI"} in document["identifiers"]


def test_an_identical_resource_is_one_of_the_identifiers() -> None:
    related = [{"relatedIdentifier": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505",
                "relatedIdentifierType": "SWHID", "relationType": "IsIdenticalTo"},
               {"relatedIdentifier": "10.5281/zenodo.42", "relatedIdentifierType": "DOI",
                "relationType": "IsIdenticalTo"},
               {"relatedIdentifier": "10.5281/zenodo.43", "relatedIdentifierType": "DOI",
                "relationType": "IsVersionOf"}]
    document = load(make_record(VARIANTS["minimal"], id="sw", relatedIdentifiers=related))
    assert document["identifiers"] == [
        {"type": "swh", "value": "swh:1:dir:d198bc9d7a6bcf6db04f476d29314f157507d505"},
        {"type": "doi", "value": "10.5281/zenodo.42"}]
    assert errors(document) == []


def test_the_affiliation_example() -> None:
    document = load(by_id("datacite-example-affiliation-v4"))
    assert document["license"] == "CC0-1.0"                     # written "CC0 1.0" in the example
    assert document["authors"][1]["affiliation"] == "Brown University; Wesleyan University"
    assert document["authors"][2] == {"name": "The Psychoceramics Study Group"}


def test_only_software_records() -> None:
    dataset = make_record()
    assert not FORMATS["cff"].available(dataset)
    assert FORMATS["cff"] not in FORMATS.negotiable(dataset)
    assert FORMATS["cff"] in FORMATS.negotiable(by_id("sw-full"))
    notebook = make_record(VARIANTS["full"], types={"resourceTypeGeneral": "ComputationalNotebook"})
    assert not FORMATS["cff"].available(notebook)
    assert FORMATS["cff"].unavailable_reason == "CITATION.cff describes software records only"


@pytest.mark.parametrize(("value", "expected"), [
    ("MIT", "MIT"), ("mit", "MIT"), ("CC0 1.0", "CC0-1.0"), (" Apache-2.0 ", "Apache-2.0"),
    ("GPL-3.0-or-later", "GPL-3.0-or-later"), ("Creative Commons", None), ("", None),
])
def test_spdx_ids(value: str, expected: str | None) -> None:
    assert spdx_id(value) == expected


GITHUB = "https://github.com/org/tool"


@pytest.mark.parametrize(("related", "expected"), [
    ([("IsSupplementTo", GITHUB)], GITHUB),
    ([("IsDerivedFrom", "https://codeberg.org/org/tool")], "https://codeberg.org/org/tool"),
    ([("IsDerivedFrom", "https://git.lab.example.edu/tool")], "https://git.lab.example.edu/tool"),
    ([("IsSupplementTo", "https://docs.example.org/tool")], None),   # not a code host
    ([("References", GITHUB)], None),                               # not a repository relation
    ([("IsSupplementTo", "git@github.com:org/tool.git")], None),    # not an http(s) URL
    ([("IsDerivedFrom", "https://gitlab.com/a/b"), ("IsSupplementTo", GITHUB)], GITHUB),
    ([("IsSupplementTo", "https://github.com.evil.example/x")], None),
])
def test_the_code_repository_rule(related: list[tuple[str, str]], expected: str | None) -> None:
    metadata = {"relatedIdentifiers": [{"relatedIdentifier": url, "relatedIdentifierType": "URL",
                                        "relationType": relation} for relation, url in related]}
    assert code_repository(metadata) == expected


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_official_example_read_as_software_is_valid_cff(example: Path) -> None:
    """Only the affiliation example is Software; typed as Software, each of the 31
    examples exercises the crosswalk with every DataCite property they hold."""
    metadata = example_metadata(example)  # all 31 must load: a refusal fails here
    metadata["types"] = {**metadata.get("types", {}), "resourceTypeGeneral": "Software"}
    assert errors(load(make_record(metadata, id=example.stem))) == []


@settings(max_examples=100, deadline=None)
@given(title=st.text(min_size=1), family=st.text(min_size=1), given_name=st.text(min_size=1),
       abstract=st.text(min_size=1), keyword=st.text(min_size=1), version=st.text(min_size=1))
def test_any_text_comes_back_from_the_yaml_exactly(title: str, family: str, given_name: str,
                                                   abstract: str, keyword: str,
                                                   version: str) -> None:
    """YAML has many ways to misread a plain string (``: ``, ``#``, ``- ``, ``yes``, ``1e3``,
    ``~``, a leading ``*`` or ``&``, control characters); the dump must quote or escape
    each so that a reader gets back the text the record holds."""
    assume(all(s.strip() for s in (title, family, given_name, abstract, keyword, version)))
    record = make_record(MINIMAL, id="sw", version=version,
                         titles=[{"title": title}], subjects=[{"subject": keyword}],
                         descriptions=[{"description": abstract, "descriptionType": "Abstract"}],
                         creators=[{"name": f"{family}, {given_name}", "nameType": "Personal",
                                    "familyName": family, "givenName": given_name}])
    document = load(record)
    assert document["title"] == title.strip()
    assert document["abstract"] == abstract.strip()
    assert document["keywords"] == [keyword.strip()]
    assert document["version"] == version.strip()
    assert document["authors"] == [{"family-names": family.strip(), "given-names": given_name.strip()}]
    assert errors(document) == []
