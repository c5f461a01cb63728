"""Checking imported DataCite XML against DataCite's own XSD before reading it.

The importer accepts what DataCite's XSD accepts and refuses what it
rejects, with the XSD's own message and line. Every kernel-4.x document is
checked against the kernel-4 schema (``schemas/datacite-kernel-4``, the
current kernel 4.7, as published at schema.datacite.org/meta/kernel-4/):
the 4.x versions only ever added properties and vocabulary values (the
schema's change log; 4.1.1 restored 4.0's free geoLocation order), so a
document valid under its own 4.x schema is valid under 4.7. Kernel 3 has no
local schema and is not checked here (the reader's own checks apply).

The schema files are a copy of ``serializers/schemas/datacite-kernel-4``
(this package may not import the serializers); a test keeps them identical.

Not for: validating what we write (``serializers.xsd``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

__all__ = ["KERNEL4_XSD", "kernel4_errors"]

KERNEL4_XSD = Path(__file__).resolve().parent / "schemas" / "datacite-kernel-4" / "metadata.xsd"

_local = threading.local()  # lxml schemas keep per-validation state: one per thread


def _schema() -> etree.XMLSchema:
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        schema = _local.schema = etree.XMLSchema(etree.parse(str(KERNEL4_XSD), parser))
    return schema


def kernel4_errors(root: etree._Element) -> list[tuple[int, str]]:
    """Every XSD error of a kernel-4 ``<resource>`` as (line, message); ``[]`` if valid."""
    schema = _schema()
    if schema.validate(root):
        return []
    return [(error.line, error.message) for error in schema.error_log]
