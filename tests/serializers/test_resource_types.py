"""The one resource-type table: complete for the kernel, and only valid target types."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from repository_core.metadata.vocabularies import vocabulary
from serializers.resource_types import GENERAL, REFINEMENTS, for_metadata, lookup

ROWS = list(GENERAL.values()) + list(REFINEMENTS.values())

RIS_TYPES = frozenset(
    ["ABST", "ADVS", "AGGR", "ANCIENT", "ART", "BILL", "BLOG", "BOOK", "CASE", "CHAP", "CHART", "CLSWK", "COMP", "CONF", "CPAPER", "CTLG", "DATA", "DBASE", "DICT", "EBOOK", "ECHAP", "EDBOOK", "EJOUR", "ELEC", "ENCYC", "EQUA", "FIGURE", "GEN", "GOVDOC", "GRANT", "HEAR", "ICOMM", "INPR", "JFULL", "JOUR", "LEGAL", "MANSCPT", "MAP", "MGZN", "MPCT", "MULTI", "MUSIC", "NEWS", "PAMP", "PAT", "PCOMM", "RPRT", "SER", "SLIDE", "SOUND", "STAND", "STAT", "THES", "UNBILL", "UNPD", "VIDEO"])
"""The RIS specification's reference types (RIS format specification, 2011)."""

BIBTEX_TYPES = frozenset({"article", "book", "booklet", "inbook", "incollection", "inproceedings",
                          "manual", "mastersthesis", "misc", "phdthesis", "proceedings",
                          "techreport", "unpublished"})
"""The entry types of classic BibTeX's standard styles (Patashnik, BibTeXing)."""


def csl_item_types() -> frozenset[str]:
    """CSL 1.0.2's item types, read from the CSL schema citeproc-py ships."""
    rnc = (resources.files("citeproc") / "data" / "schema" / "schemas" / "styles" / "csl-types.rnc")
    block = rnc.read_text(encoding="utf-8").split("item-types =", 1)[1].split("}", 1)[0]
    return frozenset(re.findall(r'"([a-z_-]+)"', block))


def test_every_kernel_type_has_a_row() -> None:
    assert set(vocabulary("resourceType")) <= set(GENERAL)


def test_csl_types_are_csl_item_types() -> None:
    """CSL 1.0.2 specification, item types."""
    assert {row.csl for row in ROWS} <= csl_item_types()


def test_ris_and_bibtex_types_exist() -> None:
    """RIS specification reference types; BibTeX's standard entry types."""
    assert {row.ris for row in ROWS} <= RIS_TYPES
    assert {row.bibtex for row in ROWS} <= BIBTEX_TYPES


@pytest.mark.parametrize(("general", "free", "schema_org"), [
    ("Text", "Monograph", "Book"),
    ("Text", "  Technical   Report ", "Report"),
    ("Text", "Poem", "ScholarlyArticle"),
    ("Other", "Book chapter", "Chapter"),
    ("Dataset", "Report", "Dataset"),
    (None, None, "CreativeWork"),
    ("NotAType", None, "CreativeWork"),
])
def test_free_text_refines_only_generic_types(general: str | None, free: str | None, schema_org: str) -> None:
    """bolognese reads resourceType as a Crossref type; we let it refine Text and Other only."""
    assert lookup(general, free).schema_org == schema_org


def test_a_chapter_without_a_book_title_is_misc_in_bibtex() -> None:
    """BibTeX: @incollection requires booktitle."""
    chapter = {"types": {"resourceTypeGeneral": "BookChapter"}}
    assert for_metadata(chapter).bibtex == "misc"
    book = {"relationType": "IsPublishedIn", "titles": [{"title": "B"}]}
    assert for_metadata(dict(chapter, relatedItems=[book])).bibtex == "incollection"


def test_every_general_type_has_its_dcmi_type_decided() -> None:
    from serializers.resource_types import DCMI_TYPES, dcmi_type

    assert set(DCMI_TYPES) == set(GENERAL)
    assert dcmi_type("Software") == "http://purl.org/dc/dcmitype/Software"
    assert dcmi_type("Award") is None
    assert dcmi_type("NoSuchType") is None and dcmi_type(None) is None
