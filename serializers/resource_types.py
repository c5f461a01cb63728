"""The one resource-type table: (resourceTypeGeneral, resourceType) -> schema.org, CSL, BibTeX, RIS, MARC.

Every crosswalk reads its type here (schema.org ``@type``, CSL ``type``,
the BibTeX entry type, RIS ``TY``), and so does the ``types`` block of the
DataCite JSON export, and the MARC 21 record's Leader/06-07, 008 and 336
(``MarcType``), so that what DataCite JSON announces
(``types.ris = "SLIDE"``) is what the RIS export writes.

How a type is chosen:

1. ``GENERAL`` maps each kernel-4.7 resourceTypeGeneral to one row.
2. When the general type says little (``Text``, ``Other``), the free-text
   ``resourceType`` refines it if it names a publication type
   (``REFINEMENTS``): Text + "Monograph" is a book, Text + "report" a
   report. This is what bolognese does by reading the free text as a
   Crossref type; unlike bolognese we refine only ``Text`` and ``Other``,
   because a specific general type must not be overridden by a free word
   (the official Collection example says "Report": it is a collection of
   reports, not a report).

The values follow bolognese's ``DC_TO_*`` tables (DataCite's content
negotiation) where those have an answer, and the target vocabularies
otherwise: schema.org types, CSL 1.0.2 item types (``collection``,
``periodical``, ``speech`` for posters and presentations, ``standard``),
the classic BibTeX entry types, the RIS reference types as Zotero's RIS
translator writes them. Deliberate differences from bolognese are marked
in the table.

One rule looks beyond the types: BibTeX's ``@incollection`` requires a
``booktitle``, so a chapter with no ``IsPublishedIn`` related item carrying
a title is ``@misc`` (``for_metadata`` applies it, so the BibTeX export and
the ``types`` block agree).

The COAR Resource Types of the OpenAIRE format are a second table here
(``COAR_GENERAL``, ``COAR_REFINEMENTS``, :func:`coar_for_metadata`), read
the same way: a COAR concept has no BibTeX or RIS counterpart, and OpenAIRE's
set queries select by its ``openaire`` column (:func:`general_types_of`).

Not for: choosing fields (each serializer does that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from serializers.datacite_reading import published_in, related_item_title

__all__ = [
    "COAR_GENERAL",
    "COAR_REFINEMENTS",
    "DCMI_TYPES",
    "GENERAL",
    "REFINEMENTS",
    "CoarType",
    "MarcType",
    "ResourceTypes",
    "coar_for_metadata",
    "coar_lookup",
    "dcmi_type",
    "for_metadata",
    "general_types_of",
    "lookup",
    "openaire_type_query",
]

@dataclass(frozen=True)
class MarcType:
    """How MARC 21 (Bibliographic) types a resource.

    ``record_type`` is Leader/06 (``a`` language material, ``m`` computer
    file, ``g`` projected medium, ``i`` nonmusical sound recording, ``k``
    two-dimensional nonprojectable graphic, ``r`` three-dimensional artifact,
    ``p`` mixed materials), ``level`` Leader/07 (``m`` monograph/item, ``a``
    component part, ``c`` collection, ``s`` serial). ``code`` is the one
    type code of the 008 material block that Leader/06 selects: books'
    nature of contents (008/24), computer files' type of file (008/26),
    visual materials' type of material (008/33), continuing resources' type
    (008/21); ``conference`` is books' conference publication (008/29).
    ``content`` is the RDA content type of field 336 (term, code).
    """

    record_type: str = "a"
    level: str = "m"
    code: str = " "
    conference: bool = False
    content: tuple[str, str] = ("text", "txt")


MARC_TEXT = MarcType()
MARC_PART = MarcType(level="a")
MARC_PROGRAM = MarcType("m", code="b", content=("computer program", "cop"))


@dataclass(frozen=True)
class ResourceTypes:
    """One row: the type of a resource in each target vocabulary."""

    schema_org: str
    csl: str
    bibtex: str
    ris: str
    marc: MarcType = MARC_TEXT

    def as_datacite_types(self) -> dict[str, str]:
        """The derived keys of DataCite's ``types`` object."""
        return {"schemaOrg": self.schema_org, "citeproc": self.csl,
                "bibtex": self.bibtex, "ris": self.ris}


_R = ResourceTypes

BOOK = _R("Book", "book", "book", "BOOK")
CHAPTER = _R("Chapter", "chapter", "incollection", "CHAP", MARC_PART)
REPORT = _R("Report", "report", "techreport", "RPRT", MarcType(code="t"))
JOURNAL_ARTICLE = _R("ScholarlyArticle", "article-journal", "article", "JOUR", MARC_PART)
CONFERENCE_PAPER = _R("ScholarlyArticle", "paper-conference", "inproceedings", "CPAPER",
                      MarcType(level="a", conference=True))
