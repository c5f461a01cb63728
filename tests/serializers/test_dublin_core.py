"""DataCite -> oai_dc: one row per DataCite property, so a dropped field fails."""

from __future__ import annotations

import pytest
from lxml import etree

from serializers.dublin_core import metadata_to_dc, oai_payload
from serializers.namespaces import DC_NS, XML_LANG
from tests.serializers.samples import CTX, FULL, make_record

ROWS = [
    # (DataCite property, dc element, value expected among that element's values)
    ("identifier (DOI) as URL", "identifier", "https://doi.org/10.1234/full-2020"),
    ("alternateIdentifier", "identifier", "https://archive.example.org/item/77"),
    ("creator (person)", "creator", "Smith, Jane"),
    ("creator (organisation)", "creator", "Deep Sea Consortium"),
    ("contributor", "contributor", "Curator, Carl"),
    ("title", "title", "Deep water temperatures"),
    ("title (Subtitle)", "title", "A decade of profiles"),
    ("title (TranslatedTitle)", "title", "Températures des eaux profondes"),
    ("publisher", "publisher", "Marine Data Archive"),
    ("publicationYear", "date", "2020"),
    ("date Issued", "date", "Issued: 2020-06-15"),
    ("date Collected (range)", "date", "Collected: 2019-01-01/2019-12-31"),
    ("date Created", "date", "Created: 2018-03-01"),
    ("date Updated", "date", "Updated: 2021-02-02"),
    ("resourceTypeGeneral", "type", "Dataset"),
    ("resourceType", "type", "Ocean profiles"),
    ("subject", "subject", "oceanography"),
    ("subject with scheme", "subject", "FOS: Earth sciences"),
    ("description (Abstract)", "description", "Temperature profiles below 2000 m."),
    ("description (Methods)", "description", "CTD casts from research vessels."),
    ("format", "format", "text/csv"),
    ("size", "format", "42 MB"),
    ("language", "language", "en"),
    ("relatedIdentifier DOI", "relation", "https://doi.org/10.5555/parent-collection"),
    ("relatedIdentifier URL", "relation", "https://example.org/cited-paper"),
    ("relatedIdentifier IsDerivedFrom (arXiv)", "source", "https://arxiv.org/abs/2001.00001"),
    ("affiliation", "contributor", "Ocean University"),
    ("funderName", "contributor", "European Commission"),
    ("awardNumber", "relation", "654321"),
    ("awardTitle", "relation", "Deep Ocean Observing"),
    ("relatedItem", "relation", "urn:issn:1234-5678"),
    ("rights", "rights", "Creative Commons Attribution 4.0 International"),
    ("rightsURI", "rights", "https://creativecommons.org/licenses/by/4.0/"),
    ("geoLocationPlace", "coverage", "North Atlantic"),
    ("geoLocationPoint (lon east, lat north)", "coverage", "east=-30.25; north=45.5"),
    ("geoLocationBox", "coverage", "northlimit=50; eastlimit=-20; southlimit=40; westlimit=-40"),
]


@pytest.fixture(scope="module")
def dc() -> etree._Element:
    return oai_payload(make_record(), CTX)


@pytest.mark.parametrize(("prop", "element", "value"), ROWS, ids=[r[0] for r in ROWS])
def test_property_is_carried(dc: etree._Element, prop: str, element: str, value: str) -> None:
    values = [e.text for e in dc.iter(f"{{{DC_NS}}}{element}")]
    assert value in values


def test_publication_year_is_the_first_date() -> None:
    dc = metadata_to_dc(FULL)
    assert dc.findtext(f"{{{DC_NS}}}date") == "2020"


def test_languages_of_titles_are_kept() -> None:
    dc = metadata_to_dc(FULL)
    langs = {e.text: e.get(XML_LANG) for e in dc.iter(f"{{{DC_NS}}}title")}
    assert langs["Températures des eaux profondes"] == "fr"


def test_polygon_becomes_its_bounding_box() -> None:
    points = [(41.991, -71.032), (42.893, -69.622), (41.09, -69.622), (41.991, -71.032)]
    md = dict(FULL, geoLocations=[{"geoLocationPolygon": [
        {"polygonPoint": {"pointLatitude": lat, "pointLongitude": lon}} for lat, lon in points]}])
    coverage = [e.text for e in metadata_to_dc(md).iter(f"{{{DC_NS}}}coverage")]
    assert coverage == ["northlimit=42.893; eastlimit=-69.622; southlimit=41.09; westlimit=-71.032"]


