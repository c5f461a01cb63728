"""DataCite metadata -> the OpenAIRE Guidelines for Literature Repositories v4 (``oai_openaire``).

The application profile mixes three namespaces under ``oaire:resource``:
DataCite kernel-4 elements (in OpenAIRE's own, older copy of the schema),
Dublin Core elements, and OpenAIRE's own. The output is valid against the
official 4.0 ``openaire.xsd`` (``schemas/openaire-lit-4/4.0/``) for every
record; where OpenAIRE's copy of a DataCite list is older than kernel 4.7,
the value is mapped to the nearest one it has, or left out (below).

=============================  ===============================================
DataCite (kernel 4.7)          oai_openaire (guidelines field)
=============================  ===============================================
titles                         datacite:titles/title, titleType, xml:lang (Title)
creators                       datacite:creators/creator: creatorName
                               (nameType), givenName, familyName,
                               nameIdentifier (nameIdentifierScheme,
                               schemeURI), affiliation (its name, with
                               affiliationIdentifier, -Scheme, schemeURI)
contributors                   datacite:contributors/contributor, the same
                               parts; contributorType Translator (not in
                               OpenAIRE's list) -> Other
fundingReferences              oaire:fundingReferences/fundingReference:
                               funderName, funderIdentifier (type; none
                               given -> Other), awardNumber (awardURI),
                               awardTitle
alternateIdentifiers           datacite:alternateIdentifiers
relatedIdentifiers             datacite:relatedIdentifiers/relatedIdentifier
                               (relationType, relatedIdentifierType,
                               resourceTypeGeneral, relatedMetadataScheme,
                               schemeURI, schemeType); see the mappings below
relatedItems (identifier)      datacite:relatedIdentifier as above; an item
                               without an identifier is only a citation
relatedItems IsPublishedIn     oaire:citationTitle, citationVolume,
                               citationIssue, citationStartPage,
                               citationEndPage, citationEdition (the first
                               item published in)
dates                          datacite:dates/date (dateType,
                               dateInformation); with no Issued date,
                               publicationYear as Issued (Publication Date
                               is mandatory); Accepted/Available are the
                               embargo period; Coverage -> dc:coverage;
                               Other and Withdrawn (not in OpenAIRE's list)
                               are left out
language                       dc:language (the first)
publisher                      dc:publisher (xml:lang)
types                          oaire:resourceType: the COAR concept's label,
                               uri = the COAR concept, resourceTypeGeneral =
                               literature | dataset | software | other
                               research product (``resource_types``' COAR
                               table, from resourceTypeGeneral and the free
                               text resourceType)
descriptions                   dc:description (xml:lang), every type
formats                        dc:format
doi                            datacite:identifier identifierType="DOI", as
                               its https://doi.org/ URL; a record without a
                               DOI: its landing page, identifierType="URL"
rightsList                     datacite:rights: the COAR access right
                               (mandatory, see below), and
                               oaire:licenseCondition: the first rights
                               entry that is a licence (its name, uri,
                               startDate = embargo end or publication date)
subjects                       datacite:subjects/subject (subjectScheme,
                               schemeURI, valueURI, xml:lang)
sizes                          datacite:sizes/size
geoLocations                   datacite:geoLocations (place, point, box,
                               polygons)
version                        oaire:version (the text; no ``uri``: a version
                               number is not a COAR version type)
relatedIdentifiers HasPart     oaire:file (mimeType, accessRightsURI,
URL naming a file              objectType); see "File locations" below
=============================  ===============================================

Access rights (``datacite:rights``, mandatory). The COAR Access Rights
concept is read from the rights list: a ``rightsUri`` that is a COAR access
right (kept) or one of the ``info:eu-repo/semantics/`` terms DataCite and the
OpenAIRE 3 guidelines use (openAccess -> open access c_abf2, embargoedAccess
-> embargoed access c_f1cf, restrictedAccess -> restricted access c_16ec,
closedAccess -> metadata only access c_14cb), else the same words as the
rights text ("Open Access"). A record that says none of these but carries
an open licence (Creative Commons, Open Data Commons, an SPDX identifier)
is open access; any other record is "metadata only access": this
repository keeps metadata, and nothing says the resource itself is open.

Mapped to OpenAIRE's older lists: relationType IsPublishedIn -> IsPartOf,
Obsoletes -> IsNewVersionOf, IsObsoletedBy -> IsPreviousVersionOf,
HasTranslation -> IsOriginalFormOf, IsTranslationOf -> IsVariantFormOf,
Collects -> IsSourceOf, IsCollectedBy -> IsDerivedFrom, Other left out; a
relatedIdentifierType OpenAIRE does not list (CSTR, RAiD, RRID, SWHID, w3id)
becomes its URL (type URL) where it has one, else the relation is left out;
a related resourceTypeGeneral of kernel 4.2+ becomes Text for the
publication types, Software for ComputationalNotebook, else Other.

File locations (``oaire:file``). DataCite has no file property (its REST
``contentUrl`` is bookkeeping and not kept here); where a record lists its
files, it does so as it does on Zenodo: related identifiers ``HasPart`` of
type URL whose path names a file (``.../files/data.pdf``). Each of those
whose file extension has a media type (Python's own table, not the
system's, so the output is the same everywhere) is an ``oaire:file`` with
that ``mimeType``, the record's access right as ``accessRightsURI``, and
``objectType`` from the OpenAIRE type (literature -> fulltext, dataset,
software, else other). It stays a related identifier too.

Not written: citationConferencePlace and citationConferenceDate (DataCite
has no place for them), dc:source, dcterms:audience, fundingStream.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    dates_of_type,
    doi_url,
    identifier_url,
    published_in,
    publisher_name,
    split_name,
    text,
)
from serializers.datacite_xml import LINE_BREAK
from serializers.links import web_link
from serializers.namespaces import (
    DATACITE_NS,
    DC_NS,
    OPENAIRE_NS,
    OPENAIRE_SCHEMA_LOCATION,
    XML_LANG,
    XSI,
    XSI_NS,
    schema_location,
)
from serializers.resource_types import coar_for_metadata

__all__ = [
    "ACCESS_RIGHTS",
    "AccessRight",
    "access_right",
    "dump",
    "files",
    "metadata_to_openaire",
    "oai_payload",
]

_NSMAP = {"oaire": OPENAIRE_NS, "datacite": DATACITE_NS, "dc": DC_NS, "xsi": XSI_NS}

_COAR_ACCESS = "http://purl.org/coar/access_right/"


@dataclass(frozen=True)
class AccessRight:
    """A concept of the COAR Access Rights vocabulary."""

    uri: str
    label: str


def _access(code: str, label: str) -> AccessRight:
    return AccessRight(_COAR_ACCESS + code, label)


OPEN = _access("c_abf2", "open access")
EMBARGOED = _access("c_f1cf", "embargoed access")
RESTRICTED = _access("c_16ec", "restricted access")
METADATA_ONLY = _access("c_14cb", "metadata only access")
ACCESS_RIGHTS = {right.uri: right for right in (OPEN, EMBARGOED, RESTRICTED, METADATA_ONLY)}
"""The four concepts of the COAR Access Rights vocabulary (all the 4.0 schema allows), by URI."""

_EU_REPO = {
    "info:eu-repo/semantics/openaccess": OPEN,
    "info:eu-repo/semantics/embargoedaccess": EMBARGOED,
    "info:eu-repo/semantics/restrictedaccess": RESTRICTED,
    "info:eu-repo/semantics/closedaccess": METADATA_ONLY,
}
_WORDS = {
    "open access": OPEN, "embargoed access": EMBARGOED, "restricted access": RESTRICTED,
    "closed access": METADATA_ONLY, "metadata only access": METADATA_ONLY,
}
_OPEN_LICENCE = re.compile(
    r"^https?://(www\.)?(creativecommons\.org/(licenses|publicdomain)/"
    r"|opendatacommons\.org/licenses/|opensource\.org/licenses?/)", re.IGNORECASE)


def _access_statement(rights: Mapping[str, Any]) -> AccessRight | None:
    """The access right a rights entry states, if it is an access statement."""
    uri = text(rights.get("rightsUri"))
    if uri:
        lowered = uri.lower()
        if lowered in _EU_REPO:
            return _EU_REPO[lowered]
        if "purl.org/coar/access_right/" in lowered:
            return ACCESS_RIGHTS.get(_COAR_ACCESS + lowered.rstrip("/").rsplit("/", 1)[-1])
        return None
    return _WORDS.get(" ".join(re.findall(r"[a-z]+", text(rights.get("rights")).lower())))


def _is_open_licence(rights: Mapping[str, Any]) -> bool:
    scheme = text(rights.get("rightsIdentifierScheme")).lower()
    return (bool(_OPEN_LICENCE.match(text(rights.get("rightsUri"))))
            or (scheme == "spdx" and bool(text(rights.get("rightsIdentifier")))))


def access_right(metadata: Mapping[str, Any]) -> AccessRight:
    """The record's COAR access right (see the module docstring for the rules)."""
    rights_list = [r for r in metadata.get("rightsList") or [] if isinstance(r, Mapping)]
    for rights in rights_list:
        if (found := _access_statement(rights)) is not None:
            return found
    if any(_is_open_licence(r) for r in rights_list):
        return OPEN
    return METADATA_ONLY


