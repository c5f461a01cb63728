"""The DataCite controlled vocabularies, read from the official kernel-4 XSDs.

The lists are parsed at import time from the ``include/datacite-*-v4.xsd``
files shipped in ``serializers/schemas/datacite-kernel-4/`` (kernel 4.7), so
they are exactly the official lists and change only when those files do.
Nothing here is typed by hand.

This module is for looking values up; it does not validate records (see
:mod:`repository_core.metadata.validation`).

The XSD files live in the ``serializers`` package folder: this is a *file*
dependency (resolved relative to this module), not an import, so the rule
"repository_core imports nothing above it" still holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from lxml import etree

__all__ = [
    "KERNEL4_XSD_DIR",
    "VOCABULARY_NAMES",
    "vocabularies",
    "vocabulary",
]

#: Folder holding ``metadata.xsd`` and ``include/`` (kernel-4.7).
KERNEL4_XSD_DIR = (
    Path(__file__).resolve().parents[2] / "serializers" / "schemas" / "datacite-kernel-4"
)

_XS = "{http://www.w3.org/2001/XMLSchema}"

#: Name of each simpleType -> the include file that defines it.
VOCABULARY_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "contributorType": "datacite-contributorType-v4.xsd",
        "dateType": "datacite-dateType-v4.xsd",
        "descriptionType": "datacite-descriptionType-v4.xsd",
        "funderIdentifierType": "datacite-funderIdentifierType-v4.xsd",
        "nameType": "datacite-nameType-v4.xsd",
        "numberType": "datacite-numberType-v4.xsd",
        "relatedIdentifierType": "datacite-relatedIdentifierType-v4.xsd",
        "relationType": "datacite-relationType-v4.xsd",
        "resourceType": "datacite-resourceType-v4.xsd",
        "titleType": "datacite-titleType-v4.xsd",
    }
)


def _read_enumeration(type_name: str, file_name: str) -> tuple[str, ...]:
    path = KERNEL4_XSD_DIR / "include" / file_name
    tree = etree.parse(str(path))
    for simple_type in tree.iter(f"{_XS}simpleType"):
        if simple_type.get("name") == type_name:
            values = tuple(e.get("value") for e in simple_type.iter(f"{_XS}enumeration"))
            if values:
                return values
    raise RuntimeError(f"{path.name}: no enumeration for simpleType {type_name!r}")


@cache
def vocabularies() -> Mapping[str, tuple[str, ...]]:
    """Every controlled list, in the XSD's order: ``{"resourceType": (...), ...}``.

    ``resourceType`` is the list of ``resourceTypeGeneral`` values.
    """
    return MappingProxyType(
        {name: _read_enumeration(name, file) for name, file in VOCABULARY_NAMES.items()}
    )


def vocabulary(name: str) -> tuple[str, ...]:
    """One controlled list by its XSD simpleType name (``KeyError`` if unknown)."""
    return vocabularies()[name]
