"""What a kept payload depends on besides its record: the configuration fingerprint.

A payload rendered under one configuration must not be served under another
(a new base URL moves every landing-page link). The fingerprint is a digest of
every field of :class:`~serializers.context.ExportContext` (all that the
serializers read of the configuration) and of the serializers' own source
and lxml's version, so an upgrade that changes what a format writes also
renders every payload again. Computed once per endpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache
from pathlib import Path

from lxml import etree

import serializers
from serializers.context import ExportContext

__all__ = ["fingerprint", "serialize"]


@cache
def _code_digest() -> str:
    digest = hashlib.sha256(etree.__version__.encode())
    root = Path(serializers.__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".jsonld", ".xsl", ".xml"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(export: ExportContext) -> str:
    """The hex digest payloads rendered under ``export`` are kept with."""
    fields = json.dumps(dataclasses.asdict(export), sort_keys=True)
    return hashlib.sha256(f"{fields}\n{_code_digest()}".encode()).hexdigest()


def serialize(element: etree._Element) -> bytes:
    """A payload element as the bytes a page carries (UTF-8, no declaration, no tail)."""
    return etree.tostring(element, encoding="UTF-8", with_tail=False)
