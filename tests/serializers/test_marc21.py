"""MARC 21 / MARCXML: read back with pymarc, position by position and field by field.

Schema validity for all 31 official examples is in ``test_xml_formats``, the
byte-exact output in ``test_golden``; here the output is parsed again with
``pymarc.parse_xml_to_array`` (a MARC reader independent of how we wrote it)
and the leader, the 008 and the key fields are checked against the MARC 21
Bibliographic definitions.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pymarc
import pytest

from serializers import marc21
from serializers.registry import FORMATS
from serializers.resource_types import GENERAL
from serializers.xsd import validate_xml
from tests.serializers.samples import CTX, EXAMPLES_DIR, example_metadata, make_record


def read_back(body: bytes) -> pymarc.Record:
    assert validate_xml(body, "marc21") == []
    [record] = pymarc.parse_xml_to_array(io.BytesIO(body), strict=True)
    return record


def export(**changes: Any) -> pymarc.Record:
    return read_back(FORMATS["marc21"].dump(make_record(**changes), CTX))


def subfields(field: pymarc.Field, code: str) -> list[str]:
    return field.get_subfields(code)


def test_leader_positions() -> None:
    record = export()
    leader = str(record.leader)
    assert len(leader) == 24
    assert leader[5] == "n"                     # new record (revision 1)
    assert leader[6] == "m"                     # computer file: a Dataset
    assert leader[7] == "m"                     # monograph/item
    assert leader[8] == " " and leader[9] == "a"  # Unicode
    assert leader[10:12] == "22" and leader[20:24] == "4500"
    assert leader[17] == "3" and leader[18] == " "


def test_leader_lengths_are_those_of_the_iso2709_record() -> None:
    record = export()
    iso = record.as_marc()                      # pymarc recomputes both from the fields
    assert str(record.leader)[:5] == f"{len(iso):05d}"
    assert str(record.leader)[12:17] == iso[12:17].decode()


def test_a_later_revision_is_a_corrected_record() -> None:
    body = FORMATS["marc21"].dump(make_record(revision=3), CTX)
    assert str(read_back(body).leader)[5] == "c"


def test_008_positions() -> None:
    record = export()
    eight = record["008"].data
    assert len(eight) == 40
    assert eight[0:6] == "210203"               # date entered: the record's creation (T0)
    assert eight[6] == "s" and eight[7:11] == "2020" and eight[11:15] == "    "
    assert eight[15:18] == "xx "                # place unknown
    assert eight[23] == "o"                     # computer file: form of item online
    assert eight[26] == "a"                     # numeric data
    assert eight[35:38] == "eng"
    assert eight[39] == "d"
    assert record["005"].data == "20210203040506.0"
    assert record["001"].data == "rec-1"
    assert record["007"].data.startswith("cr")


def test_008_without_year_and_language() -> None:
    record = export(publicationYear=None, language=None)
    eight = record["008"].data
    assert eight[6:11] == "nuuuu" and eight[35:38] == "und"
    assert record.get_fields("041") == []


@pytest.mark.parametrize(("general", "free", "leader67", "code_at"), [
    ("Dataset", None, "mm", (26, "a")),
    ("Software", None, "mm", (26, "b")),
    ("Service", None, "mm", (26, "j")),
    ("Text", None, "am", (24, " ")),
    ("Text", "Technical report", "am", (24, "t")),
    ("Dissertation", None, "am", (24, "m")),
    ("JournalArticle", None, "aa", (24, " ")),
    ("BookChapter", None, "aa", (24, " ")),
    ("ConferencePaper", None, "aa", (29, "1")),
    ("Book", None, "am", (29, "0")),
    ("Journal", None, "as", (21, "p")),
    ("Collection", None, "pc", (23, "o")),
    ("Audiovisual", None, "gm", (33, "v")),
    ("Image", None, "km", (33, "i")),
    ("PhysicalObject", None, "rm", (33, "r")),
    ("Sound", None, "im", (23, "o")),
])
def test_type_of_record_and_008_block(general: str, free: str | None, leader67: str,
                                      code_at: tuple[int, str]) -> None:
    record = export(types={"resourceTypeGeneral": general, "resourceType": free})
    assert str(record.leader)[6:8] == leader67
    position, code = code_at
    assert record["008"].data[position] == code
    assert len(record["008"].data) == 40
    assert next(f.get("a") for f in record.get_fields("655")) == general


def test_every_general_type_gives_a_valid_record() -> None:
    for general in GENERAL:
        body = FORMATS["marc21"].dump(make_record(types={"resourceTypeGeneral": general}), CTX)
        record = read_back(body)
        assert len(record["008"].data) == 40, general
        assert record["336"]["2"] == "rdacontent"


def test_physical_objects_are_not_online_resources() -> None:
    record = export(types={"resourceTypeGeneral": "PhysicalObject"})
    assert record.get_fields("007") == []
    assert record["338"]["a"] == "object" and record["337"]["a"] == "unmediated"


@pytest.mark.parametrize(("tag", "code"), [
    ("en", "eng"), ("en-US", "eng"), ("de", "ger"), ("deu", "ger"), ("ger", "ger"),
    ("fr-CA", "fre"), ("nl", "dut"), ("zh-Hant", "chi"), ("cmn", "chi"), ("mul", "mul"),
    ("haw", "haw"), ("xx", None), ("English", None), ("", None), (None, None),
])
def test_marc_language_codes(tag: str | None, code: str | None) -> None:
    """MARC language codes are ISO 639-2/B; ISO 639-3 individual languages take their
    macrolanguage's code."""
    assert marc21.marc_language(tag) == code


