"""DataCite metadata -> schema.org JSON-LD (what Google Dataset Search and the web read).

Modelled on DataCite's own schema.org output (bolognese / DataCite Commons)
and Google's Dataset guidance: the ``@id`` is the DOI URL (the landing page
URL when there is no DOI), the ``@type`` comes from the one resource-type
table (``serializers.resource_types``), people carry their ORCID as ``@id``
and organisations their ROR id.

=========================  ==================================================
DataCite                   schema.org
=========================  ==================================================
doi                        @id, identifier (PropertyValue propertyID DOI)
alternateIdentifiers       identifier (PropertyValue), sameAs when a URL
types                      @type; resourceType additionalType (a text)
titles                     name (main), alternateName (the others)
creators                   author: Person (name "Given Family", givenName,
                           familyName), Organization, or no @type when the
                           name has no nameType and nothing else tells
contributors               contributor; Editor/Translator also editor/translator
descriptions               description: the abstract (in the record's
                           language when abstracts come in several), else
                           the other descriptions
subjects                   keywords
publisher                  publisher (Organization, ROR @id)
publicationYear / Issued   datePublished
dates Created/Updated      dateCreated / dateModified
dates Coverage             temporalCoverage (Collected is not the period
                           the data are about, so it is left out)
language                   inLanguage
version                    version
rightsList                 license (the http(s) URI, else the text); the
                           info:eu-repo/semantics access terms are
                           conditionsOfAccess (openAccess also
                           isAccessibleForFree)
formats / sizes            encodingFormat / contentSize; an Award's
                           "900000 USD" is amount (MonetaryAmount)
fundingReferences          funder (Organization) and funding (MonetaryGrant)
geoLocations               spatialCoverage (Place: GeoCoordinates / GeoShape)
relatedIdentifiers         isPartOf, hasPart, citation (Cites, References,
                           Documents), sameAs, isBasedOn (IsDerivedFrom,
                           IsSupplementedBy, versions), ...; a target
                           without a URL is an ``identifier`` PropertyValue
                           IsSupplementTo, IsCitedBy, IsReferencedBy: the
                           same properties pointing back (``@reverse``)
relatedItems IsPublishedIn isPartOf (typed by relatedItemType, name, issn
                           / isbn; one node with a matching related
                           identifier); its pages pageStart / pageEnd
=========================  ==================================================

Where we differ from bolognese: bolognese writes ``isBasedOn`` forward for
IsSupplementTo, joins all descriptions, puts Collected dates in
temporalCoverage, types every name as a Person, and writes
``GeoShape.polygon`` only for the first polygon; we follow schema.org's
definitions instead.

The output names the context ``https://schema.org``; ``LOCAL_CONTEXT`` is
a minimal copy of schema.org's context shipped with the package, and
``document_loader`` serves it to pyld so that expansion never needs the
network (used by the tests, usable by anyone who processes our JSON-LD).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from repository_core.records import Record
from serializers import resource_types
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    geo_polygons,
    identifier_url,
    issued_date,
    main_title,
    name_identifier_url,
    published_in,
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
    "document_loader",
    "dump",
    "local_context",
    "metadata_to_jsonld",
    "schema_type",
    "to_jsonld",
]

CONTEXT_URL = "https://schema.org"
LOCAL_CONTEXT = Path(__file__).with_name("schemaorg-context.jsonld")

_RELATIONS: dict[str, str] = {
    "IsPartOf": "isPartOf",
    "IsPublishedIn": "isPartOf",
    "HasPart": "hasPart",
    "Cites": "citation",
    "References": "citation",
    "IsIdenticalTo": "sameAs",
    "IsDerivedFrom": "isBasedOn",
    "IsSupplementedBy": "isBasedOn",
    "IsNewVersionOf": "isBasedOn",
    "IsVersionOf": "isBasedOn",
    "HasVersion": "workExample",
    "IsTranslationOf": "translationOfWork",
    "HasTranslation": "workTranslation",
    "IsDescribedBy": "subjectOf",
    # a documentation cites what it documents
    "Documents": "citation",
}
"""relationType -> schema.org property (relations without a schema.org counterpart are left out)."""

_REVERSE: dict[str, str] = {
    # "A IsSupplementTo B": B is based on A (the data behind a paper), not A on B.
    "IsSupplementTo": "isBasedOn",
    "IsCitedBy": "citation",
    "IsReferencedBy": "citation",
}
"""relationType -> schema.org property that points the other way (written under ``@reverse``)."""

_ACCESS_RIGHTS = "info:eu-repo/semantics/"
_AMOUNT = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([A-Z]{3})\s*$")


def schema_type(resource_type_general: str, resource_type: str | None = None) -> str:
    """The schema.org type (``serializers.resource_types``)."""
    return resource_types.lookup(resource_type_general, resource_type).schema_org


def organization(name: str, identifier: str | None = None) -> dict[str, Any]:
    """A schema.org Organization node (CodeMeta uses it too)."""
    node: dict[str, Any] = {"@type": "Organization"}
    if identifier:
        node["@id"] = identifier
    node["name"] = name
    return node


def affiliation_node(affiliation: Mapping[str, Any] | str) -> dict[str, Any]:
    """A DataCite affiliation as an Organization: its ROR id (or web address) the @id."""
    if isinstance(affiliation, str):
        return organization(affiliation)
    ident = text(affiliation.get("affiliationIdentifier"))
    scheme = text(affiliation.get("affiliationIdentifierScheme")).lower()
    url = ror_url(ident) if scheme == "ror" else web_link(ident)
    return organization(text(affiliation.get("name")), url)


def agent_identity(person: Mapping[str, Any], ids: list[str]) -> tuple[dict[str, Any], bool, bool]:
    """The schema.org typing and identity of a DataCite creator or contributor with
    identifier URLs ``ids``: (the node so far, organizational, personal).

    The node has ``@type`` when something tells it (nameType, a family name, an
    ORCID or ROR id; a name nothing types, "Data Station Admin", gets none rather
    than a guess), ``@id`` the ORCID or ROR id (else the first identifier) and
    ``sameAs`` the others. Used by schema.org JSON-LD and CodeMeta alike.
    """
    family, _, _ = split_name(person)
    name_type = person.get("nameType")
    organizational = name_type == "Organizational" or (
        not family and any(u.startswith("https://ror.org/") for u in ids))
    personal = not organizational and (
        name_type == "Personal" or bool(family)
        or any(u.startswith("https://orcid.org/") for u in ids))
    node: dict[str, Any] = {}
    if organizational or personal:
        node["@type"] = "Organization" if organizational else "Person"
    if ids:
        preferred = next((u for u in ids if u.startswith(("https://orcid.org/", "https://ror.org/"))),
                         ids[0])
        node["@id"] = preferred
        if others := [u for u in ids if u != preferred]:
            node["sameAs"] = others
    return node, organizational, personal


def _agent(person: Mapping[str, Any]) -> dict[str, Any]:
    family, given, display = split_name(person)
    ids = [u for u in (name_identifier_url(i) for i in person.get("nameIdentifiers") or []) if u]
    node, organizational, personal = agent_identity(person, ids)
    # schema.org Person name: the name as written, "Given Family"
    node["name"] = f"{given} {family}" if personal and given and family else display
    if not organizational:
        if given:
            node["givenName"] = given
        if family:
            node["familyName"] = family
    if affiliations := [affiliation_node(a) for a in person.get("affiliation") or []]:
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
    funder = organization(text(reference.get("funderName")), url)
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


def _link(value: str, kind: str | None) -> dict[str, Any]:
    """A related resource: its URL as ``@id``, else its identifier as a PropertyValue."""
    url = identifier_url(value, kind) or value
    if url.startswith(("http://", "https://", "urn:")):
        return {"@id": url}
    return {"identifier": {"@type": "PropertyValue", "propertyID": text(kind) or "Other",
                           "value": value}}


def _amount(size: str) -> dict[str, Any] | None:
    """``900000 USD`` as a schema.org MonetaryAmount (an Award's sum)."""
    match = _AMOUNT.match(size)
    if not match:
        return None
    return {"@type": "MonetaryAmount", "value": _number(match.group(1).replace(",", "")),
            "currency": match.group(2)}


def _description(metadata: Mapping[str, Any]) -> str:
    """The abstract in the record's language (else the first one); without an abstract,
    the other descriptions. Abstracts in several languages are never merged into one
    string that ``inLanguage`` would then mislabel."""
    descriptions = [d for d in metadata.get("descriptions") or [] if text(d.get("description"))]
    abstracts = [d for d in descriptions if d.get("descriptionType") == "Abstract"]
    if not abstracts:
        return "\n\n".join(text(d["description"]) for d in descriptions)
    languages = {text(d.get("lang")).lower() for d in abstracts}
    if len(languages) == 1:
        return "\n\n".join(text(d["description"]) for d in abstracts)
    record_lang = text(metadata.get("language")).lower()
    preferred = [d for d in abstracts if record_lang and text(d.get("lang")).lower() == record_lang]
    return text((preferred or abstracts)[0]["description"])


def _related_item_node(item: Mapping[str, Any]) -> dict[str, Any]:
    ident = item.get("relatedItemIdentifier") or {}
    value = text(ident.get("relatedItemIdentifier"))
    kind = ident.get("relatedItemIdentifierType")
    node: dict[str, Any] = _link(value, kind) if value else {}
    if text(item.get("relatedItemType")):
        node["@type"] = schema_type(text(item["relatedItemType"]))
    if title := main_title(item):
        node["name"] = title
    # issn belongs to a periodical, isbn to a book (schema.org domains)
    item_type = text(item.get("relatedItemType"))
    if value and text(kind).upper() in ("ISSN", "EISSN") and item_type == "Journal":
        node["issn"] = value
    elif value and text(kind).upper() == "ISBN" and item_type in ("Book", "ConferenceProceeding"):
        node["isbn"] = value
    return node


def metadata_to_jsonld(metadata: Mapping[str, Any], *, landing_url: str | None = None,
                       repository_name: str | None = None, base_url: str | None = None
                       ) -> dict[str, Any]:
    """The schema.org JSON-LD object (a dict, ready for ``json.dumps``)."""
    general = resource_type_general(metadata)
    doi = text(metadata.get("doi"))
    row = resource_types.for_metadata(metadata)
    node: dict[str, Any] = {"@context": CONTEXT_URL, "@type": row.schema_org}
    node["@id"] = doi_url(doi) if doi else landing_url
    free = text((metadata.get("types") or {}).get("resourceType"))
    if free and free not in (row.schema_org, general):
        # schema.org's context reads a plain additionalType string as an IRI;
        # the value object keeps the free text a text
        node["additionalType"] = {"@value": free}
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
    if description := _description(metadata):
        node["description"] = description
    if keywords := [text(s.get("subject")) for s in metadata.get("subjects") or [] if text(s.get("subject"))]:
        node["keywords"] = keywords
    if publisher := publisher_name(metadata):
        raw = metadata.get("publisher")
        ident = text(raw.get("publisherIdentifier")) if isinstance(raw, Mapping) else ""
        node["publisher"] = organization(publisher, ror_url(ident) or (ident if ident.startswith("http") else None))
    if issued := issued_date(metadata):
        node["datePublished"] = issued
    for date_type, prop in (("Created", "dateCreated"), ("Updated", "dateModified")):
        if values := dates_of_type(metadata, date_type):
            node[prop] = values[0].split("/")[0]
    # the period the resource is about; when the data were collected is not that
    temporal = dates_of_type(metadata, "Coverage")
    if temporal:
        node["temporalCoverage"] = temporal[0] if len(temporal) == 1 else temporal
    if text(metadata.get("language")):
        node["inLanguage"] = text(metadata["language"])
    if text(metadata.get("version")):
        node["version"] = text(metadata["version"])
    licenses: list[Any] = []
    access: list[str] = []
    for rights in metadata.get("rightsList") or []:
        uri = text(rights.get("rightsUri"))
        if uri.startswith(_ACCESS_RIGHTS):
            # an access status (openAccess, embargoedAccess), not a license
            access.append(text(rights.get("rights")) or uri.removeprefix(_ACCESS_RIGHTS))
            if uri == _ACCESS_RIGHTS + "openAccess":
                node["isAccessibleForFree"] = True
        elif license_url := web_link(uri):  # only http(s) URLs become links
            if license_url not in licenses:
                licenses.append(license_url)
        elif text(rights.get("rights")):
            licenses.append({"@type": "CreativeWork", "name": text(rights["rights"])})
    if licenses:
        node["license"] = licenses[0] if len(licenses) == 1 else licenses
    if access:
        node["conditionsOfAccess"] = access[0] if len(access) == 1 else access
    if formats := [text(f) for f in metadata.get("formats") or [] if text(f)]:
        node["encodingFormat"] = formats
    sizes = [text(s) for s in metadata.get("sizes") or [] if text(s)]
    if node["@type"] == "MonetaryGrant":
        amounts = [a for a in (_amount(s) for s in sizes) if a]
        if amounts:
            node["amount"] = amounts[0] if len(amounts) == 1 else amounts
            sizes = [s for s in sizes if not _amount(s)]
    if sizes:
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
    reverse: dict[str, list[dict[str, Any]]] = {}

    def relate(relation_type: str, target: dict[str, Any]) -> None:
        if relation_type in _REVERSE:
            bucket = reverse.setdefault(_REVERSE[relation_type], [])
        elif relation_type in _RELATIONS:
            bucket = relations.setdefault(_RELATIONS[relation_type], [])
        else:
            return
        same = next((t for t in bucket if "@id" in target and t.get("@id") == target["@id"]), None)
        if same is not None:
            same.update(target)  # one node, not two: IsPublishedIn as identifier and as item
        elif target:
            bucket.append(target)

    for related in metadata.get("relatedIdentifiers") or []:
        relation = related.get("relationType", "")
        value = text(related.get("relatedIdentifier"))
        if not value:
            continue
        if _RELATIONS.get(relation) == "sameAs":
            same_as.append(identifier_url(value, related.get("relatedIdentifierType")) or value)
        else:
            relate(relation, _link(value, related.get("relatedIdentifierType")))
    for item in metadata.get("relatedItems") or []:
        relation = item.get("relationType", "")
        if _RELATIONS.get(relation) != "sameAs":
            relate(relation, _related_item_node(item))
    node.update(relations)
    if reverse:
        node["@reverse"] = reverse
    if container := published_in(metadata):
        for source, prop in (("firstPage", "pageStart"), ("lastPage", "pageEnd")):
            if text(container.get(source)):
                node[prop] = text(container[source])
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
