"""DataCite metadata -> schema.org JSON-LD (what Google Dataset Search and the web read).

Modelled on DataCite's own schema.org output (bolognese / DataCite Commons):
the ``@id`` is the DOI URL (the landing page URL when there is no DOI), the
``@type`` follows the resourceTypeGeneral (``TYPES``), people carry their
ORCID as ``@id`` and organisations their ROR id.

=========================  ==================================================
DataCite                   schema.org
=========================  ==================================================
doi                        @id, identifier (PropertyValue propertyID DOI)
alternateIdentifiers       identifier (PropertyValue), sameAs when a URL
titles                     name (main), alternateName (the others)
creators                   author (Person/Organization, ORCID/ROR @id, affiliation)
contributors               contributor; Editor/Translator also editor/translator
descriptions               description (the abstracts, else all)
subjects                   keywords
publisher                  publisher (Organization, ROR @id)
publicationYear / Issued   datePublished
dates Created/Updated      dateCreated / dateModified
dates Collected/Coverage   temporalCoverage (ISO 8601 interval)
language                   inLanguage
version                    version
rightsList                 license (the http(s) URI, else the text)
formats / sizes            encodingFormat / contentSize
fundingReferences          funder (Organization) and funding (MonetaryGrant)
geoLocations               spatialCoverage (Place: GeoCoordinates / GeoShape)
relatedIdentifiers         isPartOf, hasPart, citation, sameAs, isBasedOn, ...
relatedItems IsPublishedIn isPartOf (with name)
=========================  ==================================================

The output names the context ``https://schema.org``; ``LOCAL_CONTEXT`` is
a minimal copy of schema.org's context shipped with the package, and
``document_loader`` serves it to pyld so that expansion never needs the
network (used by the tests, usable by anyone who processes our JSON-LD).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    geo_polygons,
    identifier_url,
    issued_date,
    main_title,
    name_identifier_url,
    publisher_name,
    resource_type_general,
    ror_url,
    split_name,
    text,
)
from serializers.links import web_link

__all__ = [
    "CONTEXT_URL",
    "LOCAL_CONTEXT",
    "TYPES",
    "document_loader",
    "dump",
    "local_context",
    "metadata_to_jsonld",
    "schema_type",
    "to_jsonld",
]

CONTEXT_URL = "https://schema.org"
LOCAL_CONTEXT = Path(__file__).with_name("schemaorg-context.jsonld")

TYPES: dict[str, str] = {
    "Audiovisual": "MediaObject",
    "Award": "MonetaryGrant",
    "Book": "Book",
    "BookChapter": "Chapter",
    "Collection": "Collection",
    "ComputationalNotebook": "SoftwareSourceCode",
    "ConferencePaper": "ScholarlyArticle",
    "ConferenceProceeding": "Book",
    "DataPaper": "ScholarlyArticle",
    "Dataset": "Dataset",
    "Dissertation": "Thesis",
    "Event": "Event",
    "Image": "ImageObject",
    "Instrument": "Product",
    "InteractiveResource": "CreativeWork",
    "Journal": "Periodical",
    "JournalArticle": "ScholarlyArticle",
    "Model": "CreativeWork",
    "OutputManagementPlan": "CreativeWork",
    "PeerReview": "Review",
    "PhysicalObject": "Thing",
    "Poster": "Poster",
    "Presentation": "PresentationDigitalDocument",
    "Preprint": "ScholarlyArticle",
    "Project": "ResearchProject",
    "Report": "Report",
    "Service": "Service",
    "Software": "SoftwareSourceCode",
    "Sound": "AudioObject",
    "Standard": "CreativeWork",
    "StudyRegistration": "CreativeWork",
    "Text": "ScholarlyArticle",
    "Workflow": "CreativeWork",
    "Other": "CreativeWork",
}
"""resourceTypeGeneral -> schema.org type (bolognese's table, completed for kernel 4.6/4.7)."""

_RELATIONS: dict[str, str] = {
    "IsPartOf": "isPartOf",
    "IsPublishedIn": "isPartOf",
    "HasPart": "hasPart",
    "Cites": "citation",
    "References": "citation",
    "IsIdenticalTo": "sameAs",
    "IsDerivedFrom": "isBasedOn",
    "IsSupplementTo": "isBasedOn",
    "IsNewVersionOf": "isBasedOn",
    "IsVersionOf": "isBasedOn",
    "HasVersion": "workExample",
    "IsTranslationOf": "translationOfWork",
    "HasTranslation": "workTranslation",
    "IsDescribedBy": "subjectOf",
}
"""relationType -> schema.org property (relations without a schema.org counterpart are left out)."""


def schema_type(resource_type_general: str) -> str:
    return TYPES.get(resource_type_general, "CreativeWork")


def _organization(name: str, identifier: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "Organization"}
    if identifier:
        node["@id"] = identifier
    node["name"] = name
    return node


def _affiliation(affiliation: Mapping[str, Any] | str) -> dict[str, Any]:
    if isinstance(affiliation, str):
        return _organization(affiliation)
    ident = text(affiliation.get("affiliationIdentifier"))
    scheme = text(affiliation.get("affiliationIdentifierScheme")).lower()
    url = ror_url(ident) if scheme == "ror" else (ident if ident.startswith("http") else None)
    return _organization(text(affiliation.get("name")), url)


def _agent(person: Mapping[str, Any]) -> dict[str, Any]:
    family, given, display = split_name(person)
    ids = [u for u in (name_identifier_url(i) for i in person.get("nameIdentifiers") or []) if u]
    organizational = person.get("nameType") == "Organizational" or (
        not family and any(u.startswith("https://ror.org/") for u in ids))
    node: dict[str, Any] = {"@type": "Organization" if organizational else "Person"}
    if ids:
        # the ORCID (or ROR id) is the node's identity; any others are sameAs
        preferred = next((u for u in ids if u.startswith(("https://orcid.org/", "https://ror.org/"))),
                         ids[0])
        node["@id"] = preferred
        if others := [u for u in ids if u != preferred]:
            node["sameAs"] = others
    node["name"] = display
    if not organizational:
        if given:
            node["givenName"] = given
        if family:
            node["familyName"] = family
    if affiliations := [_affiliation(a) for a in person.get("affiliation") or []]:
        node["affiliation"] = affiliations
    return node


def _number(value: Any) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


def _place(geo: Mapping[str, Any]) -> dict[str, Any] | None:
    node: dict[str, Any] = {"@type": "Place"}
    if text(geo.get("geoLocationPlace")):
        node["name"] = text(geo["geoLocationPlace"])
    shapes: list[dict[str, Any]] = []
    point = geo.get("geoLocationPoint")
    if point and point.get("pointLatitude") is not None and point.get("pointLongitude") is not None:
        shapes.append({"@type": "GeoCoordinates", "latitude": _number(point["pointLatitude"]),
                       "longitude": _number(point["pointLongitude"])})
    box = geo.get("geoLocationBox")
    if box and all(box.get(k) is not None for k in (
            "northBoundLatitude", "eastBoundLongitude", "southBoundLatitude", "westBoundLongitude")):
        # schema.org GeoShape box: "south west north east" (two lat/lon corners)
        shapes.append({"@type": "GeoShape", "box": " ".join(str(_number(box[k])) for k in (
            "southBoundLatitude", "westBoundLongitude", "northBoundLatitude", "eastBoundLongitude"))})
    for polygon in geo_polygons(geo):
        shapes.append({"@type": "GeoShape", "polygon": " ".join(
            f"{_number(p['pointLatitude'])} {_number(p['pointLongitude'])}" for p in polygon)})
    if shapes:
        node["geo"] = shapes[0] if len(shapes) == 1 else shapes
    return node if len(node) > 1 else None


def _funding(reference: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    ident = text(reference.get("funderIdentifier"))
    kind = text(reference.get("funderIdentifierType"))
    if kind == "Crossref Funder ID" and not ident.startswith("http"):
        url: str | None = doi_url(ident if ident.startswith("10.") else "10.13039/" + ident)
    elif kind == "ROR":
        url = ror_url(ident)
    else:
        url = ident if ident.startswith("http") else None
    funder = _organization(text(reference.get("funderName")), url)
    if not (text(reference.get("awardNumber")) or text(reference.get("awardTitle"))):
        return funder, None
    grant: dict[str, Any] = {"@type": "MonetaryGrant"}
    if text(reference.get("awardUri")):
        grant["@id"] = text(reference["awardUri"])
    if text(reference.get("awardNumber")):
        grant["identifier"] = text(reference["awardNumber"])
    if text(reference.get("awardTitle")):
        grant["name"] = text(reference["awardTitle"])
    grant["funder"] = funder
    return funder, grant


def _link(url: str) -> dict[str, Any]:
    return {"@id": url} if url.startswith(("http://", "https://", "urn:")) else {"name": url}


def metadata_to_jsonld(metadata: Mapping[str, Any], *, landing_url: str | None = None,
                       repository_name: str | None = None, base_url: str | None = None
                       ) -> dict[str, Any]:
    """The schema.org JSON-LD object (a dict, ready for ``json.dumps``)."""
    general = resource_type_general(metadata)
    doi = text(metadata.get("doi"))
    node: dict[str, Any] = {"@context": CONTEXT_URL, "@type": schema_type(general)}
    node["@id"] = doi_url(doi) if doi else landing_url
    identifiers: list[dict[str, Any]] = []
    same_as: list[str] = []
    if doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": doi_url(doi)})
    for alternate in metadata.get("alternateIdentifiers") or []:
        value = text(alternate.get("alternateIdentifier"))
        kind = text(alternate.get("alternateIdentifierType"))
        if value:
            identifiers.append({"@type": "PropertyValue", "propertyID": kind, "value": value})
            url = identifier_url(value, kind)
            if url and url.startswith("http"):
                same_as.append(url)
    if identifiers:
        node["identifier"] = identifiers
    if landing_url:
        node["url"] = landing_url
    if title := main_title(metadata):
        node["name"] = title
    others = [text(t.get("title")) for t in metadata.get("titles") or [] if text(t.get("title"))]
    if title in others:
        others.remove(title)
    if others:
        node["alternateName"] = others
    if authors := [_agent(c) for c in metadata.get("creators") or []]:
        node["author"] = authors
    contributors = metadata.get("contributors") or []
    if contributors:
        node["contributor"] = [_agent(c) for c in contributors]
    for role, prop in (("Editor", "editor"), ("Translator", "translator")):
        if people := [_agent(c) for c in contributors if c.get("contributorType") == role]:
            node[prop] = people
    descriptions = metadata.get("descriptions") or []
    abstracts = [text(d.get("description")) for d in descriptions
                 if d.get("descriptionType") == "Abstract" and text(d.get("description"))]
    chosen = abstracts or [text(d.get("description")) for d in descriptions if text(d.get("description"))]
    if chosen:
        node["description"] = "\n\n".join(chosen)
    if keywords := [text(s.get("subject")) for s in metadata.get("subjects") or [] if text(s.get("subject"))]:
        node["keywords"] = keywords
    if publisher := publisher_name(metadata):
        raw = metadata.get("publisher")
        ident = text(raw.get("publisherIdentifier")) if isinstance(raw, Mapping) else ""
        node["publisher"] = _organization(publisher, ror_url(ident) or (ident if ident.startswith("http") else None))
    if issued := issued_date(metadata):
        node["datePublished"] = issued
    for date_type, prop in (("Created", "dateCreated"), ("Updated", "dateModified")):
        if values := dates_of_type(metadata, date_type):
            node[prop] = values[0].split("/")[0]
    temporal = dates_of_type(metadata, "Collected") + dates_of_type(metadata, "Coverage")
    if temporal:
        node["temporalCoverage"] = temporal[0] if len(temporal) == 1 else temporal
    if text(metadata.get("language")):
        node["inLanguage"] = text(metadata["language"])
    if text(metadata.get("version")):
        node["version"] = text(metadata["version"])
    licenses: list[Any] = []
    for rights in metadata.get("rightsList") or []:
        if license_url := web_link(rights.get("rightsUri")):
            licenses.append(license_url)
        elif text(rights.get("rights")):
            licenses.append({"@type": "CreativeWork", "name": text(rights["rights"])})
    if licenses:
        node["license"] = licenses[0] if len(licenses) == 1 else licenses
    if formats := [text(f) for f in metadata.get("formats") or [] if text(f)]:
        node["encodingFormat"] = formats
    if sizes := [text(s) for s in metadata.get("sizes") or [] if text(s)]:
        node["contentSize"] = sizes
    funders, grants = [], []
    for reference in metadata.get("fundingReferences") or []:
        funder, grant = _funding(reference)
        if funder not in funders:
            funders.append(funder)
        if grant:
            grants.append(grant)
    if funders:
        node["funder"] = funders
    if grants:
        node["funding"] = grants
    if places := [p for p in (_place(g) for g in metadata.get("geoLocations") or []) if p]:
        node["spatialCoverage"] = places
    relations: dict[str, list[dict[str, Any]]] = {}
    for related in metadata.get("relatedIdentifiers") or []:
        relation = _RELATIONS.get(related.get("relationType", ""))
        value = text(related.get("relatedIdentifier"))
        if relation and value:
            url = identifier_url(value, related.get("relatedIdentifierType")) or value
            if relation == "sameAs":
                same_as.append(url)
            else:
                relations.setdefault(relation, []).append(_link(url))
    for item in metadata.get("relatedItems") or []:
        relation = _RELATIONS.get(item.get("relationType", ""))
        if not relation or relation == "sameAs":
            continue
        item_ident = item.get("relatedItemIdentifier") or {}
        value = text(item_ident.get("relatedItemIdentifier"))
        target: dict[str, Any] = _link(identifier_url(value, item_ident.get("relatedItemIdentifierType"))
                                       or value) if value else {}
        item_titles = item.get("titles") or []
        if item_titles and text(item_titles[0].get("title")):
            target["name"] = text(item_titles[0]["title"])
        if target:
            relations.setdefault(relation, []).append(target)
    node.update(relations)
    if same_as:
        node["sameAs"] = same_as
    if general == "Dataset" and repository_name:
        catalog: dict[str, Any] = {"@type": "DataCatalog", "name": repository_name}
        if base_url:
            catalog["url"] = base_url
        node["includedInDataCatalog"] = catalog
    if node["@id"] is None:
        del node["@id"]
    return node


def to_jsonld(record: Record, ctx: ExportContext) -> dict[str, Any]:
    return metadata_to_jsonld(record.metadata, landing_url=ctx.landing_url(record.id),
                              repository_name=ctx.repository_name, base_url=ctx.base_url)


def dump(record: Record, ctx: ExportContext) -> bytes:
    return json.dumps(to_jsonld(record, ctx), ensure_ascii=False, indent=2).encode("utf-8")


@cache
def local_context() -> dict[str, Any]:
    """The shipped minimal schema.org context document (``{"@context": {...}}``)."""
    loaded: dict[str, Any] = json.loads(LOCAL_CONTEXT.read_text(encoding="utf-8"))
    return loaded


_SCHEMA_ORG_URLS = {"https://schema.org", "https://schema.org/", "http://schema.org",
                    "http://schema.org/", "https://schema.org/docs/jsonldcontext.jsonld",
                    "http://schema.org/docs/jsonldcontext.jsonld"}


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves schema.org's context locally and refuses the network."""
    if url in _SCHEMA_ORG_URLS:
        return {"contextUrl": None, "documentUrl": url, "document": local_context()}
    raise LookupError(f"no local copy of {url}; this loader never uses the network")