def test_language_field_and_abstract_languages() -> None:
    record = export(language="de", descriptions=[
        {"description": "Kurzfassung", "descriptionType": "Abstract", "lang": "de"},
        {"description": "Summary", "descriptionType": "Abstract", "lang": "en"},
    ])
    (field,) = record.get_fields("041")
    assert subfields(field, "a") == ["ger"] and subfields(field, "b") == ["eng"]
    assert field.indicator1 == " "
    assert record["008"].data[35:38] == "ger"


def test_a_translation_says_so_in_041() -> None:
    record = export(relatedIdentifiers=[{"relatedIdentifier": "10.1/orig", "relatedIdentifierType": "DOI",
                                         "relationType": "IsTranslationOf"}])
    assert record["041"].indicator1 == "1"


@pytest.mark.parametrize(("title", "lang", "skip"), [
    ("The ocean", "en", 4), ("A decade", "en", 2), ("An atlas", "en", 3),
    ("Anatomy", "en", 0), ("The", "en", 0), ("Die Nordsee", "de", 4), ("L'océan", "fr", 2),
    ("The ocean", "de", 0), ("The ocean", None, 0),
])
def test_245_nonfiling_indicator(title: str, lang: str | None, skip: int) -> None:
    record = export(titles=[{"title": title, **({"lang": lang} if lang else {})}], language=None)
    assert record["245"].indicator2 == str(skip)
    assert record["245"]["a"] == title


def test_titles() -> None:
    record = export(titles=[
        {"title": "The main", "lang": "en"},
        {"title": "a subtitle", "titleType": "Subtitle", "lang": "en"},
        {"title": "Le principal", "titleType": "TranslatedTitle", "lang": "fr"},
        {"title": "Other name", "titleType": "AlternativeTitle", "lang": "en"},
    ])
    field = record["245"]
    assert (field.indicator1, field.indicator2) == ("1", "4")     # a 100 exists; "The "
    assert field["a"] == "The main" and field["b"] == "a subtitle"
    assert [(f.indicator1, f.indicator2, f.get("a")) for f in record.get_fields("246")] == [
        ("3", "1", "Le principal"), ("3", "3", "Other name")]


