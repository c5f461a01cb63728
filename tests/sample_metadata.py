"""Small valid metadata documents for tests of any part."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

MINIMAL: dict[str, Any] = {
    "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Survey data"},
    "creators": [
        {
            "name": "Müller, Anna",
            "nameType": "Personal",
            "givenName": "Anna",
            "familyName": "Müller",
            "nameIdentifiers": [
                {
                    "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                    "nameIdentifierScheme": "ORCID",
                    "schemeUri": "https://orcid.org",
                }
            ],
        }
    ],
    "titles": [{"title": "Ocean temperature profiles 2020"}],
    "publisher": {"name": "Example Data Centre"},
    "publicationYear": "2021",
    "schemaVersion": "http://datacite.org/schema/kernel-4",
}


def minimal(**changes: Any) -> dict[str, Any]:
    document = deepcopy(MINIMAL)
    document.update(changes)
    return document
