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
    ("relatedIdentifier arXiv", "relation", "https://arxiv.org/abs/2001.00001"),
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
