"""DataCite metadata of a software record -> CodeMeta 3.0 JSON-LD (``codemeta.json``).

What software indexes and Software Heritage read. One ``SoftwareSourceCode``
object in the CodeMeta 3.0 context (``https://w3id.org/codemeta/3.0``),
offered only for records whose resourceTypeGeneral is ``Software``
(``serializers.software.is_software``). It follows the DataCite column of
CodeMeta's crosswalk (``crosswalk-DataCite.csv``, CodeMeta 3.0) and, where
that column is empty, the Zenodo column (the code repository) and
schema.org's definitions.

==============================  ===============================================
DataCite                        CodeMeta 3.0
==============================  ===============================================
doi                             @id (the https://doi.org/ URL; the landing page
                                without a DOI), identifier
alternateIdentifiers            identifier, when the value resolves to an
                                http(s) URL (``identifier`` is an IRI in the
                                context: a local accession number is left out)
types                           @type SoftwareSourceCode (only Software records)
titles                          name (the main title)
descriptions                    description (``software.abstract``: one
                                abstract, in the record's language if several)
creators                        author: Person (givenName, familyName, the
                                ORCID as @id, other identifiers sameAs) or
                                Organization (name, ROR as @id); a person's
                                affiliation -> affiliation (Organization, ROR
                                as @id; schema.org gives organisations none)
contributors                    contributor (every role); Editor, Producer,
                                Sponsor, RightsHolder also editor, producer,
                                sponsor, copyrightHolder
publisher                       publisher (Organization)
publicationYear / Issued        datePublished
dates Created / Updated         dateCreated / dateModified
version                         version
subjects                        keywords
rightsList                      license: https://spdx.org/licenses/<id> for an
                                SPDX id (``software.spdx_licenses``), else the
                                licence's http(s) rightsUri;
                                info:eu-repo/semantics/openAccess ->
                                isAccessibleForFree
relatedIdentifiers              codeRepository (``software.code_repository``:
                                IsSupplementTo / IsDerivedFrom URL on a code
                                host); IsPartOf / HasPart -> isPartOf / hasPart;
                                IsDescribedBy -> referencePublication; Requires
                                -> softwareRequirements; IsIdenticalTo ->
                                sameAs; every other one with a URL ->
                                relatedLink
(the record's landing page)     url
formats                         fileFormat, a media type as its IANA URL
                                (``text/x-python`` ->
                                https://www.iana.org/assignments/media-types/
                                text/x-python); free-text formats left out
sizes                           fileSize, the sizes in bytes (kB, MB ...);
                                "90 pages" is not a file size
fundingReferences               funder (Organization, the Crossref Funder ID or
                                ROR as @id); funding: "<awardNumber>:
                                <awardTitle>" (CodeMeta's ``funding`` is text)
==============================  ===============================================

Left out: language (CodeMeta 3.0 has no ``inLanguage``), geoLocations,
relatedItems, the free-text resourceType (DataCite's full example says
"XML"; CodeMeta's ``applicationCategory`` is a category IRI).

Every key is a term of the CodeMeta 3.0 context and every value that the
context types as an IRI is an absolute URL, so expansion drops nothing
(``tests/serializers/test_codemeta.py`` expands every output with pyld).
``LOCAL_CONTEXT`` is the context shipped with the package and
``document_loader`` serves it to pyld, so nothing needs the network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    identifier_url,
    issued_date,
    main_title,
    name_identifier_url,
    publisher_name,
    ror_url,
    split_name,
    text,
)
from serializers.links import web_link
from serializers.schema_org import affiliation_node, agent_identity, organization
from serializers.software import (
    ACCESS_RIGHTS,
    SPDX_URL,
    abstract,
    code_repository,
    license_urls,
    related_url,
    spdx_licenses,
)

__all__ = [
    "CONTEXT_URL",
    "LOCAL_CONTEXT",
    "MEDIA_TYPE",
    "document_loader",
    "dump",
    "local_context",
    "metadata_to_codemeta",
    "to_codemeta",
]

CONTEXT_URL = "https://w3id.org/codemeta/3.0"
MEDIA_TYPE = "application/vnd.codemeta.ld+json"
LOCAL_CONTEXT = Path(__file__).with_name("codemeta-context.jsonld")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"

_ROLES = {"Editor": "editor", "Producer": "producer", "Sponsor": "sponsor",
          "RightsHolder": "copyrightHolder"}
"""contributorType -> the CodeMeta property that names that role (besides ``contributor``)."""

_RELATIONS = {"IsPartOf": "isPartOf", "HasPart": "hasPart",
              "IsDescribedBy": "referencePublication", "Requires": "softwareRequirements",
              "IsIdenticalTo": "sameAs"}
"""relationType -> CodeMeta property; other related identifiers with a URL are ``relatedLink``."""

_NODE_VALUED = frozenset({"isPartOf", "hasPart"})
"""Properties the context does not type as IRIs: their targets are written ``{"@id": url}``."""

_MEDIA_TYPE_RE = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9!#$&^_.+-]*$", re.IGNORECASE)
_BYTES_RE = re.compile(r"^\d+(?:[.,]\d+)?\s*(?:[kKMGTP]i?B|bytes?|B)$")


def _agent(person: Mapping[str, Any]) -> dict[str, Any]:
    """A Person or Organization, typed and identified as in schema.org JSON-LD
    (``schema_org.agent_identity``), with web identifiers only."""
    family, given, display = split_name(person)
    ids = [u for u in (name_identifier_url(i) for i in person.get("nameIdentifiers") or [])
           if u and web_link(u)]
    node, organizational, personal = agent_identity(person, ids)
    if personal and family:
        if given:
            node["givenName"] = given
        node["familyName"] = family
    else:
        node["name"] = display
    # schema.org's affiliation belongs to a Person; an organisation's is left out
    if not organizational and (affiliations := [
            affiliation_node(a) for a in person.get("affiliation") or []
            if isinstance(a, str) or text(a.get("name"))]):
        node["affiliation"] = affiliations
    return node


def _funder(reference: Mapping[str, Any]) -> dict[str, Any]:
    ident = text(reference.get("funderIdentifier"))
    kind = text(reference.get("funderIdentifierType"))
    if kind == "Crossref Funder ID" and not web_link(ident):
        url: str | None = doi_url(ident if ident.startswith("10.") else "10.13039/" + ident)
    elif kind == "ROR":
        url = ror_url(ident)
    else:
        url = web_link(ident)
    return organization(text(reference.get("funderName")), url)


def _award(reference: Mapping[str, Any]) -> str:
    number, title = text(reference.get("awardNumber")), text(reference.get("awardTitle"))
    return f"{number}: {title}" if number and title else number or title


def _licenses(metadata: Mapping[str, Any]) -> list[str]:
    return [SPDX_URL + ident for ident in spdx_licenses(metadata)] + license_urls(metadata)


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def metadata_to_codemeta(metadata: Mapping[str, Any], *,
                         landing_url: str | None = None) -> dict[str, Any]:
    """The CodeMeta object (a dict, ready for ``json.dumps``)."""
    doi = text(metadata.get("doi"))
    node: dict[str, Any] = {"@context": CONTEXT_URL, "@type": "SoftwareSourceCode"}
    if doi or landing_url:
        node["@id"] = doi_url(doi) if doi else landing_url
    identifiers = [doi_url(doi)] if doi else []
    for alternate in metadata.get("alternateIdentifiers") or []:
        url = web_link(identifier_url(text(alternate.get("alternateIdentifier")),
                                      alternate.get("alternateIdentifierType")) or "")
        if url and url not in identifiers:
            identifiers.append(url)
    if identifiers:
        node["identifier"] = _one_or_many(identifiers)
    if title := main_title(metadata):
        node["name"] = title
    if description := abstract(metadata):
        node["description"] = description
    if text(metadata.get("version")):
        node["version"] = text(metadata["version"])
    if authors := [_agent(c) for c in metadata.get("creators") or [] if text(c.get("name"))]:
        node["author"] = authors
    contributors = [c for c in metadata.get("contributors") or [] if text(c.get("name"))]
    if contributors:
        node["contributor"] = [_agent(c) for c in contributors]
    for role, prop in _ROLES.items():
        if people := [_agent(c) for c in contributors if c.get("contributorType") == role]:
            node[prop] = people
    if publisher := publisher_name(metadata):
        raw = metadata.get("publisher")
        ident = text(raw.get("publisherIdentifier")) if isinstance(raw, Mapping) else ""
        node["publisher"] = organization(publisher, ror_url(ident) or web_link(ident))
    if issued := issued_date(metadata):
        node["datePublished"] = issued
    for date_type, prop in (("Created", "dateCreated"), ("Updated", "dateModified")):
        if values := dates_of_type(metadata, date_type):
            node[prop] = values[0].split("/")[0]
    keywords: list[str] = []
    for subject in metadata.get("subjects") or []:
        if (word := text(subject.get("subject"))) and word not in keywords:
            keywords.append(word)
    if keywords:
        node["keywords"] = keywords
    if licenses := _licenses(metadata):
        node["license"] = _one_or_many(licenses)
    if any(text(r.get("rightsUri")) == ACCESS_RIGHTS + "openAccess"
           for r in metadata.get("rightsList") or []):
        node["isAccessibleForFree"] = True
    repository = code_repository(metadata)
    if repository:
        node["codeRepository"] = repository
    if landing_url:
        node["url"] = landing_url
    related: dict[str, list[Any]] = {}
    for entry in metadata.get("relatedIdentifiers") or []:
        url = related_url(entry)
        if not url or url == repository:
            continue
        prop = _RELATIONS.get(entry.get("relationType", ""), "relatedLink")
        target: Any = {"@id": url} if prop in _NODE_VALUED else url
        if target not in related.setdefault(prop, []):
            related[prop].append(target)
    node.update(related)
    formats = [IANA_MEDIA_TYPES + text(f).lower() for f in metadata.get("formats") or []
               if _MEDIA_TYPE_RE.match(text(f))]
    if formats:
        node["fileFormat"] = formats
    if sizes := [text(s) for s in metadata.get("sizes") or [] if _BYTES_RE.match(text(s))]:
        node["fileSize"] = _one_or_many(sizes)
    funders: list[dict[str, Any]] = []
    awards: list[str] = []
    for reference in metadata.get("fundingReferences") or []:
        if text(reference.get("funderName")) and (funder := _funder(reference)) not in funders:
            funders.append(funder)
        if (award := _award(reference)) and award not in awards:
            awards.append(award)
    if funders:
        node["funder"] = funders
    if awards:
        node["funding"] = _one_or_many(awards)
    return node


def to_codemeta(record: Record, ctx: ExportContext) -> dict[str, Any]:
    return metadata_to_codemeta(record.metadata, landing_url=ctx.landing_url(record.id))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return json.dumps(to_codemeta(record, ctx), ensure_ascii=False, indent=2).encode("utf-8")


@cache
def local_context() -> dict[str, Any]:
    """The shipped CodeMeta 3.0 context document (``{"@context": {...}}``)."""
    loaded: dict[str, Any] = json.loads(LOCAL_CONTEXT.read_text(encoding="utf-8"))
    return loaded


_CONTEXT_URLS = {CONTEXT_URL, CONTEXT_URL + "/", "http://w3id.org/codemeta/3.0"}


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves the CodeMeta 3.0 context locally and refuses the network."""
    if url in _CONTEXT_URLS:
        return {"contextUrl": None, "documentUrl": url, "document": local_context()}
    raise LookupError(f"no local copy of {url}; this loader never uses the network")
