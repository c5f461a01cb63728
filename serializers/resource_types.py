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

Not for: choosing fields (each serializer does that).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from serializers.datacite_reading import published_in, related_item_title

__all__ = ["GENERAL", "REFINEMENTS", "MarcType", "ResourceTypes", "for_metadata", "lookup"]


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
