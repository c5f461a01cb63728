"""DataCite metadata of a software record -> Citation File Format 1.2.0 (``CITATION.cff``).

The YAML file GitHub, Zenodo and the reference managers read to cite
software, offered only for records whose resourceTypeGeneral is
``Software`` (``serializers.software.is_software``). Served as
``application/x-cff``: CFF has no registered media type (its maintainers
point to YAML in citation-file-format issue #391, and a generic YAML type
would not say what the file is); ``application/x-cff`` is the unregistered
name in use (a citation.js-based conversion service takes CFF under it), and
``application/vnd.cff+yaml``, the name commonmeta's format table gives, is
accepted as an alias.

Keys follow the CFF 1.2.0 specification and the Citation File Format column
of CodeMeta's crosswalk (``crosswalk-CFF-1.2.0.csv``), written in the order
CFF's own examples use (``cff-version``, ``message``, ``type``, ``title``,
``authors`` first), lists indented under their key as in those examples.

==============================  ===============================================
DataCite                        CFF 1.2.0
==============================  ===============================================
(fixed)                         cff-version 1.2.0, message (the schema's
                                default), type software
titles                          title (the main title)
creators                        authors: a person (family-names, given-names,
                                orcid as https://orcid.org/..., affiliation:
                                the affiliations' names joined by "; ", CFF
                                holds one string) or an entity (name) for an
                                organisation or a name nothing types
contributors ContactPerson      contact (same shapes)
version                         version
doi                             doi (bare); a DOI outside CFF's DOI pattern
                                goes to identifiers as its https://doi.org/ URL
dates Issued                    date-released, when it is a full date
                                (YYYY-MM-DD; a year alone is not a CFF date)
alternateIdentifiers, related   identifiers: a DOI -> doi, an
identifiers IsIdenticalTo       SWHID -> swh, anything resolvable to a URL ->
                                url, anything else -> other (url and other
                                with the identifier type as description)
relatedIdentifiers              repository-code (``software.code_repository``:
                                an IsSupplementTo / IsDerivedFrom URL on a
                                code host)
(the record's landing page)     url
descriptions                    abstract (``software.abstract``)
subjects                        keywords (each once)
rightsList                      license: the SPDX id(s) (``software.
                                spdx_licenses``; several -> a list, which CFF
                                reads as OR); without an SPDX id, license-url:
                                the licence's http(s) rightsUri
==============================  ===============================================

Left out: publisher, contributors other than the contact, funding,
geoLocations, relatedItems (CFF's ``references`` / ``preferred-citation``
would need a full CFF reference, with authors, for each), language.

``dump`` validates nothing; ``tests/serializers/test_cff.py`` validates every
output against the CFF 1.2.0 JSON Schema. The patterns that decide where a
value goes (DOI, date) are read from that schema, so the two cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import yaml

from repository_core.dois import bare_doi
from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    identifier_url,
    main_title,
    orcid_url,
    split_name,
    text,
)
from serializers.links import web_link
from serializers.software import (
    abstract,
    cff_schema,
    code_repository,
    license_urls,
    spdx_licenses,
)

__all__ = ["CFF_VERSION", "MESSAGE", "dump", "metadata_to_cff", "to_cff"]

CFF_VERSION = "1.2.0"
MESSAGE = "If you use this software, please cite it using the metadata from this file."


@cache
def _pattern(definition: str) -> re.Pattern[str]:
    """A ``pattern`` of the CFF schema's definitions (``doi``, ``date``, ``swh-identifier``)."""
    return re.compile(cff_schema()["definitions"][definition]["pattern"])


def _matches(definition: str, value: str) -> bool:
    return bool(_pattern(definition).search(value))


def _affiliations(person: Mapping[str, Any]) -> str:
    names: list[str] = []
    for affiliation in person.get("affiliation") or []:
        name = text(affiliation if isinstance(affiliation, str) else affiliation.get("name"))
        if name and name not in names:
            names.append(name)
    return "; ".join(names)


def _orcid(person: Mapping[str, Any]) -> str | None:
    for identifier in person.get("nameIdentifiers") or []:
        scheme = text(identifier.get("nameIdentifierScheme")).lower()
        if scheme == "orcid" and (url := orcid_url(text(identifier.get("nameIdentifier")))):
            return url
    return None


def _author(person: Mapping[str, Any]) -> dict[str, str]:
    """A CFF person, or an entity for an organisation and for a name nothing types."""
    family, given, display = split_name(person)
    orcid = _orcid(person)
    personal = person.get("nameType") != "Organizational" and (
        person.get("nameType") == "Personal" or bool(family) or bool(orcid))
    if not personal:
        return {"name": display}
    entry: dict[str, str] = {"family-names": family or display}
    if given:
        entry["given-names"] = given
    if affiliation := _affiliations(person):
        entry["affiliation"] = affiliation
    if orcid:
        entry["orcid"] = orcid
    return entry