def _licence(metadata: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first rights entry that is not an access statement and names something."""
    for rights in metadata.get("rightsList") or []:
        if (isinstance(rights, Mapping) and _access_statement(rights) is None
                and (text(rights.get("rights")) or text(rights.get("rightsUri"))
                     or text(rights.get("rightsIdentifier")))):
            return rights
    return None


# -- OpenAIRE's older DataCite lists --------------------------------------------

_RELATION_TYPES = frozenset({
    "IsCitedBy", "Cites", "IsSupplementTo", "IsSupplementedBy", "IsContinuedBy", "Continues",
    "IsDescribedBy", "Describes", "HasVersion", "IsVersionOf", "IsNewVersionOf",
    "IsPreviousVersionOf", "IsPartOf", "HasPart", "IsReferencedBy", "References",
    "IsDocumentedBy", "Documents", "IsCompiledBy", "Compiles", "IsVariantFormOf",
    "IsOriginalFormOf", "IsIdenticalTo", "HasMetadata", "IsMetadataFor", "Reviews",
    "IsReviewedBy", "IsDerivedFrom", "IsSourceOf", "IsRequiredBy", "Requires",
})
_RELATION_MAP = {
    "IsPublishedIn": "IsPartOf", "Obsoletes": "IsNewVersionOf",
    "IsObsoletedBy": "IsPreviousVersionOf", "HasTranslation": "IsOriginalFormOf",
    "IsTranslationOf": "IsVariantFormOf", "Collects": "IsSourceOf",
    "IsCollectedBy": "IsDerivedFrom",
}
_IDENTIFIER_TYPES = frozenset({
    "ARK", "arXiv", "bibcode", "DOI", "EAN13", "EISSN", "Handle", "IGSN", "ISBN", "ISSN",
    "ISTC", "LISSN", "LSID", "PISSN", "PMID", "PURL", "UPC", "URL", "URN", "WOS",
})
_RESOURCE_TYPES = frozenset({
    "Audiovisual", "Collection", "DataPaper", "Dataset", "Event", "Image",
    "InteractiveResource", "Model", "PhysicalObject", "Service", "Software", "Sound", "Text",
    "Workflow", "Other",
})
_TEXT_TYPES = frozenset({
    "Book", "BookChapter", "ConferencePaper", "ConferenceProceeding", "Dissertation",
    "Journal", "JournalArticle", "OutputManagementPlan", "PeerReview", "Poster", "Preprint",
    "Presentation", "Report", "Standard", "StudyRegistration",
})
_CONTRIBUTOR_TYPES = frozenset({
    "ContactPerson", "DataCollector", "DataCurator", "DataManager", "Distributor", "Editor",
    "HostingInstitution", "Other", "Producer", "ProjectLeader", "ProjectManager",
    "ProjectMember", "RegistrationAgency", "RegistrationAuthority", "RelatedPerson",
    "ResearchGroup", "RightsHolder", "Researcher", "Sponsor", "Supervisor",
    "WorkPackageLeader",
})
_DATE_TYPES = frozenset({
    "Accepted", "Available", "Collected", "Copyrighted", "Created", "Issued", "Submitted",
    "Updated", "Valid",
})
_TITLE_TYPES = frozenset({"AlternativeTitle", "Subtitle", "TranslatedTitle", "Other"})
_FUNDER_ID_TYPES = frozenset({"ISNI", "GRID", "Crossref Funder ID", "ROR", "Other"})
_NAME_TYPES = frozenset({"Organizational", "Personal"})


def _relation_type(value: Any) -> str | None:
    relation = text(value)
    return relation if relation in _RELATION_TYPES else _RELATION_MAP.get(relation)


def _related_resource_type(value: Any) -> str | None:
    general = text(value)
    if not general or general in _RESOURCE_TYPES:
        return general or None
    if general in _TEXT_TYPES:
        return "Text"
    return "Software" if general == "ComputationalNotebook" else "Other"


def _related_identifier(value: Any, kind: Any) -> tuple[str, str] | None:
    """(identifier, type) in OpenAIRE's list of types, or None."""
    value, kind = text(value), text(kind)
    if not value:
        return None
    if kind in _IDENTIFIER_TYPES:
        return value, kind
    url = identifier_url(value, kind)
    if url and url.lower().startswith(("http://", "https://")):
        return url, "URL"
    return None


# -- building ---------------------------------------------------------------------

def _el(parent: etree._Element, ns: str, tag: str, value: Any = None,
        attrs: Mapping[str, Any] | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if value is not None:
        element.text = text(value).replace(LINE_BREAK, "\n")
    for name, attr in (attrs or {}).items():
        if attr is not None and text(attr):
            element.set(name, text(attr))
    return element


def _dc(parent: etree._Element, tag: str, value: Any, lang: Any = None) -> None:
    if text(value):
        _el(parent, DC_NS, tag, value, {XML_LANG: lang})


def _person(parent: etree._Element, tag: str, person: Mapping[str, Any]) -> None:
    display = split_name(person)[2]
    if not display:
        return
    attrs = {}
    if tag == "contributor":
        kind = text(person.get("contributorType"))
        attrs["contributorType"] = kind if kind in _CONTRIBUTOR_TYPES else "Other"
    element = _el(parent, DATACITE_NS, tag, None, attrs)
    name_type = text(person.get("nameType"))
    _el(element, DATACITE_NS, f"{tag}Name", display,
        {"nameType": name_type if name_type in _NAME_TYPES else None})
    if text(person.get("givenName")):
        _el(element, DATACITE_NS, "givenName", person["givenName"])
    if text(person.get("familyName")):
        _el(element, DATACITE_NS, "familyName", person["familyName"])
    for ident in person.get("nameIdentifiers") or []:
        scheme = text(ident.get("nameIdentifierScheme"))
        if text(ident.get("nameIdentifier")) and scheme:
            _el(element, DATACITE_NS, "nameIdentifier", ident["nameIdentifier"],
                {"nameIdentifierScheme": scheme, "schemeURI": ident.get("schemeUri")})
    for affiliation in person.get("affiliation") or []:
        name = affiliation.get("name") if isinstance(affiliation, Mapping) else affiliation
        if text(name):
            extra = affiliation if isinstance(affiliation, Mapping) else {}
            _el(element, DATACITE_NS, "affiliation", name, {
                "affiliationIdentifier": extra.get("affiliationIdentifier"),
                "affiliationIdentifierScheme": extra.get("affiliationIdentifierScheme"),
                "schemeURI": extra.get("schemeUri"),
            })


def _related(metadata: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """relatedIdentifiers, then the identifiers of relatedItems, as XML attributes + text."""
    for related in metadata.get("relatedIdentifiers") or []:
        relation = _relation_type(related.get("relationType"))
        found = _related_identifier(related.get("relatedIdentifier"),
                                    related.get("relatedIdentifierType"))
        if relation and found:
            yield {"text": found[0], "relatedIdentifierType": found[1],
                   "relationType": relation,
                   "resourceTypeGeneral": _related_resource_type(related.get("resourceTypeGeneral")),
                   "relatedMetadataScheme": related.get("relatedMetadataScheme"),
                   "schemeURI": related.get("schemeUri"),
                   "schemeType": related.get("schemeType")}
    for item in metadata.get("relatedItems") or []:
        ident = item.get("relatedItemIdentifier") or {}
        relation = _relation_type(item.get("relationType"))
        found = _related_identifier(ident.get("relatedItemIdentifier"),
                                    ident.get("relatedItemIdentifierType"))
        if relation and found:
            yield {"text": found[0], "relatedIdentifierType": found[1],
                   "relationType": relation,
                   "resourceTypeGeneral": _related_resource_type(item.get("relatedItemType")),
                   "relatedMetadataScheme": item.get("relatedMetadataScheme"),
                   "schemeURI": item.get("schemeUri"), "schemeType": item.get("schemeType")}


def _dates(metadata: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(dateType, date, dateInformation) for OpenAIRE, Issued first."""
    dates = [(text(d.get("dateType")), text(d.get("date")), d.get("dateInformation"))
             for d in metadata.get("dates") or []]
    dates = [d for d in dates if d[0] in _DATE_TYPES and d[1]]
    if not any(kind == "Issued" for kind, _, _ in dates) and text(metadata.get("publicationYear")):
        dates.insert(0, ("Issued", text(metadata["publicationYear"]), None))
    return dates


def _publication_date(metadata: Mapping[str, Any]) -> str:
    issued = dates_of_type(metadata, "Issued")
    return issued[0].split("/")[0].strip() if issued else text(metadata.get("publicationYear"))


def _point(parent: etree._Element, tag: str, point: Mapping[str, Any]) -> None:
    element = _el(parent, DATACITE_NS, tag)
    _el(element, DATACITE_NS, "pointLongitude", point["pointLongitude"])
    _el(element, DATACITE_NS, "pointLatitude", point["pointLatitude"])


_BOX = ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")


def _polygons(location: Mapping[str, Any]) -> list[list[Mapping[str, Any]]]:
    raw = location.get("geoLocationPolygon") or []
    groups = raw if raw and isinstance(raw[0], list) else [raw]
    return [[entry for entry in group if isinstance(entry, Mapping)] for group in groups if group]


def _geo_location(parent: etree._Element, location: Mapping[str, Any]) -> None:
    element = _el(parent, DATACITE_NS, "geoLocation")
    if text(location.get("geoLocationPlace")):
        _el(element, DATACITE_NS, "geoLocationPlace", location["geoLocationPlace"])
    if isinstance(location.get("geoLocationPoint"), Mapping):
        _point(element, "geoLocationPoint", location["geoLocationPoint"])
    if isinstance(location.get("geoLocationBox"), Mapping):
        box = _el(element, DATACITE_NS, "geoLocationBox")
        for key in _BOX:
            _el(box, DATACITE_NS, key, location["geoLocationBox"][key])
    for polygon in _polygons(location):
        wrapper = _el(element, DATACITE_NS, "geoLocationPolygon")
        for key in ("polygonPoint", "inPolygonPoint"):
            for entry in polygon:
                if isinstance(entry.get(key), Mapping):
                    _point(wrapper, key, entry[key])


def _funding(parent: etree._Element, funding: list[Mapping[str, Any]]) -> None:
    wrapper = _el(parent, OPENAIRE_NS, "fundingReferences")
    for reference in funding:
        if not text(reference.get("funderName")):
            continue
        element = _el(wrapper, OPENAIRE_NS, "fundingReference")
        _el(element, OPENAIRE_NS, "funderName", reference["funderName"])
        if text(reference.get("funderIdentifier")):
            kind = text(reference.get("funderIdentifierType"))
            _el(element, OPENAIRE_NS, "funderIdentifier", reference["funderIdentifier"],
                {"funderIdentifierType": kind if kind in _FUNDER_ID_TYPES else "Other"})
        if text(reference.get("awardNumber")):
            _el(element, OPENAIRE_NS, "awardNumber", reference["awardNumber"],
                {"awardURI": reference.get("awardUri")})
        if text(reference.get("awardTitle")):
            _el(element, OPENAIRE_NS, "awardTitle", reference["awardTitle"])


#: Python's built-in table only (``MimeTypes()`` reads no system file): stable output
_MEDIA_TYPES = mimetypes.MimeTypes()
_OBJECT_TYPES = {"literature": "fulltext", "dataset": "dataset", "software": "software"}


def files(metadata: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(URL, media type) of each file the record lists (``HasPart`` URLs naming a file)."""
    found = []
    for related in metadata.get("relatedIdentifiers") or []:
        if related.get("relationType") != "HasPart" or related.get("relatedIdentifierType") != "URL":
            continue
        url = web_link(related.get("relatedIdentifier"))
        media_type = _MEDIA_TYPES.guess_type(urlsplit(url).path)[0] if url else None
        if url and media_type:
            found.append((url, media_type))
    return found


def _citation(parent: etree._Element, metadata: Mapping[str, Any]) -> None:
    item = published_in(metadata)
    if item is None:
        return
    titles = [t for t in item.get("titles") or [] if text(t.get("title"))]
    if titles:
        _el(parent, OPENAIRE_NS, "citationTitle", titles[0]["title"])
    for key, tag in (("volume", "citationVolume"), ("issue", "citationIssue"),
                     ("firstPage", "citationStartPage"), ("lastPage", "citationEndPage"),
                     ("edition", "citationEdition")):
        if text(item.get(key)):
            _el(parent, OPENAIRE_NS, tag, item[key])


def metadata_to_openaire(metadata: Mapping[str, Any], *, landing_url: str) -> etree._Element:
    """The ``<oaire:resource>`` element; ``landing_url`` identifies a record without a DOI."""
    md = metadata
    root = etree.Element(f"{{{OPENAIRE_NS}}}resource", nsmap=_NSMAP)
    root.set(XSI, schema_location(OPENAIRE_NS, OPENAIRE_SCHEMA_LOCATION))

    titles = [t for t in md.get("titles") or [] if text(t.get("title"))]
    if titles:
        wrapper = _el(root, DATACITE_NS, "titles")
        for title in titles:
            kind = text(title.get("titleType"))
            _el(wrapper, DATACITE_NS, "title", title["title"],
                {"titleType": kind if kind in _TITLE_TYPES else None, XML_LANG: title.get("lang")})
    for plural, singular in (("creators", "creator"), ("contributors", "contributor")):
        if md.get(plural):
            wrapper = _el(root, DATACITE_NS, plural)
            for person in md[plural]:
                _person(wrapper, singular, person)
    if md.get("fundingReferences"):
        _funding(root, md["fundingReferences"])
    alternates = [a for a in md.get("alternateIdentifiers") or []
                  if text(a.get("alternateIdentifier"))]
    if alternates:
        wrapper = _el(root, DATACITE_NS, "alternateIdentifiers")
        for alternate in alternates:
            _el(wrapper, DATACITE_NS, "alternateIdentifier", alternate["alternateIdentifier"],
                {"alternateIdentifierType": alternate.get("alternateIdentifierType") or "Other"})
    related = list(_related(md))
    if related:
        wrapper = _el(root, DATACITE_NS, "relatedIdentifiers")
        for attrs in related:
            _el(wrapper, DATACITE_NS, "relatedIdentifier", attrs.pop("text"), attrs)
    dates = _dates(md)
    if dates:
        wrapper = _el(root, DATACITE_NS, "dates")
        for kind, value, information in dates:
            _el(wrapper, DATACITE_NS, "date", value,
                {"dateType": kind, "dateInformation": information})
    _dc(root, "language", md.get("language"))
    publisher = md.get("publisher")
    _dc(root, "publisher", publisher_name(md),
        publisher.get("lang") if isinstance(publisher, Mapping) else None)
    coar = coar_for_metadata(md)
    _el(root, OPENAIRE_NS, "resourceType", coar.label,
        {"resourceTypeGeneral": coar.openaire, "uri": coar.uri})
    for description in md.get("descriptions") or []:
        _dc(root, "description", description.get("description"), description.get("lang"))
    for value in md.get("formats") or []:
        _dc(root, "format", value)
    if text(md.get("doi")):
        _el(root, DATACITE_NS, "identifier", doi_url(md["doi"]), {"identifierType": "DOI"})
    else:
        _el(root, DATACITE_NS, "identifier", landing_url, {"identifierType": "URL"})
    right = access_right(md)
    _el(root, DATACITE_NS, "rights", right.label, {"rightsURI": right.uri})
    subjects = [s for s in md.get("subjects") or [] if text(s.get("subject"))]
    if subjects:
        wrapper = _el(root, DATACITE_NS, "subjects")
        for subject in subjects:
            _el(wrapper, DATACITE_NS, "subject", subject["subject"], {
                "subjectScheme": subject.get("subjectScheme"),
                "schemeURI": subject.get("schemeUri"), "valueURI": subject.get("valueUri"),
                XML_LANG: subject.get("lang"),
            })
    licence = _licence(md)
    if licence is not None:
        embargo_end = dates_of_type(md, "Available") if right == EMBARGOED else []
        _el(root, OPENAIRE_NS, "licenseCondition",
            text(licence.get("rights")) or text(licence.get("rightsIdentifier"))
            or text(licence.get("rightsUri")),
            {"uri": licence.get("rightsUri"),
             "startDate": embargo_end[0] if embargo_end else _publication_date(md)})
    for date in md.get("dates") or []:
        if date.get("dateType") == "Coverage":
            _dc(root, "coverage", date.get("date"))
    sizes = [s for s in md.get("sizes") or [] if text(s)]
    if sizes:
        wrapper = _el(root, DATACITE_NS, "sizes")
        for size in sizes:
            _el(wrapper, DATACITE_NS, "size", size)
    if md.get("geoLocations"):
        wrapper = _el(root, DATACITE_NS, "geoLocations")
        for location in md["geoLocations"]:
            _geo_location(wrapper, location)
    if text(md.get("version")):
        _el(root, OPENAIRE_NS, "version", md["version"])
    for url, media_type in files(md):
        _el(root, OPENAIRE_NS, "file", url, {
            "accessRightsURI": right.uri, "mimeType": media_type,
            "objectType": _OBJECT_TYPES.get(coar.openaire, "other")})
    _citation(root, md)
    return root


def oai_payload(record: Record, ctx: ExportContext) -> etree._Element:
    metadata = dict(record.metadata)
    if not metadata.get("doi") and record.doi:
        metadata["doi"] = record.doi
    return metadata_to_openaire(metadata, landing_url=ctx.landing_url(record.id))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return etree.tostring(oai_payload(record, ctx), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