def test_polygon_across_the_antimeridian_gets_the_narrow_box() -> None:
    points = [(10, 170), (10, -170), (20, -170), (20, 170), (10, 170)]
    md = dict(FULL, geoLocations=[{"geoLocationPolygon": [
        {"polygonPoint": {"pointLatitude": lat, "pointLongitude": lon}} for lat, lon in points]}])
    coverage = [e.text for e in metadata_to_dc(md).iter(f"{{{DC_NS}}}coverage")]
    assert coverage == ["northlimit=20; eastlimit=-170; southlimit=10; westlimit=170"]


def test_nothing_empty_is_written() -> None:
    md = {"titles": [{"title": "Only a title"}], "creators": [{"name": " "}], "publisher": {"name": ""}}
    dc = metadata_to_dc(md)
    assert [(etree.QName(e).localname, e.text) for e in dc] == [("title", "Only a title")]


def _dc(**changes: object) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in metadata_to_dc({**FULL, **changes}):
        found.setdefault(etree.QName(element).localname, []).append(element.text or "")
    return found


def test_funding_is_carried() -> None:
    """DataCite Metadata Schema, DC mapping appendix: funderName -> dc:contributor,
    awardNumber / awardTitle -> dc:relation."""
    found = _dc()
    assert "European Commission" in found["contributor"]
    assert {"654321", "Deep Ocean Observing"} <= set(found["relation"])


def test_date_information_classification_code_and_derivation() -> None:
    """DataCite DC mapping: dateInformation -> dc:description, classificationCode ->
    dc:subject, relatedIdentifier IsDerivedFrom -> dc:source."""
    found = _dc(dates=[{"date": "2021-01-26", "dateType": "Updated", "dateInformation": "Updated with 4.4"}],
                subjects=[{"subject": "Geology", "subjectScheme": "DDC", "classificationCode": "551"}])
    assert "Updated with 4.4" in found["description"]
    assert found["subject"] == ["Geology", "551"]
    assert "https://arxiv.org/abs/2001.00001" in found["source"]
    assert "https://arxiv.org/abs/2001.00001" not in found["relation"]


def test_coverage_date_is_coverage() -> None:
    """DCMI: dc:coverage is "the spatial or temporal topic of the resource"; dc:date a date
    of its life cycle. DataCite's mapping puts a Coverage date in dc:coverage."""
    found = _dc(dates=[{"date": "1900/1950", "dateType": "Coverage"}])
    assert "1900/1950" in found["coverage"]
    assert not [d for d in found["date"] if "1900" in d]


def test_no_value_is_repeated() -> None:
    """One rightsURI shared by three language versions, a polygon whose box is the explicit
    box: each value once (simple DC repeats an element only for a different value)."""
    rights = [{"rights": f"CC BY ({lang})", "rightsUri": "https://creativecommons.org/licenses/by/4.0/",
               "lang": lang} for lang in ("en", "es", "zh")]
    corners = [(40, -40), (50, -40), (50, -20), (40, -20), (40, -40)]
    geo = [{"geoLocationBox": {"westBoundLongitude": -40, "eastBoundLongitude": -20,
                               "southBoundLatitude": 40, "northBoundLatitude": 50},
            "geoLocationPolygon": [{"polygonPoint": {"pointLatitude": lat, "pointLongitude": lon}}
                                   for lat, lon in corners]}]
    found = _dc(rightsList=rights, geoLocations=geo)
    assert found["rights"].count("https://creativecommons.org/licenses/by/4.0/") == 1
    assert len(found["rights"]) == 4
    assert found["coverage"] == ["northlimit=50; eastlimit=-20; southlimit=40; westlimit=-40"]


def test_a_wide_polygon_that_does_not_cross_the_antimeridian() -> None:
    """DCMI Box: westlimit > eastlimit means the box crosses 180. A polygon from -100 to 100
    whose edges never jump across 180 is the box over Greenwich, not the Pacific one."""
    points = [(0, -100), (0, 0), (0, 100), (10, 100), (10, -100), (0, -100)]
    md = dict(FULL, geoLocations=[{"geoLocationPolygon": [
        {"polygonPoint": {"pointLatitude": lat, "pointLongitude": lon}} for lat, lon in points]}])
    coverage = [e.text for e in metadata_to_dc(md).iter(f"{{{DC_NS}}}coverage")]
    assert coverage == ["northlimit=10; eastlimit=100; southlimit=0; westlimit=-100"]
    rectangle = [(0, -100), (0, 100), (10, 100), (10, -100), (0, -100)]
    md = dict(FULL, geoLocations=[{"geoLocationPolygon": [
        {"polygonPoint": {"pointLatitude": lat, "pointLongitude": lon}} for lat, lon in rectangle]}])
    coverage = [e.text for e in metadata_to_dc(md).iter(f"{{{DC_NS}}}coverage")]
    assert coverage == ["northlimit=10; eastlimit=100; southlimit=0; westlimit=-100"]
