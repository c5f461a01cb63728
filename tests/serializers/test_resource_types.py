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
RDA_CONTENT = {"cod": "computer dataset", "cop": "computer program", "snd": "sounds",
               "sti": "still image", "tdf": "three-dimensional form",
               "tdi": "two-dimensional moving image", "txt": "text", "xxx": "other",
               "zzz": "unspecified"}
"""The RDA content types used (term and code, as in field 336 with $2 rdacontent)."""

#: Leader/06 -> the values MARC 21 defines for the 008 position the row's code goes to
MARC_TYPE_CODES = {
    "a": set(" abcdefgijklmnopqrstuvwyz256"),   # books 008/24 nature of contents
    "m": set("abcdefghijmuz"),                   # computer files 008/26 type of file
    "g": set("abcdfgiklmnopqrstvwz"),            # visual materials 008/33
    "k": set("abcdfgiklmnopqrstvwz"),
    "r": set("abcdfgiklmnopqrstvwz"),
    "i": {" "}, "p": {" "},                      # no type code in their 008
}


def test_marc_types_are_marc_21_values() -> None:
    """MARC 21 Bibliographic: Leader/06, Leader/07, the 008 type codes; RDA content types."""
    for row in ROWS:
        marc = row.marc
        assert marc.record_type in "acdefgijkmoprt"
        assert marc.level in "abcdims"
        assert RDA_CONTENT[marc.content[1]] == marc.content[0]
        if marc.level == "s":
            assert marc.code in set(" dghjlmnpstw")     # 008/21 type of continuing resource
        else:
            assert marc.code in MARC_TYPE_CODES[marc.record_type], row


@pytest.mark.parametrize(("general", "free", "leader67"), [
    ("Text", "Monograph", "am"), ("Text", "Book chapter", "aa"), ("Dataset", None, "mm"),
    ("Workflow", None, "mm"), ("Collection", "Report", "pc"), ("NotAType", None, "am"),
])
def test_marc_type_follows_the_refinement(general: str, free: str | None, leader67: str) -> None:
    marc = lookup(general, free).marc
    assert marc.record_type + marc.level == leader67