def _people(people: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for person in people:
        if text(person.get("name")) and (entry := _author(person)) not in found:
            found.append(entry)   # the schema wants each author once
    return found


def _identifier(value: str, kind: str) -> dict[str, str] | None:
    lowered = kind.lower()
    if lowered == "doi" and _matches("doi", bare_doi(value)):
        return {"type": "doi", "value": bare_doi(value)}
    if lowered == "swhid" and _matches("swh-identifier", value):
        return {"type": "swh", "value": value}
    url = web_link(identifier_url(value, kind) or "")
    if url:
        entry = {"type": "url", "value": url}
    else:
        entry = {"type": "other", "value": value}
    if kind:
        entry["description"] = kind
    return entry


def metadata_to_cff(metadata: Mapping[str, Any], *,
                    landing_url: str | None = None) -> dict[str, Any]:
    """The CFF document as a dict, keys in the order they are written."""
    cff: dict[str, Any] = {"cff-version": CFF_VERSION, "message": MESSAGE, "type": "software",
                           "title": main_title(metadata)}
    cff["authors"] = _people(metadata.get("creators") or [])
    contacts = [c for c in metadata.get("contributors") or []
                if c.get("contributorType") == "ContactPerson"]
    if contact := _people(contacts):
        cff["contact"] = contact
    if text(metadata.get("version")):
        cff["version"] = text(metadata["version"])
    identifiers: list[dict[str, str]] = []
    doi = bare_doi(text(metadata.get("doi"))) if text(metadata.get("doi")) else ""
    if doi and _matches("doi", doi):
        cff["doi"] = doi
    elif doi:
        identifiers.append({"type": "url", "value": doi_url(doi), "description": "DOI"})
    for issued in dates_of_type(metadata, "Issued"):
        day = issued.split("/")[0].strip()[:10]
        if _matches("date", day):
            cff["date-released"] = day
            break
    sources = [(a.get("alternateIdentifier"), a.get("alternateIdentifierType"))
               for a in metadata.get("alternateIdentifiers") or []]
    sources += [(r.get("relatedIdentifier"), r.get("relatedIdentifierType"))
                for r in metadata.get("relatedIdentifiers") or []
                if r.get("relationType") == "IsIdenticalTo"]
    for raw, kind in sources:
        value = text(raw)
        entry = _identifier(value, text(kind)) if value else None
        if entry and entry not in identifiers:
            identifiers.append(entry)
    if identifiers:
        cff["identifiers"] = identifiers
    if repository := code_repository(metadata):
        cff["repository-code"] = repository
    if landing_url:
        cff["url"] = landing_url
    if description := abstract(metadata):
        cff["abstract"] = description
    keywords: list[str] = []
    for subject in metadata.get("subjects") or []:
        if (word := text(subject.get("subject"))) and word not in keywords:
            keywords.append(word)
    if keywords:
        cff["keywords"] = keywords
    if licenses := spdx_licenses(metadata):
        cff["license"] = licenses[0] if len(licenses) == 1 else licenses
    elif urls := license_urls(metadata):
        cff["license-url"] = urls[0]
    return cff


def to_cff(record: Record, ctx: ExportContext) -> dict[str, Any]:
    return metadata_to_cff(record.metadata, landing_url=ctx.landing_url(record.id))


class _Dumper(yaml.SafeDumper):
    """The safe dumper, with list items indented under their key as CFF's examples write
    them, and strings holding NEL, LS or PS double-quoted (see ``_represent_str``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_YAML_1_1_BREAKS = re.compile("[\x85\u2028\u2029]")
_YAML_1_2_NOT_STRINGS = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN")
"""The YAML 1.2 core schema's plain scalars that are not strings."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """A string as a string for YAML 1.1 (PyYAML) and YAML 1.2 (CFF) readers alike.

    PyYAML quotes what YAML 1.1 would read as another type; two cases it
    leaves are quoted here. NEL, LS and PS are line breaks in YAML 1.1 (PyYAML
    folds them, and reads NEL back as a space) and ordinary characters in
    1.2: double quotes escape them (``\\N``, ``\\L``, ``\\P``), which both read
    back as the character. And a few plain scalars are numbers in 1.2 only
    (``1e3``, ``0o17``): they are single-quoted."""
    if _YAML_1_1_BREAKS.search(value):
        style: str | None = '"'
    elif _YAML_1_2_NOT_STRINGS.fullmatch(value):
        style = "'"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump(record: Record, ctx: ExportContext) -> bytes:
    """``CITATION.cff`` as UTF-8 YAML: safe types only, keys in CFF's order, strings
    that YAML would read as something else (``1.0``, ``2024-01-01``) quoted."""
    body = yaml.dump(to_cff(record, ctx), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, default_flow_style=False, width=100)
    return body.encode("utf-8")
