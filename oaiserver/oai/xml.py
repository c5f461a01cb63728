"""Rendering a :class:`~.verbs.Reply` as an OAI-PMH XML document, with lxml.

Namespaces, ``xsi:schemaLocation`` and element order follow OAI-PMH.xsd;
an optional ``<?xml-stylesheet?>`` lets browsers show the pages. Nothing
here decides what to answer: that is :mod:`.verbs`.
"""

from __future__ import annotations

import re

from lxml import etree

from repository_core.records import Provenance

from .dates import format_datestamp
from .namespaces import (
    COMPRESSIONS,
    DC_NS,
    GRANULARITY,
    OAI_DC_NS,
    OAI_DC_SCHEMA,
    OAI_IDENTIFIER_NS,
    OAI_IDENTIFIER_SCHEMA,
    OAI_NS,
    OAI_SCHEMA,
    PROTOCOL_VERSION,
    PROVENANCE_NS,
    PROVENANCE_SCHEMA,
    XSI_NS,
)
from .verbs import Header, IdentifyBody, MetadataFormatItem, RecordItem, Reply, Resumption, SetItem

__all__ = ["render"]

_SCHEMA_LOCATION = f"{{{XSI_NS}}}schemaLocation"
#: repositoryIdentifierType of oai-identifier.xsd: when the configured id does
#: not match, the oai-identifier description is left out rather than be invalid.
_REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")


def _sub(parent: etree._Element, tag: str, text: str | None = None, ns: str = OAI_NS,
         **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def render(reply: Reply, *, base_url: str, stylesheet: str | None = None) -> bytes:
    """The UTF-8 bytes of the response document."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(_SCHEMA_LOCATION, f"{OAI_NS} {OAI_SCHEMA}")
    if stylesheet:
        root.addprevious(etree.ProcessingInstruction(
            "xml-stylesheet", f'type="text/xsl" href="{stylesheet}"'
        ))
    _sub(root, "responseDate", format_datestamp(reply.response_date))
    request = _sub(root, "request", base_url)
    for key, value in reply.request:
        request.set(key, value)

    if reply.errors:
        for error in reply.errors:
            _sub(root, "error", error.message, code=error.code)
    else:
        assert reply.verb is not None
        body = _sub(root, reply.verb)
        if reply.identify is not None:
            _identify(body, reply.identify)
        for item in reply.items:
            if isinstance(item, RecordItem):
                _record(body, item)
            elif isinstance(item, Header):
                _header(body, item)
            elif isinstance(item, MetadataFormatItem):
                fmt = _sub(body, "metadataFormat")
                _sub(fmt, "metadataPrefix", item.prefix)
                _sub(fmt, "schema", item.schema)
                _sub(fmt, "metadataNamespace", item.namespace)
            elif isinstance(item, SetItem):
                _set(body, item)
            else:  # pragma: no cover - a programming error
                raise TypeError(f"cannot render {item!r}")
        if reply.resumption is not None:
            _resumption(body, reply.resumption)

    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _identify(body: etree._Element, ident: IdentifyBody) -> None:
    _sub(body, "repositoryName", ident.repository_name)
    _sub(body, "baseURL", ident.base_url)
    _sub(body, "protocolVersion", PROTOCOL_VERSION)
    for email in ident.admin_emails:
        _sub(body, "adminEmail", email)
    _sub(body, "earliestDatestamp", format_datestamp(ident.earliest_datestamp))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", GRANULARITY)
    for coding in COMPRESSIONS:
        _sub(body, "compression", coding)
    if _REPOSITORY_ID.match(ident.repository_id):
        description = _sub(body, "description")
        oai_id = etree.SubElement(
            description, f"{{{OAI_IDENTIFIER_NS}}}oai-identifier",
            nsmap={None: OAI_IDENTIFIER_NS},
        )
        oai_id.set(_SCHEMA_LOCATION, f"{OAI_IDENTIFIER_NS} {OAI_IDENTIFIER_SCHEMA}")
        _sub(oai_id, "scheme", "oai", ns=OAI_IDENTIFIER_NS)
        _sub(oai_id, "repositoryIdentifier", ident.repository_id, ns=OAI_IDENTIFIER_NS)
        _sub(oai_id, "delimiter", ":", ns=OAI_IDENTIFIER_NS)
        _sub(oai_id, "sampleIdentifier", ident.sample_identifier, ns=OAI_IDENTIFIER_NS)


def _header(parent: etree._Element, header: Header) -> None:
    el = _sub(parent, "header")
    if header.deleted:
        el.set("status", "deleted")
    _sub(el, "identifier", header.identifier)
    _sub(el, "datestamp", format_datestamp(header.datestamp))
    for spec in header.sets:
        _sub(el, "setSpec", spec)


def _record(parent: etree._Element, item: RecordItem) -> None:
    el = _sub(parent, "record")
    _header(el, item.header)
    if item.metadata is not None:
        _sub(el, "metadata").append(item.metadata)
        if item.about is not None:
            _about(el, item.about)


def _about(record: etree._Element, origin: Provenance) -> None:
    """``<about><provenance>``: where a harvested record came from (OAI provenance
    guidelines). ``altered`` is true: the metadata was read into the DataCite
    model and written again, not passed through byte for byte."""
    provenance = etree.SubElement(_sub(record, "about"), f"{{{PROVENANCE_NS}}}provenance",
                                  nsmap={None: PROVENANCE_NS})
    provenance.set(_SCHEMA_LOCATION, f"{PROVENANCE_NS} {PROVENANCE_SCHEMA}")
    description = _sub(provenance, "originDescription", ns=PROVENANCE_NS,
                       harvestDate=format_datestamp(origin.harvested_at), altered="true")
    _sub(description, "baseURL", origin.base_url, ns=PROVENANCE_NS)
    _sub(description, "identifier", origin.identifier, ns=PROVENANCE_NS)
    _sub(description, "datestamp", origin.datestamp, ns=PROVENANCE_NS)
    _sub(description, "metadataNamespace", origin.metadata_namespace, ns=PROVENANCE_NS)


def _set(parent: etree._Element, item: SetItem) -> None:
    el = _sub(parent, "set")
    _sub(el, "setSpec", item.spec)
    _sub(el, "setName", item.name)
    if item.description:
        dc = etree.SubElement(
            _sub(el, "setDescription"), f"{{{OAI_DC_NS}}}dc",
            nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS},
        )
        dc.set(_SCHEMA_LOCATION, f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
        _sub(dc, "description", item.description, ns=DC_NS)


def _resumption(parent: etree._Element, res: Resumption) -> None:
    el = _sub(parent, "resumptionToken", res.token or None)
    if res.expiration is not None:
        el.set("expirationDate", format_datestamp(res.expiration))
    el.set("completeListSize", str(res.complete_list_size))
    el.set("cursor", str(res.cursor))
