"""Records for the serializer and record-page tests.

``FULL`` is one hand-written record that uses every DataCite property the
crosswalks map, each with a value that appears nowhere else, so a table
test can tell which field went where. ``example_metadata(path)`` reads one
of the 31 official DataCite examples with the importer.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

from repository_core.records import Record
from serializers.context import ExportContext
from tests.examples import EXAMPLES, EXAMPLES_DIR, example_metadata  # noqa: F401

CTX = ExportContext(base_url="https://repo.example.org", repository_id="repo.example.org",
                    repository_name="Example Repository", datacentre_symbol="EXAMPLE.REPO")

FULL: dict[str, Any] = {
    "doi": "10.1234/full-2020",
    "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Ocean profiles"},
    "creators": [
        {
            "name": "Smith, Jane", "nameType": "Personal", "givenName": "Jane", "familyName": "Smith",
            "nameIdentifiers": [{"nameIdentifier": " https://orcid.org/0000-0002-1825-0097",
                                 "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}],
            "affiliation": [{"name": "Ocean University", "affiliationIdentifier": "https://ror.org/04wxnsj81",
                             "affiliationIdentifierScheme": "ROR"}],
        },
        {"name": "Deep Sea Consortium", "nameType": "Organizational"},
    ],
    "titles": [
        {"title": "Deep water temperatures", "lang": "en"},
        {"title": "A decade of profiles", "titleType": "Subtitle", "lang": "en"},
        {"title": "Températures des eaux profondes", "titleType": "TranslatedTitle", "lang": "fr"},
    ],
    "publisher": {"name": "Marine Data Archive", "publisherIdentifier": "https://ror.org/03yrm5c26",
                  "publisherIdentifierScheme": "ROR"},
    "publicationYear": "2020",
    "subjects": [{"subject": "oceanography"}, {"subject": "FOS: Earth sciences",
                                               "subjectScheme": "Fields of Science"}],
    "contributors": [
        {"name": "Editor, Eddie", "nameType": "Personal", "givenName": "Eddie", "familyName": "Editor",
         "contributorType": "Editor"},
        {"name": "Traductrice, Tina", "nameType": "Personal", "givenName": "Tina",
         "familyName": "Traductrice", "contributorType": "Translator"},
        {"name": "Curator, Carl", "nameType": "Personal", "givenName": "Carl", "familyName": "Curator",
         "contributorType": "DataCurator"},
    ],
    "dates": [
        {"date": "2020-06-15", "dateType": "Issued"},
        {"date": "2019-01-01/2019-12-31", "dateType": "Collected"},
        {"date": "2018-03-01", "dateType": "Created"},
        {"date": "2021-02-02", "dateType": "Updated"},
    ],
    "language": "en",
    "alternateIdentifiers": [{"alternateIdentifier": "https://archive.example.org/item/77",
                              "alternateIdentifierType": "URL"}],
    "relatedIdentifiers": [
        {"relatedIdentifier": "10.5555/parent-collection", "relatedIdentifierType": "DOI",
         "relationType": "IsPartOf"},
        {"relatedIdentifier": "10.5555/child-part", "relatedIdentifierType": "DOI",
         "relationType": "HasPart"},
        {"relatedIdentifier": "https://example.org/cited-paper", "relatedIdentifierType": "URL",
         "relationType": "References"},
        {"relatedIdentifier": "https://mirror.example.org/same", "relatedIdentifierType": "URL",
         "relationType": "IsIdenticalTo"},
        {"relatedIdentifier": "arXiv:2001.00001", "relatedIdentifierType": "arXiv",
         "relationType": "IsDerivedFrom"},
    ],
    "sizes": ["42 MB"],
    "formats": ["text/csv"],
    "version": "2.1",
    "rightsList": [{"rights": "Creative Commons Attribution 4.0 International",
                    "rightsUri": "https://creativecommons.org/licenses/by/4.0/",
                    "rightsIdentifier": "CC-BY-4.0", "rightsIdentifierScheme": "SPDX"}],
    "descriptions": [
        {"description": "Temperature profiles below 2000 m.", "descriptionType": "Abstract", "lang": "en"},
        {"description": "CTD casts from research vessels.", "descriptionType": "Methods"},
    ],
    "geoLocations": [
        {"geoLocationPlace": "North Atlantic",
         "geoLocationPoint": {"pointLatitude": 45.5, "pointLongitude": -30.25},
         "geoLocationBox": {"westBoundLongitude": -40, "eastBoundLongitude": -20,
                            "southBoundLatitude": 40, "northBoundLatitude": 50}},
    ],
    "fundingReferences": [
        {"funderName": "European Commission", "funderIdentifier": "https://doi.org/10.13039/501100000780",
         "funderIdentifierType": "Crossref Funder ID", "awardNumber": "654321",
         "awardTitle": "Deep Ocean Observing", "awardUri": "https://cordis.europa.eu/project/id/654321"},
    ],
    "relatedItems": [
        {"relationType": "IsPublishedIn", "relatedItemType": "Journal",
         "relatedItemIdentifier": {"relatedItemIdentifier": "1234-5678",
                                   "relatedItemIdentifierType": "ISSN"},
         "titles": [{"title": "Journal of Deep Water"}], "volume": "12", "issue": "3",
         "firstPage": "100", "lastPage": "120"},
    ],
    "schemaVersion": "http://datacite.org/schema/kernel-4",
}

T0 = datetime(2021, 2, 3, 4, 5, 6, tzinfo=UTC)


def make_record(metadata: dict[str, Any] | None = None, *, id: str = "rec-1", revision: int = 1,
                deleted: bool = False, datestamp: datetime = T0, **changes: Any) -> Record:
    md = deepcopy(FULL if metadata is None else metadata)
    md.update(changes)
    return Record(id=id, metadata=md, created=T0, datestamp=datestamp, revision=revision,
                  doi=md.get("doi"), deleted=deleted)