def test_creators_and_contributors() -> None:
    record = export()
    main = record["100"]
    assert main.indicator1 == "1"
    assert main["a"] == "Smith, Jane"
    assert subfields(main, "0") == ["https://orcid.org/0000-0002-1825-0097"]   # stripped, a URI
    assert subfields(main, "u") == ["Ocean University"]
    assert main["4"] == "cre"                                            # a dataset's creator
    added = [(f.tag, f.indicator1, f.get("a"), f.get("e"), f.get("4")) for f in record.get_fields("700", "710")]
    assert added == [
        ("710", "2", "Deep Sea Consortium", "creator", "cre"),
        ("700", "1", "Editor, Eddie", "editor", "edt"),
        ("700", "1", "Traductrice, Tina", "translator", "trl"),
        ("700", "1", "Curator, Carl", "curator", "cur"),
    ]


def test_text_authors_several_affiliations_and_an_organisation_first() -> None:
    record = export(types={"resourceTypeGeneral": "Text"}, creators=[
        {"name": "Lab of Things", "nameType": "Organizational",
         "nameIdentifiers": [{"nameIdentifier": "04wxnsj81", "nameIdentifierScheme": "ROR"}]},
        {"name": "Doe, J.", "nameType": "Personal",
         "affiliation": [{"name": "Uni A"}, {"name": "Uni B"}],
         "nameIdentifiers": [{"nameIdentifier": "X1", "nameIdentifierScheme": "Local"}]},
    ])
    assert record.get_fields("100") == []
    main = record["110"]
    assert main.indicator1 == "2" and main["0"] == "https://ror.org/04wxnsj81"
    assert main["4"] == "aut" and main["e"] == "author"
    person = record["700"]
    assert person["a"] == "Doe, J." and person["u"] == "Uni A; Uni B"   # $u is not repeatable
    assert person["0"] == "(Local)X1"


def test_identifiers_links_and_publication() -> None:
    record = export(alternateIdentifiers=[
        {"alternateIdentifier": "978-3-16-148410-0", "alternateIdentifierType": "ISBN"},
        {"alternateIdentifier": "2049-3630", "alternateIdentifierType": "ISSN"},
        {"alternateIdentifier": "20.500.12345/1", "alternateIdentifierType": "Handle"},
        {"alternateIdentifier": "A-17", "alternateIdentifierType": "Local accession number"},
    ])
    assert record["020"]["a"] == "978-3-16-148410-0"
    assert record["022"]["a"] == "2049-3630"
    ids = [(f.indicator1, f.get("a"), f.get("2"), f.get("q")) for f in record.get_fields("024")]
    assert ids == [("7", "10.1234/full-2020", "doi", None), ("7", "20.500.12345/1", "hdl", None),
                   ("8", "A-17", None, "Local accession number")]
    assert record["856"]["u"] == "https://doi.org/10.1234/full-2020"
    assert (record["856"].indicator1, record["856"].indicator2) == ("4", "0")
    publication = record["264"]
    assert publication.indicator2 == "1"
    assert publication["b"] == "Marine Data Archive" and publication["c"] == "2020"
    assert record["250"]["a"] == "2.1"


def test_without_doi_the_landing_page_is_the_link() -> None:
    record = export(doi=None)
    assert record.get_fields("024") == [] or all(f.get("2") != "doi" for f in record.get_fields("024"))
    assert record["856"]["u"] == "https://repo.example.org/records/rec-1"


