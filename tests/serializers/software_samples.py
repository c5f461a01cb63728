"""Software records for the CodeMeta and Citation File Format tests.

``SOFTWARE`` is a hand-written record with everything the software formats
map (ORCID, ROR affiliation, an SPDX licence, a GitHub release URL, a
version, a full release date, a contact person, funding); the variants
below change one thing each; ``MINIMAL`` has only what DataCite requires.
``software_records()`` adds the official affiliation example (the one
Software record among DataCite's 31) and the Software records of a seeded
synthetic collection.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from fixtures.synthetic import generate
from repository_core.records import Record
from tests.serializers.samples import EXAMPLES, example_metadata, make_record

SOFTWARE: dict[str, Any] = {  # valid: the HTTP tests store it through the service
    "doi": "10.5281/zenodo.1234567",
    "types": {"resourceTypeGeneral": "Software", "resourceType": "Python package"},
    "creators": [
        {"name": "Druskat, Stephan", "nameType": "Personal", "givenName": "Stephan",
         "familyName": "Druskat",
         "nameIdentifiers": [{"nameIdentifier": "https://orcid.org/0000-0003-4925-7248",
                              "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}],
         "affiliation": [{"name": "German Aerospace Center", "affiliationIdentifier":
                          "https://ror.org/04bwf3e34", "affiliationIdentifierScheme": "ROR"},
                         {"name": "Friedrich Schiller University Jena"}]},
        {"name": "Research Software Team", "nameType": "Organizational"},
    ],
    "titles": [{"title": "tidewater: tidal analysis tools", "lang": "en"},
               {"title": "A toolkit", "titleType": "Subtitle"}],
    "publisher": {"name": "Zenodo"},
    "publicationYear": "2023",
    "subjects": [{"subject": "oceanography"}, {"subject": "tides"}],
    "contributors": [
        {"name": "Maintainer, Mia", "nameType": "Personal", "givenName": "Mia",
         "familyName": "Maintainer", "contributorType": "ContactPerson",
         "nameIdentifiers": [{"nameIdentifier": "0000-0002-1825-0097",
                              "nameIdentifierScheme": "ORCID"}]},
        {"name": "Sponsor Foundation", "nameType": "Organizational", "contributorType": "Sponsor"},
    ],
    "dates": [{"date": "2023-05-17", "dateType": "Issued"},
              {"date": "2021-01-10", "dateType": "Created"},
              {"date": "2023-06-01T10:00:00Z", "dateType": "Updated"}],
    "language": "en",
    "alternateIdentifiers": [
        {"alternateIdentifier": "swh:1:rel:22ece559cc7cc2364edc5e5593d63ae8bd229f9f",
         "alternateIdentifierType": "SWHID"},
        {"alternateIdentifier": "TW-2023-17", "alternateIdentifierType": "Local accession number"},
    ],
    "relatedIdentifiers": [
        {"relatedIdentifier": "https://github.com/example-org/tidewater/tree/v2.1.0",
         "relatedIdentifierType": "URL", "relationType": "IsSupplementTo"},
        {"relatedIdentifier": "10.5281/zenodo.1234000", "relatedIdentifierType": "DOI",
         "relationType": "IsVersionOf"},
        {"relatedIdentifier": "10.21105/joss.01234", "relatedIdentifierType": "DOI",
         "relationType": "IsDescribedBy"},
        {"relatedIdentifier": "https://pypi.org/project/numpy/", "relatedIdentifierType": "URL",
         "relationType": "Requires"},
        {"relatedIdentifier": "10.5281/zenodo.999", "relatedIdentifierType": "DOI",
         "relationType": "IsPartOf"},
    ],
    "sizes": ["2.5 MB", "120 files"],
    "formats": ["text/x-python", "Python source"],
    "version": "2.1.0",
    "rightsList": [
        {"rights": "MIT License", "rightsUri": "https://opensource.org/licenses/MIT",
         "rightsIdentifier": "MIT", "rightsIdentifierScheme": "SPDX",
         "schemeUri": "https://spdx.org/licenses/"},
        {"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"},
    ],
    "descriptions": [
        {"description": "Outils d'analyse des marées.", "descriptionType": "Abstract", "lang": "fr"},
        {"description": "Tools for tidal analysis.", "descriptionType": "Abstract", "lang": "en"},
        {"description": "Requires Python 3.11.", "descriptionType": "TechnicalInfo"},
    ],
    "fundingReferences": [
        {"funderName": "Deutsche Forschungsgemeinschaft", "funderIdentifier":
         "https://doi.org/10.13039/501100001659",
         "funderIdentifierType": "Crossref Funder ID", "awardNumber": "442146713",
         "awardTitle": "Research software sustainability"},
    ],
}


def variant(**changes: Any) -> dict[str, Any]:
    metadata = deepcopy(SOFTWARE)
    metadata.update(changes)
    return metadata


MINIMAL: dict[str, Any] = {
    "types": {"resourceTypeGeneral": "Software"},
    "creators": [{"name": "Doe, Jane"}],
    "titles": [{"title": "plotkit"}],
    "publisher": {"name": "Example Repository"},
    "publicationYear": "2024",
}

VARIANTS: dict[str, dict[str, Any]] = {
    "full": SOFTWARE,
    "minimal": MINIMAL,
    "minimal-personal": {**MINIMAL, "creators": [{"name": "Doe, Jane", "nameType": "Personal"}]},
    # a licence outside SPDX (a URL only), a self-hosted GitLab, an organisation as author
    "custom-licence-gitlab": variant(
        rightsList=[{"rights": "Institute licence", "rightsUri": "https://example.org/licence"}],
        relatedIdentifiers=[{"relatedIdentifier": "https://gitlab.example.org/lab/tool",
                             "relatedIdentifierType": "URL", "relationType": "IsDerivedFrom"}],
        creators=[{"name": "Lab of Tides", "nameType": "Organizational",
                   "nameIdentifiers": [{"nameIdentifier": "https://ror.org/04bwf3e34",
                                        "nameIdentifierScheme": "ROR"}]}]),
    # two SPDX licences, one written lower-case, one given by its SPDX URL only;
    # a documentation site supplemented is not a code repository
    "two-licences-docs-site": variant(
        rightsList=[{"rights": "Apache 2", "rightsIdentifier": "apache-2.0",
                     "rightsIdentifierScheme": "SPDX"},
                    {"rights": "GPL", "rightsUri": "https://spdx.org/licenses/GPL-3.0-or-later.html"}],
        relatedIdentifiers=[{"relatedIdentifier": "https://docs.example.org/tool",
                             "relatedIdentifierType": "URL", "relationType": "IsSupplementTo"}]),
    # a DOI CFF's DOI pattern refuses, a year-only release, no version
    "odd-doi-year-only": {**variant(doi="10.1234/tool#2", dates=[]), "version": None},
}


def software_records() -> list[Record]:
    """The hand-written variants, the official affiliation example and synthetic Software records."""
    records = [make_record(md, id=f"sw-{name}") for name, md in VARIANTS.items()]
    [affiliation] = [p for p in EXAMPLES if p.stem == "datacite-example-affiliation-v4"]
    records.append(make_record(example_metadata(affiliation), id=affiliation.stem))
    for index, item in enumerate(generate(250, seed=14)):
        if item["metadata"]["types"]["resourceTypeGeneral"] == "Software":
            records.append(make_record(item["metadata"], id=f"synthetic-{index}"))
    return records


SOFTWARE_RECORDS = software_records()
