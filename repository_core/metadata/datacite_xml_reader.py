"""Reading DataCite XML (kernel 4.0-4.7, and kernel 3) into the JSON model.

The reader is *lossless and strict*: every element, attribute and text of a
kernel-4 document is mapped into the metadata dict, and anything it does not
know -- an element, non-blank text inside a wrapper, a second
``<publisher>`` -- raises :class:`UnreadableInput` naming it and its line.
Nothing is dropped silently. The one exception: an attribute the schema does
not define, on an element the XSD leaves open (``affiliation`` is declared
with ``xsi:type``, so the official XSD accepts any attribute there, and
DataCite's services ignore them), is dropped when the caller passes a
``warnings`` list, with a warning naming the file, line and attribute;
without that list it raises.

Mapping decisions (the rest is the identity of names, with ``xml:lang`` ->
``lang`` and ``*URI`` attributes -> ``*Uri`` keys, as in the package schema):

* ``<identifier identifierType="DOI">`` -> ``doi`` (whitespace stripped). An
  identifier of another type becomes the first ``alternateIdentifiers`` entry.
* Text is kept as written, except where the XSD type is a token
  (``publicationYear``, ``language``) or a number (coordinates, which become
  JSON numbers), and except for whitespace: a description's runs of
  whitespace (newlines included: in XML they are formatting) become one
  space, as DataCite's readers do; every other text is normalised by
  :func:`.importing.normalize_whitespace` (the importer calls it). An element
  that is present but empty yields ``""``, so it is written back.
* ``<br/>`` inside a description becomes U+2028 LINE SEPARATOR, which the
  writer turns back into ``<br/>``. (A literal newline is XML formatting and
  stays a newline; crosswalks may render U+2028 as a line break.)
* A ``geoLocation`` holds at most one place, point, box and polygon each (the
  JSON shape has one slot for each); more than one of a kind raises.
* Kernel 3 (``http://datacite.org/schema/kernel-3``) is read too: its
  ``geoLocationPoint``/``geoLocationBox`` are whitespace-separated
  "lat long" texts and become the kernel-4 objects. Kernel 2.x raises.

Not for: writing XML (``serializers.datacite_xml``), detecting the input
format (:mod:`.importing`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, TypeAlias

from lxml import etree

from ..errors import UnreadableInput
from .schema import SCHEMA_VERSION

__all__ = ["KERNEL3_NS", "KERNEL4_NS", "LINE_BREAK", "is_datacite_root", "xml_to_metadata"]

KERNEL4_NS = "http://datacite.org/schema/kernel-4"
KERNEL3_NS = "http://datacite.org/schema/kernel-3"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XSI_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"

#: What ``<br/>`` inside a description becomes in the JSON model.
LINE_BREAK = "\u2028"

_Element: TypeAlias = etree._Element


def is_datacite_root(root: _Element) -> bool:
    """True if ``root`` is a DataCite ``<resource>`` of any kernel version."""
    qname = etree.QName(root)
    return qname.localname == "resource" and (qname.namespace or "").startswith(
        "http://datacite.org/schema/kernel-"
    )


def xml_to_metadata(
    root: _Element, *, source: str = "<input>", warnings: list[str] | None = None
) -> dict[str, Any]:
    """The metadata dict of a DataCite ``<resource>`` element (raises UnreadableInput).

    With ``warnings``, attributes the schema does not define are dropped and
    reported there (``"file:line: ..."``); without it they raise.
    """
    return _Reader(root, source, warnings).read()


class _Reader:
    def __init__(self, root: _Element, source: str, warnings: list[str] | None = None):
        self.root, self.source, self.warnings = root, source, warnings
        ns = etree.QName(root).namespace or ""
        if ns not in (KERNEL4_NS, KERNEL3_NS) or etree.QName(root).localname != "resource":
            raise self.error(root, f"not a DataCite kernel-3/4 <resource> (namespace {ns!r})")
        self.ns = ns
        self.kernel3 = ns == KERNEL3_NS

    # -- plumbing ------------------------------------------------------------------------------

    def error(self, el: _Element, message: str) -> UnreadableInput:
        return UnreadableInput(message, source=self.source, line=el.sourceline)

    def name(self, el: _Element) -> str:
        qname = etree.QName(el)
        if qname.namespace != self.ns:
            raise self.error(el, f"unknown element <{el.tag}> (not in {self.ns})")
        return qname.localname

    def children(self, el: _Element, allowed: tuple[str, ...]) -> list[tuple[str, _Element]]:
        """Element children (comments/PIs skipped); blank text only; names in ``allowed``."""
        if el.text and el.text.strip():
            raise self.error(el, f"unexpected text {el.text.strip()[:40]!r} in <{self.name(el)}>")
        result = []
        for child in el:
            if child.tail and child.tail.strip():
                raise self.error(child, f"unexpected text {child.tail.strip()[:40]!r} in <{self.name(el)}>")
            if not isinstance(child.tag, str):
                self.not_entity(child)
                continue  # comment or processing instruction
            name = self.name(child)
            if name not in allowed:
                raise self.error(child, f"unknown element <{name}> in <{self.name(el)}>")
            result.append((name, child))
        return result

    def single_children(self, el: _Element, allowed: tuple[str, ...]) -> dict[str, _Element]:
        found: dict[str, _Element] = {}
        for name, child in self.children(el, allowed):
            if name in found:
                raise self.error(child, f"<{name}> appears more than once in <{self.name(el)}>")
            found[name] = child
        return found

    def attributes(self, el: _Element, mapping: dict[str, str], required: tuple[str, ...] = ()) -> dict[str, str]:
        """Attributes renamed by ``mapping`` (XML name -> JSON key); unknown ones raise."""
        result: dict[str, str] = {}
        for attr, value in el.attrib.items():
            key = "xml:lang" if attr == _XML_LANG else attr
            if key not in mapping:
                if self.warnings is None:
                    raise self.error(el, f"unknown attribute {key!r} on <{self.name(el)}>")
                self.warnings.append(
                    f"{self.source}:{el.sourceline}: attribute {key!r} on <{self.name(el)}> is not "
                    "in the DataCite schema; dropped"
                )
                continue
            result[mapping[key]] = value
        for attr in required:
            if attr not in el.attrib:
                raise self.error(el, f"<{self.name(el)}> lacks the required attribute {attr!r}")
        return result

    def text(self, el: _Element) -> str:
        """All text of a simple element (comments skipped); child elements raise."""
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                raise self.error(child, f"unknown element <{self.name(child)}> in <{self.name(el)}>")
            self.not_entity(child)
            parts.append(child.tail or "")
        return "".join(parts)

    def not_entity(self, node: _Element) -> None:
        """Entity references are left unexpanded by the parser (no XXE); refuse them."""
        if isinstance(node, etree._Entity):
            raise self.error(node, f"entity reference {node.text} is not supported")

    def simple(self, el: _Element) -> str:
        self.attributes(el, {})
        return self.text(el)

    def number(self, el: _Element) -> int | float:
        self.attributes(el, {})
        raw = self.text(el).strip()
        try:
            value: int | float = int(raw) if re.fullmatch(r"[+-]?\d+", raw) else float(raw)
        except ValueError:
            raise self.error(el, f"<{self.name(el)}> is not a number: {raw!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(el, f"<{self.name(el)}> is not a finite number: {raw!r}")
        return value

    def each(self, el: _Element, child: str, read: Callable[[_Element], Any]) -> list[Any]:
        self.attributes(el, {})
        return [read(c) for _, c in self.children(el, (child,))]

    # -- the resource ----------------------------------------------------------------------------

    TOP = (
        "identifier", "creators", "titles", "publisher", "publicationYear", "resourceType",
        "subjects", "contributors", "dates", "language", "alternateIdentifiers",
        "relatedIdentifiers", "sizes", "formats", "version", "rightsList", "descriptions",
        "geoLocations", "fundingReferences", "relatedItems",
    )

    def read(self) -> dict[str, Any]:
        root = self.root
        self.attributes(root, {"{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": "_"})
        parts = self.single_children(root, self.TOP)
        md: dict[str, Any] = {}
        alternate_from_identifier: dict[str, str] | None = None
        if (el := parts.get("identifier")) is not None:
            attrs = self.attributes(el, {"identifierType": "type"}, ("identifierType",))
            value = self.text(el).strip()
            if attrs["type"].strip().upper() == "DOI":
                md["doi"] = value
            else:
                alternate_from_identifier = {
                    "alternateIdentifier": value,
                    "alternateIdentifierType": attrs["type"],
                }
        if (el := parts.get("creators")) is not None:
            md["creators"] = self.each(el, "creator", lambda c: self.person(c, "creatorName", full=True))
        if (el := parts.get("titles")) is not None:
            md["titles"] = self.each(el, "title", self.title)
        if (el := parts.get("publisher")) is not None:
            attrs = self.attributes(el, {
                "publisherIdentifier": "publisherIdentifier",
                "publisherIdentifierScheme": "publisherIdentifierScheme",
                "schemeURI": "schemeUri",
                "xml:lang": "lang",
            })
            md["publisher"] = {"name": self.text(el), **attrs}
        if (el := parts.get("publicationYear")) is not None:
            md["publicationYear"] = self.simple(el).strip()
        if (el := parts.get("resourceType")) is not None:
            attrs = self.attributes(el, {"resourceTypeGeneral": "resourceTypeGeneral"}, ("resourceTypeGeneral",))
            md["types"] = {"resourceTypeGeneral": attrs["resourceTypeGeneral"], "resourceType": self.text(el)}
        if (el := parts.get("subjects")) is not None:
            md["subjects"] = self.each(el, "subject", self.subject)
        if (el := parts.get("contributors")) is not None:
            md["contributors"] = self.each(el, "contributor", lambda c: self.person(c, "contributorName", full=True))
        if (el := parts.get("dates")) is not None:
            md["dates"] = self.each(el, "date", self.date)
        if (el := parts.get("language")) is not None:
            md["language"] = self.simple(el).strip()
        alternates = []
        if (el := parts.get("alternateIdentifiers")) is not None:
            alternates = self.each(el, "alternateIdentifier", self.alternate_identifier)
        if alternate_from_identifier is not None:
            alternates.insert(0, alternate_from_identifier)
        if el is not None or alternate_from_identifier is not None:
            md["alternateIdentifiers"] = alternates
        if (el := parts.get("relatedIdentifiers")) is not None:
            md["relatedIdentifiers"] = self.each(el, "relatedIdentifier", self.related_identifier)
        if (el := parts.get("sizes")) is not None:
            md["sizes"] = self.each(el, "size", self.simple)
        if (el := parts.get("formats")) is not None:
            md["formats"] = self.each(el, "format", self.simple)
        if (el := parts.get("version")) is not None:
            md["version"] = self.simple(el)
        if (el := parts.get("rightsList")) is not None:
            md["rightsList"] = self.each(el, "rights", self.rights)
        if (el := parts.get("descriptions")) is not None:
            md["descriptions"] = self.each(el, "description", self.description)
        if (el := parts.get("geoLocations")) is not None:
            md["geoLocations"] = self.each(el, "geoLocation", self.geo_location)
        if (el := parts.get("fundingReferences")) is not None:
            md["fundingReferences"] = self.each(el, "fundingReference", self.funding_reference)
        if (el := parts.get("relatedItems")) is not None:
            md["relatedItems"] = self.each(el, "relatedItem", self.related_item)
        md["schemaVersion"] = SCHEMA_VERSION
        return md

    # -- parts -------------------------------------------------------------------------------------

    def person(self, el: _Element, name_tag: str, *, full: bool) -> dict[str, Any]:
        """A creator or contributor; ``full=False`` for related items (name parts only)."""
        attrs = self.attributes(el, {"contributorType": "contributorType"} if name_tag == "contributorName" else {})
        allowed: tuple[str, ...] = (name_tag, "givenName", "familyName")
        if full:
            allowed += ("nameIdentifier", "affiliation")
        person: dict[str, Any] = {}
        identifiers, affiliations = [], []
        seen: set[str] = set()
        for name, child in self.children(el, allowed):
            if name in seen and name in (name_tag, "givenName", "familyName"):
                raise self.error(child, f"<{name}> appears more than once")
            seen.add(name)
            if name == name_tag:
                name_attrs = self.attributes(child, {"nameType": "nameType", "xml:lang": "lang"})
                person["name"] = self.text(child)
                if "nameType" in name_attrs:
                    person["nameType"] = name_attrs["nameType"]
                if "lang" in name_attrs:
                    person["lang"] = name_attrs["lang"]
            elif name in ("givenName", "familyName"):
                person[name] = self.simple(child)
            elif name == "nameIdentifier":
                a = self.attributes(
                    child, {"nameIdentifierScheme": "nameIdentifierScheme", "schemeURI": "schemeUri"},
                    ("nameIdentifierScheme",),
                )
                identifiers.append({"nameIdentifier": self.text(child), **a})
            else:
                a = self.attributes(child, {
                    "affiliationIdentifier": "affiliationIdentifier",
                    "affiliationIdentifierScheme": "affiliationIdentifierScheme",
                    "schemeURI": "schemeUri",
                })
                affiliations.append({"name": self.text(child), **a})
        if name_tag not in seen:
            raise self.error(el, f"<{self.name(el)}> lacks <{name_tag}>")
        ordered: dict[str, Any] = {
            k: person[k] for k in ("name", "nameType", "givenName", "familyName", "lang") if k in person
        }
        if identifiers:
            ordered["nameIdentifiers"] = identifiers
        if affiliations:
            ordered["affiliation"] = affiliations
        if "contributorType" in attrs:
            ordered["contributorType"] = attrs["contributorType"]
        return ordered

    def title(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {"titleType": "titleType", "xml:lang": "lang"})
        return {"title": self.text(el), **attrs}

    def subject(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {
            "subjectScheme": "subjectScheme", "schemeURI": "schemeUri", "valueURI": "valueUri",
            "classificationCode": "classificationCode", "xml:lang": "lang",
        })
        return {"subject": self.text(el), **attrs}

    def date(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {"dateType": "dateType", "dateInformation": "dateInformation"}, ("dateType",))
        return {"date": self.text(el), **attrs}

    def alternate_identifier(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {"alternateIdentifierType": "alternateIdentifierType"}, ("alternateIdentifierType",))
        return {"alternateIdentifier": self.text(el), **attrs}

    def related_identifier(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {
            "relatedIdentifierType": "relatedIdentifierType", "relationType": "relationType",
            "relationTypeInformation": "relationTypeInformation",
            "resourceTypeGeneral": "resourceTypeGeneral",
            "relatedMetadataScheme": "relatedMetadataScheme", "schemeURI": "schemeUri",
            "schemeType": "schemeType",
        }, ("relatedIdentifierType", "relationType"))
        return {"relatedIdentifier": self.text(el), **attrs}

    def rights(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {
            "rightsURI": "rightsUri", "rightsIdentifier": "rightsIdentifier",
            "rightsIdentifierScheme": "rightsIdentifierScheme", "schemeURI": "schemeUri",
            "xml:lang": "lang",
        })
        return {"rights": self.text(el), **attrs}

    def description(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {"descriptionType": "descriptionType", "xml:lang": "lang"}, ("descriptionType",))
        parts = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str):
                if self.name(child) != "br":
                    raise self.error(child, f"unknown element <{self.name(child)}> in <description>")
                self.attributes(child, {})
                if len(child) or (child.text or ""):
                    raise self.error(child, "<br> must be empty")
                parts.append(LINE_BREAK)
            else:
                self.not_entity(child)
            parts.append(child.tail or "")
        text = re.sub(r"[ \t\r\n]+", " ", "".join(parts))
        text = re.sub(f" ?{LINE_BREAK} ?", LINE_BREAK, text).strip(" ")
        return {"description": text, **attrs}

    def point(self, el: _Element) -> dict[str, Any]:
        self.attributes(el, {})
        if self.kernel3:  # "lat long"
            values = self._floats(el, 2)
            return {"pointLongitude": values[1], "pointLatitude": values[0]}
        parts = self.single_children(el, ("pointLongitude", "pointLatitude"))
        for required in ("pointLongitude", "pointLatitude"):
            if required not in parts:
                raise self.error(el, f"<{self.name(el)}> lacks <{required}>")
        return {k: self.number(parts[k]) for k in ("pointLongitude", "pointLatitude")}

    def _floats(self, el: _Element, count: int) -> list[int | float]:
        raw = self.text(el).split()
        try:
            values = [int(v) if re.fullmatch(r"[+-]?\d+", v) else float(v) for v in raw]
        except ValueError:
            values = []
        if len(values) != count or not all(math.isfinite(v) for v in values):
            raise self.error(el, f"<{self.name(el)}> needs {count} numbers, got {' '.join(raw)!r}")
        return values

    BOX = ("westBoundLongitude", "eastBoundLongitude", "southBoundLatitude", "northBoundLatitude")

    def box(self, el: _Element) -> dict[str, Any]:
        self.attributes(el, {})
        if self.kernel3:  # "south west north east"
            s, w, n, e = self._floats(el, 4)
            return {"westBoundLongitude": w, "eastBoundLongitude": e, "southBoundLatitude": s, "northBoundLatitude": n}
        parts = self.single_children(el, self.BOX)
        for required in self.BOX:
            if required not in parts:
                raise self.error(el, f"<geoLocationBox> lacks <{required}>")
        return {k: self.number(parts[k]) for k in self.BOX}

    def geo_location(self, el: _Element) -> dict[str, Any]:
        self.attributes(el, {})
        parts = self.single_children(
            el, ("geoLocationPlace", "geoLocationPoint", "geoLocationBox", "geoLocationPolygon")
        )
        location: dict[str, Any] = {}
        if "geoLocationPlace" in parts:
            location["geoLocationPlace"] = self.simple(parts["geoLocationPlace"])
        if "geoLocationPoint" in parts:
            location["geoLocationPoint"] = self.point(parts["geoLocationPoint"])
        if "geoLocationBox" in parts:
            location["geoLocationBox"] = self.box(parts["geoLocationBox"])
        if "geoLocationPolygon" in parts:
            polygon = parts["geoLocationPolygon"]
            self.attributes(polygon, {})
            location["geoLocationPolygon"] = [
                {name: self.point(child)}
                for name, child in self.children(polygon, ("polygonPoint", "inPolygonPoint"))
            ]
        return location

    def funding_reference(self, el: _Element) -> dict[str, Any]:
        self.attributes(el, {})
        parts = self.single_children(el, ("funderName", "funderIdentifier", "awardNumber", "awardTitle"))
        if "funderName" not in parts:
            raise self.error(el, "<fundingReference> lacks <funderName>")
        ref: dict[str, Any] = {"funderName": self.simple(parts["funderName"])}
        if (child := parts.get("funderIdentifier")) is not None:
            a = self.attributes(child, {"funderIdentifierType": "funderIdentifierType", "schemeURI": "schemeUri"})
            ref["funderIdentifier"] = self.text(child)
            ref.update(a)
        if (child := parts.get("awardNumber")) is not None:
            a = self.attributes(child, {"awardURI": "awardUri"})
            ref["awardNumber"] = self.text(child)
            ref.update(a)
        if (child := parts.get("awardTitle")) is not None:
            ref["awardTitle"] = self.simple(child)
        return ref

    ITEM = (
        "relatedItemIdentifier", "creators", "titles", "publicationYear", "volume", "issue",
        "number", "firstPage", "lastPage", "publisher", "edition", "contributors",
    )

    def related_item(self, el: _Element) -> dict[str, Any]:
        attrs = self.attributes(el, {
            "relatedItemType": "relatedItemType", "relationType": "relationType",
            "relationTypeInformation": "relationTypeInformation",
        }, ("relatedItemType", "relationType"))
        parts = self.single_children(el, self.ITEM)
        item: dict[str, Any] = dict(attrs)
        if (child := parts.get("relatedItemIdentifier")) is not None:
            a = self.attributes(child, {
                "relatedItemIdentifierType": "relatedItemIdentifierType",
                "relatedMetadataScheme": "relatedMetadataScheme", "schemeURI": "schemeUri",
                "schemeType": "schemeType",
            })
            ident = {"relatedItemIdentifier": self.text(child)}
            if "relatedItemIdentifierType" in a:
                ident["relatedItemIdentifierType"] = a.pop("relatedItemIdentifierType")
            item["relatedItemIdentifier"] = ident
            item.update(a)  # package shape: scheme attributes sit on the item
        if (child := parts.get("creators")) is not None:
            item["creators"] = self.each(child, "creator", lambda c: self.person(c, "creatorName", full=False))
        if (child := parts.get("titles")) is not None:
            item["titles"] = self.each(child, "title", self.title)
        if (child := parts.get("publicationYear")) is not None:
            item["publicationYear"] = self.simple(child).strip()
        for key in ("volume", "issue"):
            if (child := parts.get(key)) is not None:
                item[key] = self.simple(child)
        if (child := parts.get("number")) is not None:
            a = self.attributes(child, {"numberType": "numberType"})
            item["number"] = self.text(child)
            item.update(a)
        for key in ("firstPage", "lastPage", "publisher", "edition"):
            if (child := parts.get(key)) is not None:
                item[key] = self.simple(child)
        if (child := parts.get("contributors")) is not None:
            item["contributors"] = self.each(
                child, "contributor", lambda c: self.person(c, "contributorName", full=False)
            )
        return item