def test_subjects_abstract_rights_funding() -> None:
    record = export(subjects=[
        {"subject": "oceanography"},
        {"subject": "Oceanography", "subjectScheme": "LCSH"},
        {"subject": "Seawater", "subjectScheme": "MeSH"},
        {"subject": "ocean temperature", "subjectScheme": "Wikidata",
         "valueUri": "https://www.wikidata.org/wiki/Q1"},
        {"subject": "Earth sciences", "subjectScheme": "DDC", "classificationCode": "550"},
    ])
    assert [f.get("a") for f in record.get_fields("653")] == ["North Atlantic", "oceanography",
                                                          "Earth sciences"]
    headings = [(f.indicator2, f.get("a"), f.get("2"), f.get("0")) for f in record.get_fields("650")]
    assert headings == [("0", "Oceanography", None, None), ("2", "Seawater", None, None),
                        ("7", "ocean temperature", "Wikidata", "https://www.wikidata.org/wiki/Q1")]
    assert record["082"]["a"] == "550"
    (abstract,) = record.get_fields("520")
    assert abstract.indicator1 == "3" and abstract["a"] == "Temperature profiles below 2000 m."
    assert record["567"]["a"] == "CTD casts from research vessels."
    assert record["540"]["u"] == "https://creativecommons.org/licenses/by/4.0/"
    assert record["540"]["a"] == "Creative Commons Attribution 4.0 International"
    assert record["536"]["a"] == "European Commission: Deep Ocean Observing"
    assert record["536"]["c"] == "654321"


def test_open_access_is_506_not_a_licence() -> None:
    record = export(rightsList=[{"rights": "Open Access",
                                 "rightsUri": "info:eu-repo/semantics/openAccess"}])
    assert record.get_fields("540") == []
    assert record["506"].indicator1 == "0" and record["506"]["2"] == "star"


def test_relations_and_host_item() -> None:
    record = export()
    related = [(f.indicator1, f.indicator2, f.get("i"), f.get("o")) for f in record.get_fields("787")]
    assert related[0] == ("0", "8", "Is part of", "https://doi.org/10.5555/parent-collection")
    assert ("0", "8", "Is derived from", "https://arxiv.org/abs/2001.00001") in related
    host = record["773"]
    assert host["t"] == "Journal of Deep Water" and host["x"] == "1234-5678"
    assert host["g"] == "Vol. 12, no. 3, p. 100-120"


def test_geolocation() -> None:
    record = export()
    box, point = record.get_fields("034")
    assert (box["d"], box["e"], box["f"], box["g"]) == ("W040.000000", "W020.000000",
                                                         "N050.000000", "N040.000000")
    assert (point["d"], point["f"]) == ("W030.250000", "N045.500000")
    assert record.get_fields("255")[0]["c"] == "(W 40°--W 20°/N 50°--N 40°)"


def test_fields_are_in_tag_order_with_added_entries_in_their_own() -> None:
    tags = [f.tag for f in export().fields]
    assert tags == sorted(tags, key=lambda t: "700" if t in ("700", "710") else t)


@pytest.mark.parametrize("name", ["datacite-example-full-v4", "datacite-example-affiliation-v4",
                                  "datacite-example-relateditem1-v4",
                                  "datacite-example-GeoLocation-v4"])
def test_official_examples_read_back(name: str) -> None:
    metadata = example_metadata(EXAMPLES_DIR / f"{name}.xml")
    record = read_back(FORMATS["marc21"].dump(make_record(metadata, id=name), CTX))
    assert record["001"].data == name
    assert record["024"]["a"].lower() == metadata["doi"].lower()
    assert record["245"]["a"] == next(t["title"] for t in metadata["titles"]
                                   if not t.get("titleType"))
    assert record["264"]["c"] == str(metadata["publicationYear"])
    creators = record.get_fields("100", "110") + [
        f for f in record.get_fields("700", "710") if f.get("4") in ("cre", "aut")]
    assert len(creators) == len(metadata["creators"])


def test_relateditem1_is_a_component_part_with_its_host() -> None:
    metadata = example_metadata(EXAMPLES_DIR / "datacite-example-relateditem1-v4.xml")
    record = read_back(FORMATS["marc21"].dump(make_record(metadata), CTX))
    assert str(record.leader)[6:8] == "aa"
    assert record["100"]["4"] == "aut"
    (host,) = record.get_fields("773")
    assert host["t"] == "Journal of Metadata Examples"
    assert host["g"] == "Vol. 3, no. 4, p. 20-35"
    assert record.get_fields("787") == []      # its IsPublishedIn identifier is the host's ISSN