THESIS = _R("Thesis", "thesis", "phdthesis", "THES", MarcType(code="m"))
PREPRINT = _R("ScholarlyArticle", "article", "misc", "GEN")
PRESENTATION = _R("PresentationDigitalDocument", "speech", "misc", "SLIDE")
# MARC: a scientific poster is text with figures, catalogued as language material
POSTER = _R("Poster", "speech", "misc", "GEN", MarcType(conference=True))
OTHER = _R("CreativeWork", "document", "misc", "GEN")

GENERAL: dict[str, ResourceTypes] = {
    # bolognese: RIS MPCT (motion picture). VIDEO (video recording) is what
    # Zotero writes for a recorded talk or a narrated video, the usual case here.
    "Audiovisual": _R("MediaObject", "motion_picture", "misc", "VIDEO",
                      MarcType("g", code="v", content=("two-dimensional moving image", "tdi"))),
    "Award": _R("MonetaryGrant", "document", "misc", "GEN"),
    "Book": BOOK,
    # bolognese: BibTeX inbook. @incollection is a titled part of a book
    # (a chapter with its own title), @inbook an untitled range of pages.
    "BookChapter": CHAPTER,
    "Collection": _R("Collection", "collection", "misc", "GEN",
                     MarcType("p", "c", content=("unspecified", "zzz"))),
    "ComputationalNotebook": _R("SoftwareSourceCode", "software", "misc", "COMP", MARC_PROGRAM),
    "ConferencePaper": CONFERENCE_PAPER,
    "ConferenceProceeding": _R("Book", "book", "proceedings", "CONF", MarcType(conference=True)),
    "DataPaper": JOURNAL_ARTICLE,
    "Dataset": _R("Dataset", "dataset", "misc", "DATA",
                  MarcType("m", code="a", content=("computer dataset", "cod"))),
    "Dissertation": THESIS,
    "Event": _R("Event", "event", "misc", "GEN"),
    "Image": _R("ImageObject", "graphic", "misc", "FIGURE",
                MarcType("k", code="i", content=("still image", "sti"))),
    "Instrument": _R("Product", "document", "misc", "GEN",
                     MarcType("r", code="r", content=("three-dimensional form", "tdf"))),
    "InteractiveResource": replace(OTHER, marc=MarcType("m", code="i",
                                                       content=("computer program", "cop"))),
    "Journal": _R("Periodical", "periodical", "misc", "JFULL", MarcType(level="s", code="p")),
    "JournalArticle": JOURNAL_ARTICLE,
    "Model": replace(OTHER, marc=MarcType("m", code="z", content=("computer dataset", "cod"))),
    "OutputManagementPlan": OTHER,
    "PeerReview": _R("Review", "review", "misc", "GEN"),
    "PhysicalObject": _R("Thing", "document", "misc", "GEN",
                         MarcType("r", code="r", content=("three-dimensional form", "tdf"))),
    "Poster": POSTER,
    # A preprint is not (yet) a journal article: CSL "article" is CSL's
    # preprint type; BibTeX and RIS have none, so @misc and GEN.
    "Preprint": PREPRINT,
    "Presentation": PRESENTATION,
    "Project": _R("ResearchProject", "document", "misc", "GEN"),
    "Report": REPORT,
    "Service": _R("Service", "document", "misc", "GEN",
                  MarcType("m", code="j", content=("computer program", "cop"))),
    "Software": _R("SoftwareSourceCode", "software", "misc", "COMP", MARC_PROGRAM),
    "Sound": _R("AudioObject", "song", "misc", "SOUND", MarcType("i", content=("sounds", "snd"))),
    "Standard": _R("CreativeWork", "standard", "misc", "STAND", MarcType(code="u")),
    "StudyRegistration": OTHER,
    # bolognese: CSL report, RIS RPRT. Plain Text says nothing of a report;
    # a generic document is the honest reading (the free text may refine it).
    "Text": _R("ScholarlyArticle", "document", "misc", "GEN"),
    "Workflow": replace(OTHER, marc=MARC_PROGRAM),
    "Other": replace(OTHER, marc=MarcType(content=("other", "xxx"))),
}
"""resourceTypeGeneral (kernel 4.7) -> its row; an unknown value gets ``OTHER``."""

