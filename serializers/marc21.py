"""DataCite metadata -> MARC 21 bibliographic record in MARCXML (OAI prefix ``marc21``).

Library catalogues harvest MARC; InvenioRDM and Zenodo serve it as
``marc21``. The record is built as a ``pymarc.Record`` (the MARC model:
leader, control fields, data fields with indicators and subfields), then
written as an lxml element in the MARCXML ``slim`` namespace by walking
that record (``record_element``), rather than through pymarc's own XML
writer: that one builds a stdlib ElementTree with the namespace declared as
plain attributes, which would have to be serialized and parsed again to
become the lxml element the OAI endpoint embeds. pymarc reads our output
back (``pymarc.parse_xml_to_array``; the tests do).

Leader (MARC 21 Bibliographic, "Leader")

====  ========================================================================
pos   value
====  ========================================================================
00-04 record length, 12-16 base address of data: as pymarc computes them for
      the ISO 2709 form of the same record (zeros when it would not fit ISO
      2709: a field over 9,999 bytes or a record over 99,999)
05    record status: ``n`` new (revision 1), ``c`` corrected (a later revision)
06    type of record and 07 bibliographic level: from resourceTypeGeneral
      (refined by resourceType for Text/Other) in ``resource_types`` (``marc``):
      ``a`` language material (texts, reports, theses, posters, ...), ``m``
      computer file (Dataset, Software, Workflow, Model, Service, ...), ``g``
      projected medium (Audiovisual), ``i`` sound recording, ``k`` graphic
      (Image), ``r`` three-dimensional artifact (PhysicalObject, Instrument),
      ``p`` mixed materials (Collection); level ``a`` component part
      (JournalArticle, BookChapter, ConferencePaper, DataPaper), ``c``
      collection, ``s`` serial (Journal), else ``m``
09    ``a`` (UCS/Unicode); 10-11 ``22``; 20-23 ``4500``
17    encoding level ``3`` (abbreviated: made by crosswalk, not by a cataloguer)
18    descriptive cataloguing form blank (non-ISBD: no ISBD punctuation)
====  ========================================================================

Control fields: 001 the record's local id; 005 the datestamp
(``yyyymmddhhmmss.0``); 007 ``cr |||||||||||`` (electronic resource, remote)
except for physical objects; 008 (40 positions): 00-05 date entered (the
record's creation date), 06 ``s`` with 07-10 the publicationYear (``n`` and
``uuuu`` without one; a serial ``u``, status unknown, its end ``uuuu``), 15-17 ``xx`` (place unknown), 18-34 the block of the
material type (form of item ``o`` online, blank for physical objects;
books' nature of contents 008/24 ``m`` thesis / ``t`` technical report /
``u`` standard, and conference publication 008/29 ``1`` for conference
papers, proceedings and posters; computer files' type 008/26 ``a`` numeric
data / ``b`` program / ``i`` interactive / ``j`` online service; visual
materials' type 008/33 ``v`` videorecording / ``i`` picture / ``r``
realia; continuing resources 008/21 ``p`` periodical; positions nobody can
know from DataCite metadata, such as government publication, ``|``, "no
attempt to code"), 35-37 the
language (MARC code, ``und`` when unknown), 39 ``d`` (other cataloguing
source).

Data fields

=============================  ==============================================
DataCite                       MARC 21
=============================  ==============================================
identifier (DOI)               024 7_ $a DOI $2 doi; 856 40 $u https://doi.org/...
                               (without a DOI: 856 40 $u the landing page)
alternateIdentifier            ISBN 020 $a; ISSN/EISSN 022 $a, LISSN 022 $l;
                               UPC 024 1_, EAN13 024 3_; Handle, URN, ISTC, URL
                               024 7_ with $2 hdl/urn/istc/uri; other types with
                               a resolver 024 7_ $a URL $2 uri; the rest
                               024 8_ $a value $q type
language                       008/35-37 and 041 $a (ISO 639 -> MARC code: the
                               ISO 639-2/B code, a macrolanguage's for an
                               ISO 639-3 individual language); 041 $b the
                               other languages of abstracts; 041 ind1 ``1``
                               when the record IsTranslationOf something
subject with a                 DDC 082 04 $a; other schemes 084 $a $2 scheme;
classificationCode             its caption 653 (a caption is no subject heading)
creator (first)                100 (person: ind1 ``1`` "Family, Given", ``0``
                               a name in direct order) or 110 2_ (organisation)
creators (others)              700 / 710; creators $e author $4 aut (texts) or
                               $e creator $4 cre
contributor                    700 / 710 $e relator term $4 relator code
                               (Editor edt, Translator trl, DataCurator cur,
                               ...; ctb where MARC has no code)
nameIdentifier                 $0, as a URI (https://orcid.org/..., ROR, ISNI,
                               else scheme URI + value), else ``(scheme)value``
affiliation                    $u, the names joined by "; " ($u is not repeatable)
title (main)                   245 $a; ind1 ``1`` with a 1XX, else ``0``; ind2
                               the nonfiling characters of a leading article
                               in the title's language (en, de, fr, es, it, nl)
title Subtitle                 245 $b (the first one); others 246 3_
title TranslatedTitle          246 31 (parallel title); an untyped title in
                               another language too
title AlternativeTitle         246 33 (other title)
version                        250 $a
publisher, publicationYear     264 _1 $b publisher $c year
size                           300 $a (extent)
resourceTypeGeneral            336 $a/$b RDA content type $2 rdacontent; 337 and
                               338 (computer / online resource; unmediated /
                               object for physical things); 655 _4 $a the
                               general type and the free-text resourceType
format                         347 $b (encoding format)
description SeriesInformation  490 0_ $a
description Other              500 $a
description TableOfContents    505 0_ $a
rights with an info:eu-repo    506 (not 540): open 0_ $a Open access $f
access-right URI               Unrestricted online access $2 star; closed /
                               restricted / embargoed 1_ $a
description Abstract           520 3_ $a
fundingReference               536 $a funder (": award title") $c award number
description TechnicalInfo      538 $a
rights, rightsUri (a licence)  540 $a $u
description Methods            567 $a
subject                        650 _7 $a $2 scheme ($0 valueUri); LCSH 650 _0,
                               MeSH 650 _2; without scheme 653 (uncontrolled)
geoLocationPlace               653 _5 (uncontrolled geographic name)
geoLocationBox / Point         034 0_ $a a $d W $e E $f N $g S (decimal degrees,
                               ``hddd.dddddd``) and 255 $a Scale not given $c
                               (W 40°--W 20°/N 50°--N 40°)
geoLocationPolygon             034 00 (an outer ring) $a a $s latitude $t
                               longitude per point (the G-ring)
relatedItem IsPublishedIn      773 0_ host item: $t title $d publisher, year
                               $g Vol., no., p. $x ISSN $z ISBN $o identifier;
                               an IsPublishedIn relatedIdentifier 773 0_ $x/$z/$o
                               (unless a related item already names that host)
relatedItem (other)            787 08 $i relation $t title $d $g $o/$x/$z
relatedIdentifier              787 08 $i relation in words ("Is cited by")
                               $o the identifier as a URL where it has one
                               ($x ISSN, $z ISBN)
=============================  ==============================================

Dates (publicationYear aside): Created 046 $k (a range: $k $l), Updated 046
$j, Valid 046 $m $n, all with $2 edtf (ISO 8601 dates are EDTF level 0);
Copyrighted 264 _4 $c ©year; Collected 518 $o Data collection $d date $p the
dateInformation; every other type (Issued, Available, Accepted, Submitted,
Withdrawn, Coverage, Other) a 500 note "Issued: 2020-06-15 (information)".

Name identifiers are URIs in $0, as the library world wrote them before
$1 (Real World Object URI) existed; catalogues that follow the PCC's URI
guidelines may prefer $1 for ORCID iDs, which a later change can add
beside $0.

Not carried: affiliation and funder identifiers, award URIs, publisher
identifiers, title and description languages (MARC has no subfield for
them; 041 $b names the abstracts' languages), 003 and 040 (they name a MARC
organisation code, which the repository does not have).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from lxml import etree
from pymarc import Field, Indicators, Leader, Subfield
from pymarc import Record as MarcRecord

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import (
    doi_url,
    geo_polygons,
    identifier_url,
    main_title,
    name_identifier_url,
    publisher_name,
    split_name,
    text,
)
from serializers.namespaces import MARC21_NS, MARC21_SCHEMA_LOCATION, XSI, XSI_NS, schema_location
from serializers.resource_types import MarcType, for_metadata

__all__ = [
    "dump",
    "marc_language",
    "marc_record",
    "metadata_to_marc",
    "nonfiling_characters",
    "oai_payload",
    "record_element",
]

_NSMAP = {None: MARC21_NS, "xsi": XSI_NS}

#: contributorType -> (MARC relator term, MARC relator code); the term is
#: DataCite's own where MARC has no relator, and the code then ``ctb``.
CONTRIBUTOR_RELATORS: dict[str, tuple[str, str]] = {
    "ContactPerson": ("contact person", "ctb"),
    "DataCollector": ("data collector", "ctb"),
    "DataCurator": ("curator", "cur"),
    "DataManager": ("data manager", "dtm"),
    "Distributor": ("distributor", "dst"),
    "Editor": ("editor", "edt"),
    "HostingInstitution": ("host institution", "his"),
    "Producer": ("producer", "pro"),
    "ProjectLeader": ("research team head", "rth"),
    "ProjectManager": ("project manager", "pmn"),
    "ProjectMember": ("research team member", "rtm"),
    "RegistrationAgency": ("registration agency", "ctb"),
    "RegistrationAuthority": ("registration authority", "ctb"),
    "RelatedPerson": ("related person", "ctb"),
    "Researcher": ("researcher", "res"),
    "ResearchGroup": ("research group", "ctb"),
    "RightsHolder": ("copyright holder", "cph"),
    "Sponsor": ("sponsor", "spn"),
    "Supervisor": ("supervisor", "ctb"),
    "Translator": ("translator", "trl"),
    "WorkPackageLeader": ("work package leader", "ctb"),
    "Other": ("contributor", "ctb"),
}

#: DataCite identifier type (lower case) -> MARC standard identifier source code (024 $2).
IDENTIFIER_SOURCES = {"doi": "doi", "handle": "hdl", "urn": "urn", "istc": "istc",
                      "url": "uri", "purl": "uri", "w3id": "uri"}

#: Leading articles that library catalogues skip when filing (245 ind2), by MARC language.
ARTICLES: dict[str, tuple[str, ...]] = {
    "eng": ("the ", "an ", "a "),
    "ger": ("der ", "die ", "das ", "eine ", "ein "),
    "fre": ("les ", "le ", "la ", "l'", "une ", "un "),
    "spa": ("los ", "las ", "el ", "la ", "una ", "un "),
    "ita": ("gli ", "il ", "lo ", "la ", "le ", "i ", "l'", "una ", "uno ", "un "),
    "dut": ("het ", "een ", "de "),
}

#: info:eu-repo access rights -> (506 ind1, $a term)
ACCESS_RIGHTS = {
    "info:eu-repo/semantics/openaccess": ("0", "Open access"),
    "info:eu-repo/semantics/embargoedaccess": ("1", "Embargoed access"),
    "info:eu-repo/semantics/restrictedaccess": ("1", "Restricted access"),
    "info:eu-repo/semantics/closedaccess": ("1", "Closed access"),
}

_SPECIAL_LANGUAGES = frozenset({"mul", "und", "zxx", "mis"})


@lru_cache(maxsize=512)
def marc_language(tag: str | None) -> str | None:
    """The MARC language code for a language tag (``en``, ``en-US``, ``deu``, ``ger``), else None.

    MARC's codes are ISO 639-2/B; an ISO 639-3 individual language outside
    639-2 takes its macrolanguage's code (``cmn`` -> ``chi``).
    """
    primary = re.split(r"[-_]", text(tag), maxsplit=1)[0].lower()
    if primary in _SPECIAL_LANGUAGES:
        return primary
    if not re.fullmatch(r"[a-z]{2,3}", primary):
        return None
    # imported here: its tables take 12 MB, which every process that imports the
    # serializers (the loader, its helpers, each web worker) paid without MARC
    from iso639 import Language, LanguageNotFoundError

    try:
        language = Language.match(primary)
        if not language.part2b and language.macrolanguage:
            language = Language.match(language.macrolanguage)
    except LanguageNotFoundError:
        return None
    return language.part2b or None


def nonfiling_characters(title: str, language: str | None) -> int:
    """How many leading characters a catalogue skips when filing (a leading article)."""
    lowered = title.lower()
    for article in ARTICLES.get(language or "", ()):
        if lowered.startswith(article) and len(title) > len(article):
            return min(len(article), 9)
    return 0


def _words(term: str) -> str:
    """``IsCitedBy`` -> ``is cited by``."""
    return " ".join(re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", term)).lower()


def _field(tag: str, ind1: str, ind2: str, *subfields: tuple[str, Any]) -> Field | None:
    """A data field with the non-empty subfields; None when none is left."""
    kept = [Subfield(code, text(value)) for code, value in subfields if text(value)]
    if not kept:
        return None
    return Field(tag=tag, indicators=Indicators(ind1, ind2), subfields=kept)


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def _coordinate(value: Any, positive: str, negative: str) -> str:
    """Decimal degrees as MARC 034 writes them: ``hddd.dddddd``."""
    number = float(value)
    return f"{positive if number >= 0 else negative}{abs(number):010.6f}"


def _isbd_coordinate(value: Any, positive: str, negative: str) -> str:
    number = float(value)
    return f"{positive if number >= 0 else negative} {_number(abs(number))}°"


def _eight(marc: MarcType, year: str, language: str | None, created: datetime) -> str:
    """Field 008 (40 positions): dates, place, the material block, language, source."""
    online = "o"
    kind = marc.record_type
    if kind in "at" and marc.level == "s":          # continuing resources
        block = "||" + " " + marc.code + " " + online + " " + "   " + "|" + "0" + "   " + "||"
    elif kind in "at":                              # books
        block = ("    " + " " + online + marc.code.ljust(4) + "|"
                 + ("1" if marc.conference else "0") + "00" + " " + "0" + " ")
    elif kind == "m":                               # computer files
        block = "    " + " " + online + "  " + marc.code + " " + "|" + "      "
    elif kind in "gkor":                            # visual materials
        projected = kind == "g"
        block = (("---" if projected else "nnn") + " " + " " + "     " + "|"
                 + (online if kind != "r" else " ") + "   " + marc.code
                 + ("u" if projected else "n"))
    elif kind in "ij":                              # sound recordings
        block = "nn" + "n" + " " + " " + online + "      " + "||" + " " + "n" + " "
    else:                                           # mixed materials
        block = "     " + online + " " * 11
    assert len(block) == 17, (kind, block)
    known = re.fullmatch(r"\d{4}", year) is not None
    if marc.level == "s":   # a serial: status unknown (u), first year, last year unknown
        dates = "u" + (year if known else "uuuu") + "uuuu"
    else:                   # a single known date (s), else dates unknown (n)
        dates = ("s" + year if known else "nuuuu") + "    "
    return (created.strftime("%y%m%d") + dates + "xx " + block
            + (language or "und") + " " + "d")


def _name_field(tag: str, person: Mapping[str, Any], relator: tuple[str, str]) -> Field | None:
    """1XX/7XX for a creator or contributor: X00 for a person, X10 for an organisation."""
    identifiers = []
    for entry in person.get("nameIdentifiers") or []:
        value = text(entry.get("nameIdentifier"))
        if value:
            scheme = text(entry.get("nameIdentifierScheme"))
            identifiers.append(name_identifier_url(entry) or (f"({scheme}){value}" if scheme else value))
    affiliations = [text(a.get("name") if isinstance(a, Mapping) else a)
                    for a in person.get("affiliation") or []]
    family, given, display = split_name(person)
    if person.get("nameType") == "Organizational":
        tag, ind1, name = tag[0] + "10", "2", display
    elif family:
        tag, ind1, name = tag[0] + "00", "1", f"{family}, {given}" if given else family
    else:
        tag, ind1, name = tag[0] + "00", "0", display
    return _field(tag, ind1, " ", ("a", name), ("e", relator[0]),
                  ("u", "; ".join(a for a in affiliations if a)),
                  *(("0", i) for i in identifiers), ("4", relator[1]))


def _titles(metadata: Mapping[str, Any], language: str | None, has_main_entry: bool) -> list[Field]:
    titles = [t for t in metadata.get("titles") or [] if text(t.get("title"))]
    main = main_title(metadata)
    if not main:
        return []
    main_entry = next(t for t in titles if text(t["title"]) == main)
    main_lang = text(main_entry.get("lang")) or text(metadata.get("language"))
    subtitle = next((t for t in titles if t.get("titleType") == "Subtitle"
                     and text(t.get("lang")) in ("", text(main_entry.get("lang")))), None)
    nonfiling = nonfiling_characters(main, marc_language(main_lang) or language)
    fields = [_field("245", "1" if has_main_entry else "0", str(nonfiling),
                     ("a", main), ("b", subtitle["title"] if subtitle else None))]
    for title in titles:
        if title is main_entry or title is subtitle:
            continue
        kind = title.get("titleType")
        other_language = text(title.get("lang")) not in ("", main_lang)
        ind2 = {"TranslatedTitle": "1", "AlternativeTitle": "3"}.get(
            kind or "", "1" if not kind and other_language else " ")
        fields.append(_field("246", "3", ind2, ("a", title["title"])))
    return [f for f in fields if f]


def _identifier_fields(metadata: Mapping[str, Any], landing_url: str | None) -> list[Field | None]:
    fields: list[Field | None] = []
    doi = text(metadata.get("doi"))
    seen = {("doi", doi.lower())} if doi else set()
    if doi:
        fields.append(_field("024", "7", " ", ("a", doi), ("2", "doi")))
    for alternate in metadata.get("alternateIdentifiers") or []:
        value = text(alternate.get("alternateIdentifier"))
        kind = text(alternate.get("alternateIdentifierType"))
        if not value or (kind.lower(), value.lower()) in seen:
            continue
        seen.add((kind.lower(), value.lower()))
        key = kind.lower()
        if key == "isbn":
            fields.append(_field("020", " ", " ", ("a", value)))
        elif key in ("issn", "eissn"):
            fields.append(_field("022", " ", " ", ("a", value)))
        elif key == "lissn":
            fields.append(_field("022", " ", " ", ("l", value)))
        elif key in ("upc", "ean13"):
            fields.append(_field("024", "1" if key == "upc" else "3", " ", ("a", value)))
        elif key in IDENTIFIER_SOURCES:
            fields.append(_field("024", "7", " ", ("a", value), ("2", IDENTIFIER_SOURCES[key])))
        elif url := identifier_url(value, kind):
            fields.append(_field("024", "7", " ", ("a", url), ("2", "uri")))
        else:
            fields.append(_field("024", "8", " ", ("a", value), ("q", kind)))
    fields.append(_field("856", "4", "0", ("u", doi_url(doi) if doi else landing_url)))
    return fields


def _subject_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    fields: list[Field | None] = []
    for subject in metadata.get("subjects") or []:
        term = text(subject.get("subject"))
        scheme = text(subject.get("subjectScheme"))
        code = text(subject.get("classificationCode"))
        if code and scheme.lower() in ("ddc", "dewey", "dewey decimal classification"):
            fields.append(_field("082", "0", "4", ("a", code)))
        elif code:
            fields.append(_field("084", " ", " ", ("a", code), ("2", scheme)))
        if not term:
            continue
        if not scheme or code:   # a classification's caption is no subject heading
            fields.append(_field("653", " ", " ", ("a", term)))
            continue
        lowered = scheme.lower()
        if lowered in ("lcsh", "library of congress subject headings"):
            ind2, source = "0", None
        elif lowered in ("mesh", "medical subject headings"):
            ind2, source = "2", None
        else:
            ind2, source = "7", scheme
        fields.append(_field("650", " ", ind2, ("a", term), ("0", subject.get("valueUri")),
                             ("2", source)))
    return fields


def _geo_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    fields: list[Field | None] = []
    for geo in metadata.get("geoLocations") or []:
        fields.append(_field("653", " ", "5", ("a", geo.get("geoLocationPlace"))))
        boxes = []
        box = geo.get("geoLocationBox") or {}
        keys = ("westBoundLongitude", "eastBoundLongitude", "northBoundLatitude", "southBoundLatitude")
        if all(box.get(k) is not None for k in keys):
            boxes.append(tuple(box[k] for k in keys))
        point = geo.get("geoLocationPoint") or {}
        if point.get("pointLatitude") is not None and point.get("pointLongitude") is not None:
            lon, lat = point["pointLongitude"], point["pointLatitude"]
            boxes.append((lon, lon, lat, lat))
        for west, east, north, south in boxes:
            fields.append(_field("034", "0", " ", ("a", "a"),
                                 ("d", _coordinate(west, "E", "W")), ("e", _coordinate(east, "E", "W")),
                                 ("f", _coordinate(north, "N", "S")), ("g", _coordinate(south, "N", "S"))))
            fields.append(_field("255", " ", " ", ("a", "Scale not given"), ("c", (
                f"({_isbd_coordinate(west, 'E', 'W')}--{_isbd_coordinate(east, 'E', 'W')}/"
                f"{_isbd_coordinate(north, 'N', 'S')}--{_isbd_coordinate(south, 'N', 'S')})"))))
        for polygon in geo_polygons(geo):
            ring: list[tuple[str, Any]] = []
            for p in polygon:
                ring += [("s", _coordinate(p["pointLatitude"], "N", "S")),
                         ("t", _coordinate(p["pointLongitude"], "E", "W"))]
            fields.append(_field("034", "0", "0", ("a", "a"), *ring))   # ind2 0: outer ring
    return fields


def _item_subfields(item: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """$t $d $g $x/$z/$o of a related item (773 / 787)."""
    ident = item.get("relatedItemIdentifier") or {}
    value = text(ident.get("relatedItemIdentifier"))
    kind = text(ident.get("relatedItemIdentifierType")).lower()
    publisher = item.get("publisher")
    publisher = text(publisher.get("name") if isinstance(publisher, Mapping) else publisher)
    parts = [f"Vol. {text(item['volume'])}" if text(item.get("volume")) else "",
             f"no. {text(item['issue'])}" if text(item.get("issue")) else "",
             f"{text(item.get('numberType')).lower() or 'no.'} {text(item['number'])}"
             if text(item.get("number")) else ""]
    first, last = text(item.get("firstPage")), text(item.get("lastPage"))
    if first:
        parts.append(f"p. {first}-{last}" if last and last != first else f"p. {first}")
    subfields: list[tuple[str, Any]] = [
        ("t", main_title(item)),
        ("d", ", ".join(v for v in (publisher, text(item.get("publicationYear"))) if v)),
        ("g", ", ".join(p for p in parts if p)),
    ]
    if kind in ("issn", "eissn", "lissn"):
        subfields.append(("x", value))
    elif kind == "isbn":
        subfields.append(("z", value))
    elif value:
        subfields.append(("o", identifier_url(value, kind) or value))
    return subfields


def _relation_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    fields: list[Field | None] = []
    hosts: set[str] = set()
    for item in metadata.get("relatedItems") or []:
        relation = text(item.get("relationType"))
        if relation == "IsPublishedIn":
            subfields = _item_subfields(item)
            hosts.update(text(v).lower() for code, v in subfields if code in "xzo")
            fields.append(_field("773", "0", " ", *subfields))
        else:
            fields.append(_field("787", "0", "8", ("i", _words(relation).capitalize()),
                                 *_item_subfields(item)))
    for related in metadata.get("relatedIdentifiers") or []:
        value = text(related.get("relatedIdentifier"))
        kind = text(related.get("relatedIdentifierType"))
        if not value:
            continue
        target = {"issn": "x", "eissn": "x", "lissn": "x", "isbn": "z"}.get(kind.lower(), "o")
        shown = value if target != "o" else identifier_url(value, kind) or value
        relation = text(related.get("relationType"))
        if relation == "IsPublishedIn":
            if shown.lower() not in hosts:
                fields.append(_field("773", "0", " ", (target, shown)))
            continue
        fields.append(_field("787", "0", "8", ("i", _words(relation).capitalize()),
                             (target, shown)))
    return fields


def _description_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    where = {"Abstract": ("520", "3", " "), "Methods": ("567", " ", " "),
             "SeriesInformation": ("490", "0", " "), "TableOfContents": ("505", "0", " "),
             "TechnicalInfo": ("538", " ", " ")}
    return [_field(*where.get(d.get("descriptionType") or "", ("500", " ", " ")),
                   ("a", d.get("description")))
            for d in metadata.get("descriptions") or []]


def _rights_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    fields: list[Field | None] = []
    for rights in metadata.get("rightsList") or []:
        uri = text(rights.get("rightsUri"))
        access = ACCESS_RIGHTS.get(uri.lower())
        if access and access[0] == "0":
            fields.append(_field("506", "0", " ", ("a", access[1]),
                                 ("f", "Unrestricted online access"), ("2", "star")))
        elif access:
            fields.append(_field("506", "1", " ", ("a", access[1])))
        else:
            fields.append(_field("540", " ", " ", ("a", rights.get("rights")), ("u", uri)))
    return fields


def _language_field(metadata: Mapping[str, Any], language: str | None) -> Field | None:
    if not language:
        return None
    translated = any(r.get("relationType") == "IsTranslationOf"
                     for r in (metadata.get("relatedIdentifiers") or [])
                     + (metadata.get("relatedItems") or []))
    abstracts = []
    for description in metadata.get("descriptions") or []:
        code = marc_language(description.get("lang"))
        if (description.get("descriptionType") == "Abstract" and code and code != language
                and code not in abstracts):
            abstracts.append(code)
    return _field("041", "1" if translated else " ", " ", ("a", language),
                  *(("b", code) for code in abstracts))


def _type_fields(metadata: Mapping[str, Any], marc: MarcType) -> list[Field | None]:
    types = metadata.get("types") or {}
    general, free = text(types.get("resourceTypeGeneral")), text(types.get("resourceType"))
    physical = marc.record_type == "r"
    return [
        _field("336", " ", " ", ("a", marc.content[0]), ("b", marc.content[1]), ("2", "rdacontent")),
        _field("337", " ", " ", *((("a", "unmediated"), ("b", "n")) if physical
                                  else (("a", "computer"), ("b", "c"))), ("2", "rdamedia")),
        _field("338", " ", " ", *((("a", "object"), ("b", "nr")) if physical
                                  else (("a", "online resource"), ("b", "cr"))), ("2", "rdacarrier")),
        _field("655", " ", "4", ("a", general)),
        _field("655", " ", "4", ("a", free)) if free and free.lower() != general.lower() else None,
    ]


#: dateType -> the 046 subfields of a single date / the start and end of a range (EDTF)
DATE_SUBFIELDS = {"Created": ("k", "l"), "Updated": ("j", "j"), "Valid": ("m", "n")}


def _date_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    """046 (coded dates), 264 _4 (copyright), 518 (data collection), 500 (other dates)."""
    fields: list[Field | None] = []
    coded: list[tuple[str, Any]] = []
    for date in metadata.get("dates") or []:
        value, kind = text(date.get("date")), text(date.get("dateType")) or "Other"
        information = text(date.get("dateInformation"))
        if not value:
            continue
        start, _, end = (part.strip() for part in value.partition("/"))
        if kind in DATE_SUBFIELDS:
            first, last = DATE_SUBFIELDS[kind]
            coded.append((first, start))
            if end:
                coded.append((last, end))
        elif kind == "Copyrighted" and re.match(r"\d{4}", value):
            fields.append(_field("264", " ", "4", ("c", "©" + value[:4])))
        elif kind == "Collected":
            fields.append(_field("518", " ", " ", ("o", "Data collection"), ("d", value),
                                 ("p", information)))
        else:
            note = f"{_words(kind).capitalize()}: {value}"
            fields.append(_field("500", " ", " ", ("a", f"{note} ({information})" if information
                                                   else note)))
    if coded:
        fields.append(_field("046", " ", " ", *coded, ("2", "edtf")))
    return fields


def _funding_fields(metadata: Mapping[str, Any]) -> list[Field | None]:
    fields: list[Field | None] = []
    for reference in metadata.get("fundingReferences") or []:
        funder, title = text(reference.get("funderName")), text(reference.get("awardTitle"))
        fields.append(_field("536", " ", " ", ("a", f"{funder}: {title}" if funder and title
                                                else funder or title),
                             ("c", reference.get("awardNumber"))))
    return fields


def metadata_to_marc(metadata: Mapping[str, Any], *, record_id: str, created: datetime,
                     datestamp: datetime, revision: int = 1,
                     landing_url: str | None = None) -> MarcRecord:
    """The MARC 21 bibliographic record (a ``pymarc.Record``) for DataCite JSON metadata."""
    marc_type = for_metadata(metadata).marc
    language = marc_language(metadata.get("language"))
    year = text(metadata.get("publicationYear"))
    text_record = marc_type.record_type in "at"
    creator_relator = ("author", "aut") if text_record else ("creator", "cre")

    creators = [c for c in metadata.get("creators") or [] if text(c.get("name") or c.get("familyName"))]
    names: list[Field | None] = []
    for index, creator in enumerate(creators):
        names.append(_name_field("100" if index == 0 else "700", creator, creator_relator))
    for contributor in metadata.get("contributors") or []:
        relator = CONTRIBUTOR_RELATORS.get(text(contributor.get("contributorType")),
                                           ("contributor", "ctb"))
        names.append(_name_field("700", contributor, relator))

    fields: list[Field | None] = [
        Field(tag="001", data=record_id),
        Field(tag="005", data=datestamp.strftime("%Y%m%d%H%M%S.0")),
        None if marc_type.record_type == "r" else Field(tag="007", data="cr |||||||||||"),
        Field(tag="008", data=_eight(marc_type, year, language, created)),
        *_identifier_fields(metadata, landing_url),
        *_geo_fields(metadata),
        _language_field(metadata, language),
        *_subject_fields(metadata),
        *names,
        *_titles(metadata, language, has_main_entry=bool(creators)),
        _field("250", " ", " ", ("a", metadata.get("version"))),
        _field("264", " ", "1", ("b", publisher_name(metadata)), ("c", year)),
        *(_field("300", " ", " ", ("a", size)) for size in metadata.get("sizes") or []),
        *_type_fields(metadata, marc_type),
        _field("347", " ", " ", *(("b", f) for f in metadata.get("formats") or [])),
        *_description_fields(metadata),
        *_date_fields(metadata),
        *_rights_fields(metadata),
        *_funding_fields(metadata),
        *_relation_fields(metadata),
    ]
    leader = ("00000" + ("n" if revision <= 1 else "c") + marc_type.record_type + marc_type.level
              + " a2200000" + "3  " + "4500")
    marc = MarcRecord(leader=leader, force_utf8=True)
    # fields in tag order, except that the added entries (700/710) keep theirs: the
    # creators in their order, then the contributors (a stable sort)
    for field in sorted((f for f in fields if f is not None), key=_filing_order):
        marc.add_field(field)
    _set_lengths(marc)
    return marc


def _filing_order(field: Field) -> str:
    return "700" if field.tag in ("700", "710") else field.tag


def _set_lengths(marc: MarcRecord) -> None:
    """Leader/00-04 and 12-16 as in the ISO 2709 form, when the record fits that form."""
    if all(len(f.as_marc("utf-8")) <= 9999 for f in marc.fields):
        data = marc.as_marc()
        if len(data) <= 99999:
            marc.leader = Leader(data[:24].decode("ascii"))


def marc_record(record: Record, ctx: ExportContext) -> MarcRecord:
    """The MARC record of a stored record (its id, dates and revision fill 001, 005, 008, Leader/05)."""
    return metadata_to_marc(record.metadata, record_id=record.id, created=record.created,
                            datestamp=record.datestamp, revision=record.revision,
                            landing_url=ctx.landing_url(record.id))


def record_element(marc: MarcRecord) -> etree._Element:
    """The MARCXML ``<record>`` of a pymarc record, with its schemaLocation."""
    root = etree.Element(f"{{{MARC21_NS}}}record", nsmap=_NSMAP)
    root.set(XSI, schema_location(MARC21_NS, MARC21_SCHEMA_LOCATION))
    etree.SubElement(root, f"{{{MARC21_NS}}}leader").text = str(marc.leader)
    for field in marc.fields:
        if field.control_field:
            element = etree.SubElement(root, f"{{{MARC21_NS}}}controlfield", tag=field.tag)
            element.text = field.data
            continue
        element = etree.SubElement(root, f"{{{MARC21_NS}}}datafield", tag=field.tag,
                                   ind1=field.indicator1, ind2=field.indicator2)
        for subfield in field.subfields:
            child = etree.SubElement(element, f"{{{MARC21_NS}}}subfield", code=subfield.code)
            child.text = subfield.value
    return root


def oai_payload(record: Record, ctx: ExportContext) -> etree._Element:
    return record_element(marc_record(record, ctx))


def dump(record: Record, ctx: ExportContext) -> bytes:
    return etree.tostring(oai_payload(record, ctx), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