def test_oai_payload_is_the_dumped_record() -> None:
    record = make_record()
    element = FORMATS["marc21"].oai_payload(record, CTX)
    assert validate_xml(element, "marc21") == []
    assert marc21.marc_record(record, CTX)["245"]["a"] == "Deep water temperatures"


def test_record_dates_come_from_the_envelope() -> None:
    created = datetime(2019, 12, 31, 23, 0, tzinfo=UTC)
    marc = marc21.metadata_to_marc({"titles": [{"title": "x"}]}, record_id="x",
                                   created=created, datestamp=created)
    assert marc["008"].data.startswith("191231n")
    assert marc["005"].data == "20191231230000.0"


def test_a_record_too_long_for_iso2709_keeps_zero_lengths() -> None:
    """A field over 9,999 bytes cannot be written as ISO 2709: the lengths stay zero
    (MARCXML has no such limit, and the record is still valid)."""
    long = "x" * 12000
    record = export(descriptions=[{"description": long, "descriptionType": "Abstract"}])
    leader = str(record.leader)
    assert leader[0:5] == "00000" and leader[12:17] == "00000"
    assert record["520"]["a"] == long


def test_without_creators_245_has_no_main_entry() -> None:
    record = export(creators=[])
    assert record.get_fields("100", "110") == []
    assert record["245"].indicator1 == "0"


def test_dates() -> None:
    record = export(dates=[
        {"date": "2018-03-01/2018-04-30", "dateType": "Created"},
        {"date": "2021-02-02", "dateType": "Updated"},
        {"date": "2019-01-01/2019-12-31", "dateType": "Collected", "dateInformation": "cruise 7"},
        {"date": "2020", "dateType": "Copyrighted"},
        {"date": "2020-06-15", "dateType": "Issued"},
        {"date": "2020-07-01", "dateType": "Available", "dateInformation": "after review"},
    ])
    (coded,) = record.get_fields("046")
    assert [(s.code, s.value) for s in coded.subfields] == [
        ("k", "2018-03-01"), ("l", "2018-04-30"), ("j", "2021-02-02"), ("2", "edtf")]
    (collected,) = record.get_fields("518")
    assert (collected["o"], collected["d"], collected["p"]) == (
        "Data collection", "2019-01-01/2019-12-31", "cruise 7")
    assert [(f.indicator2, f["c"]) for f in record.get_fields("264")] == [("1", "2020"), ("4", "©2020")]
    assert [f["a"] for f in record.get_fields("500")] == [
        "Issued: 2020-06-15", "Available: 2020-07-01 (after review)"]


def test_a_polygon_is_an_outer_g_ring() -> None:
    record = export(geoLocations=[{"geoLocationPolygon": [
        {"polygonPoint": {"pointLatitude": 41.991, "pointLongitude": -71.032}},
        {"polygonPoint": {"pointLatitude": 42.893, "pointLongitude": -69.622}},
        {"polygonPoint": {"pointLatitude": 41.991, "pointLongitude": -68.211}},
        {"polygonPoint": {"pointLatitude": 41.991, "pointLongitude": -71.032}},
    ]}])
    (ring,) = record.get_fields("034")
    assert (ring.indicator1, ring.indicator2) == ("0", "0")
    assert ring.get_subfields("s") == ["N041.991000", "N042.893000", "N041.991000", "N041.991000"]
    assert ring.get_subfields("t")[:2] == ["W071.032000", "W069.622000"]
    assert record.get_fields("255") == []


def test_a_journal_is_a_serial_with_unknown_status() -> None:
    record = export(types={"resourceTypeGeneral": "Journal"})
    assert str(record.leader)[7] == "s"
    assert record["008"].data[6:15] == "u2020uuuu"