REFINEMENTS: dict[str, ResourceTypes] = {
    "monograph": BOOK,
    "book": BOOK,
    "edited book": BOOK,
    "reference book": BOOK,
    "book chapter": CHAPTER,
    "book section": CHAPTER,
    "book part": CHAPTER,
    "chapter": CHAPTER,
    "report": REPORT,
    "technical report": REPORT,
    "research report": REPORT,
    "working paper": REPORT,
    "journal article": JOURNAL_ARTICLE,
    "conference paper": CONFERENCE_PAPER,
    "proceedings article": CONFERENCE_PAPER,
    "thesis": THESIS,
    "dissertation": THESIS,
    "doctoral thesis": THESIS,
    "phd thesis": THESIS,
    "preprint": PREPRINT,
    "presentation": PRESENTATION,
    "slides": PRESENTATION,
    "poster": POSTER,
    "manual": _R("CreativeWork", "document", "manual", "GEN"),
}
"""Free-text resourceType (lower case, words only) -> row, for ``REFINABLE`` general types."""

REFINABLE = frozenset({"Text", "Other"})


def _words(value: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", value.lower()))


def lookup(resource_type_general: str | None, resource_type: str | None = None) -> ResourceTypes:
    """The row for a resourceTypeGeneral and the free-text resourceType."""
    general = (resource_type_general or "").strip() or "Other"
    if general in REFINABLE and resource_type:
        refined = REFINEMENTS.get(_words(resource_type))
        if refined is not None:
            return refined
    return GENERAL.get(general, OTHER)


def for_metadata(metadata: Mapping[str, Any]) -> ResourceTypes:
    """The row for a record's ``types`` (and BibTeX's required ``booktitle``)."""
    types = metadata.get("types") or {}
    general = types.get("resourceTypeGeneral")
    free = types.get("resourceType")
    row = lookup(general if isinstance(general, str) else None,
                 free if isinstance(free, str) else None)
    if row.bibtex == "incollection" and not related_item_title(published_in(metadata)):
        row = replace(row, bibtex="misc")
    return row


# -- COAR resource types (OpenAIRE Guidelines for Literature Repositories v4) ------

@dataclass(frozen=True)
class CoarType:
    """A COAR Resource Type concept and the OpenAIRE type it belongs to.

    ``openaire`` is ``oaire:resourceType/@resourceTypeGeneral``: literature,
    dataset, software or other research product. Every ``uri`` is one the
    OpenAIRE 4.0 schema enumerates (``oaire-resourceType-v4.xsd``, COAR
    Resource Types 1.1); the tests check that.
    """

    uri: str
    label: str
    openaire: str


def _coar(code: str, label: str, openaire: str = "literature") -> CoarType:
    return CoarType(f"http://purl.org/coar/resource_type/{code}", label, openaire)


_ORP = "other research product"
COAR_OTHER = _coar("c_1843", "other", _ORP)
COAR_BOOK = _coar("c_2f33", "book")
COAR_BOOK_PART = _coar("c_3248", "book part")
COAR_REPORT = _coar("c_93fc", "report")
COAR_THESIS = _coar("c_46ec", "thesis")
COAR_CONFERENCE_OBJECT = _coar("c_c94f", "conference object")

COAR_GENERAL: dict[str, CoarType] = {
    "Audiovisual": _coar("c_8a7e", "moving image", _ORP),
    "Award": COAR_OTHER,
    "Book": COAR_BOOK,
    "BookChapter": COAR_BOOK_PART,
    "Collection": COAR_OTHER,
    "ComputationalNotebook": _coar("c_5ce6", "software", "software"),
    "ConferencePaper": _coar("c_5794", "conference paper"),
    "ConferenceProceeding": _coar("c_f744", "conference proceedings"),
    "DataPaper": _coar("c_beb9", "data paper"),
    "Dataset": _coar("c_ddb1", "dataset", "dataset"),
    # "especially" a doctoral one (DataCite's definition): the level is said
    # by the free text when known (COAR_REFINEMENTS), else the broader concept
    "Dissertation": COAR_THESIS,
    "Event": COAR_OTHER,
    "Image": _coar("c_c513", "image", _ORP),
    "Instrument": COAR_OTHER,
    "InteractiveResource": _coar("c_e9a0", "interactive resource", _ORP),
    "Journal": _coar("c_0640", "journal"),
    "JournalArticle": _coar("c_6501", "journal article"),
    "Model": COAR_OTHER,
    # COAR's "data management plan" (c_ab20) is not in the 4.0 schema's list
    "OutputManagementPlan": COAR_OTHER,
    "PeerReview": _coar("c_efa0", "review"),
    "PhysicalObject": COAR_OTHER,
    "Poster": _coar("c_6670", "conference poster"),
    "Preprint": _coar("c_816b", "preprint"),
    # slides: COAR files them under conference object ("conference presentation")
    "Presentation": COAR_CONFERENCE_OBJECT,
    "Project": COAR_OTHER,
    "Report": COAR_REPORT,
    "Service": COAR_OTHER,
    "Software": _coar("c_5ce6", "software", "software"),
    "Sound": _coar("c_18cc", "sound", _ORP),
    # a standard is a text; COAR 1.1 has no concept for it
    "Standard": _coar("c_1843", "other"),
    "StudyRegistration": COAR_OTHER,
    "Text": _coar("c_18cf", "text"),
    "Workflow": _coar("c_393c", "workflow", _ORP),
    "Other": COAR_OTHER,
}
"""resourceTypeGeneral (kernel 4.7) -> COAR type; an unknown value gets ``COAR_OTHER``."""

COAR_REFINEMENTS: dict[str, CoarType] = {
    "monograph": COAR_BOOK,
    "book": COAR_BOOK,
    "edited book": COAR_BOOK,
    "reference book": COAR_BOOK,
    "book chapter": COAR_BOOK_PART,
    "book section": COAR_BOOK_PART,
    "book part": COAR_BOOK_PART,
    "chapter": COAR_BOOK_PART,
    "book review": _coar("c_ba08", "book review"),
    "report": COAR_REPORT,
    "technical report": _coar("c_18gh", "technical report"),
    "research report": _coar("c_18ws", "research report"),
    "internal report": _coar("c_18ww", "internal report"),
    "policy report": _coar("c_186u", "policy report"),
    "project deliverable": _coar("c_18op", "project deliverable"),
    "deliverable": _coar("c_18op", "project deliverable"),
    "working paper": _coar("c_8042", "working paper"),
    "memorandum": _coar("c_18wz", "memorandum"),
    "journal article": _coar("c_6501", "journal article"),
    "research article": _coar("c_2df8fbb1", "research article"),
    "review article": _coar("c_dcae04bc", "review article"),
    "editorial": _coar("c_b239", "editorial"),
    "letter": _coar("c_0857", "letter"),
    "letter to the editor": _coar("c_545b", "letter to the editor"),
    "conference paper": _coar("c_5794", "conference paper"),
    "proceedings article": _coar("c_5794", "conference paper"),
    "thesis": COAR_THESIS,
    "dissertation": COAR_THESIS,
    "doctoral thesis": _coar("c_db06", "doctoral thesis"),
    "phd thesis": _coar("c_db06", "doctoral thesis"),
    "master thesis": _coar("c_bdcc", "master thesis"),
    "masters thesis": _coar("c_bdcc", "master thesis"),
    "bachelor thesis": _coar("c_7a1f", "bachelor thesis"),
    "preprint": _coar("c_816b", "preprint"),
    "presentation": COAR_CONFERENCE_OBJECT,
    "slides": COAR_CONFERENCE_OBJECT,
    "poster": _coar("c_6670", "conference poster"),
    "lecture": _coar("c_8544", "lecture"),
    "manual": _coar("c_71bd", "technical documentation"),
    "technical documentation": _coar("c_71bd", "technical documentation"),
    "bibliography": _coar("c_86bc", "bibliography"),
    "annotation": _coar("c_1162", "annotation"),
    "patent": _coar("c_15cd", "patent"),
    "research proposal": _coar("c_baaf", "research proposal"),
    "periodical": _coar("c_2659", "periodical"),
    "website": _coar("c_7ad9", "website", _ORP),
    "map": _coar("c_12cd", "map", _ORP),
    "cartographic material": _coar("c_12cc", "cartographic material", _ORP),
    "video": _coar("c_12ce", "video", _ORP),
    "still image": _coar("c_ecc8", "still image", _ORP),
    "musical composition": _coar("c_18cd", "musical composition", _ORP),
}
"""Free-text resourceType (lower case, words only) -> COAR type (see ``COAR_REFINABLE``)."""

COAR_REFINABLE: dict[str, frozenset[str] | None] = {
    "Text": None,
    "Other": None,
    "Dissertation": frozenset({"doctoral thesis", "master thesis", "bachelor thesis"}),
    "Report": frozenset({"technical report", "research report", "internal report",
                         "policy report", "project deliverable", "working paper",
                         "memorandum"}),
}
"""General types the free text may refine for COAR: Text and Other by any
entry of ``COAR_REFINEMENTS`` (as for the other vocabularies), Dissertation
and Report only to one of their narrower COAR concepts (a "Report" that says
"technical report" is COAR's technical report; a Report never becomes a book)."""


def coar_lookup(resource_type_general: str | None, resource_type: str | None = None) -> CoarType:
    """The COAR type for a resourceTypeGeneral and the free-text resourceType."""
    general = (resource_type_general or "").strip() or "Other"
    if general in COAR_REFINABLE and resource_type:
        refined = COAR_REFINEMENTS.get(_words(resource_type))
        allowed = COAR_REFINABLE[general]
        if refined is not None and (allowed is None or refined.label in allowed):
            return refined
    return COAR_GENERAL.get(general, COAR_OTHER)


def coar_for_metadata(metadata: Mapping[str, Any]) -> CoarType:
    """The COAR type of a record's ``types``."""
    types = metadata.get("types") or {}
    general = types.get("resourceTypeGeneral")
    free = types.get("resourceType")
    return coar_lookup(general if isinstance(general, str) else None,
                       free if isinstance(free, str) else None)


def general_types_of(openaire_type: str) -> list[str]:
    """The resourceTypeGeneral values whose COAR type is of this OpenAIRE type
    (``literature``, ``dataset``...), in table order: what the OpenAIRE sets select."""
    return [general for general, coar in COAR_GENERAL.items() if coar.openaire == openaire_type]


def _or(values: list[str]) -> str:
    return "(" + " OR ".join(f'"{v}"' for v in values) + ")"


def openaire_type_query(openaire_type: str) -> str:
    """A set query (the repository's query language) matching exactly the records
    :func:`coar_for_metadata` gives this OpenAIRE type.

    A general type of that type counts unless its free text refines it to
    another type (Text + "website" is not literature); a general type that
    the free text refines freely (Text, Other) counts when the free text
    names a type of that type (Other + "report" is literature). The one
    difference: the query compares the free text as a whole keyword
    (case-folded, spaces collapsed), the table compares its words, so
    "Technical-Report" is refined by the table only.
    """
    free = [g for g, allowed in COAR_REFINABLE.items() if allowed is None]
    own = general_types_of(openaire_type)
    into = sorted(k for k, c in COAR_REFINEMENTS.items() if c.openaire == openaire_type)
    away = sorted(k for k, c in COAR_REFINEMENTS.items() if c.openaire != openaire_type)
    clauses = []
    if own:
        clause = f"types.resourceTypeGeneral:{_or(own)}"
        leaving = [g for g in free if g in own]
        if leaving and away:
            clause += (f" AND NOT (types.resourceTypeGeneral:{_or(leaving)}"
                       f" AND types.resourceType:{_or(away)})")
        clauses.append(f"({clause})")
    entering = [g for g in free if g not in own]
    if entering and into:
        clauses.append(f"(types.resourceTypeGeneral:{_or(entering)}"
                       f" AND types.resourceType:{_or(into)})")
    return " OR ".join(clauses)
# -- DCMI Type (DCAT-AP ``dct:type``) --------------------------------------------
# Kept beside the rows rather than in them: a DCMI type depends on the general
# type only (the free text never makes a Text anything but Text).
DCMI_TYPES: dict[str, str | None] = {
    "Audiovisual": "MovingImage",
    "Award": None,
    "Book": "Text",
    "BookChapter": "Text",
    "Collection": "Collection",
    "ComputationalNotebook": "Software",
    "ConferencePaper": "Text",
    "ConferenceProceeding": "Text",
    "DataPaper": "Text",
    "Dataset": "Dataset",
    "Dissertation": "Text",
    "Event": "Event",
    "Image": "Image",
    "Instrument": "PhysicalObject",
    "InteractiveResource": "InteractiveResource",
    "Journal": "Text",
    "JournalArticle": "Text",
    "Model": None,
    "OutputManagementPlan": "Text",
    "PeerReview": "Text",
    "PhysicalObject": "PhysicalObject",
    "Poster": "Text",
    "Preprint": "Text",
    "Presentation": "Text",
    "Project": None,
    "Report": "Text",
    "Service": "Service",
    "Software": "Software",
    "Sound": "Sound",
    "Standard": "Text",
    "StudyRegistration": "Text",
    "Text": "Text",
    "Workflow": "Software",
    "Other": None,
}
"""resourceTypeGeneral -> DCMI Type term (http://purl.org/dc/dcmitype/), None where the
DCMI Type vocabulary has no class for it (an award, a project, a model)."""

DCMI_TYPE_NS = "http://purl.org/dc/dcmitype/"


def dcmi_type(resource_type_general: str | None) -> str | None:
    """The DCMI Type IRI for a resourceTypeGeneral (None if it has none)."""
    term = DCMI_TYPES.get((resource_type_general or "").strip() or "Other")
    return DCMI_TYPE_NS + term if term else None
