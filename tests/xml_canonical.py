"""What "DataCite XML out is equivalent to what came in" means, as one function.

``canonical(element)`` forgets what the importer normalises on purpose:
whitespace (squished as DataCite's readers do), numbers (compared as the
XSD's decimals: ``69.000000`` = ``69.0``), tokens (``publicationYear``,
``language``), ``xsi:schemaLocation`` (the kernel-4.x version becomes 4.7),
and the child order where the XSD leaves it free. ``drop`` names attributes
the importer drops with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from lxml import etree

from serializers.namespaces import XSI

__all__ = ["NUMERIC", "ORDER_FREE", "TOKEN", "canonical", "squish"]

# Where the XSD leaves child order free (xs:all, or a repeated xs:choice).
ORDER_FREE = {"resource", "fundingReference", "geoLocation", "geoLocationPoint", "polygonPoint",
              "inPolygonPoint", "geoLocationBox"}
NUMERIC = {"pointLongitude", "pointLatitude", "westBoundLongitude", "eastBoundLongitude",
           "southBoundLatitude", "northBoundLatitude"}
TOKEN = {"publicationYear", "language", "identifier"}


def squish(text: str) -> str:
    """Whitespace as DataCite's readers normalise it (runs -> one space, ends stripped)."""
    text = re.sub(r"[ \t\r\n]+", " ", text)
    return re.sub(" ?\u2028 ?", "\u2028", text).strip(" ")


def canonical(el: etree._Element, drop: Collection[tuple[str, str]] = ()) -> Any:
    """``drop``: (element local name, attribute) pairs to leave out."""
    name = etree.QName(el).localname
    attrs = tuple(sorted((k, squish(v)) for k, v in el.attrib.items() if k != XSI and (name, k) not in drop))
    children = [c for c in el if isinstance(c.tag, str)]
    if name == "description":  # mixed content: text and <br/> in order
        parts: list[Any] = [el.text or ""]
        for c in el:
            if isinstance(c.tag, str):
                parts.append("\u2028")
            parts.append(c.tail or "")
        return (name, attrs, squish("".join(parts)))
    text = (el.text or "") if not children else ""
    value: Any
    if name in NUMERIC:
        value = float(text)
    elif name in TOKEN:
        value = text.strip()
    else:
        value = squish(text)
    kids = [canonical(c, drop) for c in children]
    if name in ORDER_FREE:
        kids.sort(key=repr)
    return (name, attrs, value, tuple(kids))
