"""The XML Schemas in ``serializers/schemas/``, compiled once, resolved offline.

``validate_xml(doc, "datacite")`` returns every error message (empty list:
valid). Schemas are compiled on first use and cached per thread (lxml
``XMLSchema`` objects keep per-validation state, so threads do not share
one). Parsing never touches the network: imports and includes point at the
local copies (see ``schemas/SOURCES.md``). The OpenAIRE schemas, kept
unchanged, import W3C's ``xml.xsd`` by its online URLs: a resolver
(:data:`OFFLINE_COPIES`) hands lxml the local copy instead.

Not for: validating whole OAI-PMH responses with their payloads (that needs a
driver schema importing several of these; see the OAI-PMH tests).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

from lxml import etree

__all__ = ["OFFLINE_COPIES", "SCHEMA_DIR", "SCHEMA_FILES", "load_schema", "schema_path",
           "validate_xml"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

#: Short name -> file under ``SCHEMA_DIR``.
SCHEMA_FILES: Mapping[str, str] = MappingProxyType(
    {
        "datacite": "datacite-kernel-4/metadata.xsd",
        "oai_datacite": "oai_datacite-1.1/oai.xsd",
        "oai_dc": "oai_dc.xsd",
        "simpledc": "simpledc20021212.xsd",
        "oai-pmh": "OAI-PMH.xsd",
        "oai-identifier": "oai-identifier.xsd",
        "xml": "xml.xsd",
        "marc21": "MARC21slim.xsd",
        "oai_openaire": "openaire-lit-4/4.0/openaire.xsd",
    }
)

#: Online schema URLs that the unchanged official schemas import -> the local copy.
OFFLINE_COPIES: Mapping[str, str] = MappingProxyType(
    {
        "http://www.w3.org/2001/xml.xsd": "xml.xsd",
        "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
        "http://www.w3.org/2009/01/xml.xsd": "xml.xsd",
    }
)

XmlInput: TypeAlias = bytes | str | etree._Element | etree._ElementTree

_local = threading.local()


class _OfflineResolver(etree.Resolver):
    """Resolve the online URLs of :data:`OFFLINE_COPIES` to the local files."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        local = OFFLINE_COPIES.get(system_url)
        if local is None:
            return None  # lxml goes on (and, with no_network, refuses the network)
        return self.resolve_filename(str(SCHEMA_DIR / local), context)


def schema_path(schema_name: str) -> Path:
    """The file of a schema, by short name (``SCHEMA_FILES``) or path under ``SCHEMA_DIR``."""
    relative = SCHEMA_FILES.get(schema_name, schema_name)
    path = (SCHEMA_DIR / relative).resolve()
    if SCHEMA_DIR not in path.parents or not path.is_file():
        raise KeyError(f"no schema {schema_name!r} (known: {', '.join(SCHEMA_FILES)})")
    return path


def load_schema(schema_name: str) -> etree.XMLSchema:
    """The compiled schema (cached for this thread)."""
    cache: dict[Path, etree.XMLSchema] = getattr(_local, "schemas", None) or {}
    _local.schemas = cache
    path = schema_path(schema_name)
    if path not in cache:
        parser = etree.XMLParser(no_network=True, resolve_entities=False)
        parser.resolvers.add(_OfflineResolver())
        cache[path] = etree.XMLSchema(etree.parse(str(path), parser))
    return cache[path]


def validate_xml(doc: XmlInput, schema_name: str) -> list[str]:
    """Every schema error of ``doc`` as ``"line N: message"``; ``[]`` if valid.

    ``doc`` is serialized XML (bytes or str) or an lxml element/tree. A
    document that is not well-formed gives one message, not an exception.
    """
    schema = load_schema(schema_name)
    if isinstance(doc, (bytes, str)):
        try:
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            tree = etree.fromstring(doc.encode() if isinstance(doc, str) else doc, parser)
        except etree.XMLSyntaxError as exc:
            return [f"line {exc.lineno}: not well-formed: {exc.msg}"]
    else:
        tree = doc
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
