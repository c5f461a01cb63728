"""Rendering a :class:`~.verbs.Reply` as an OAI-PMH XML document.

Namespaces, ``xsi:schemaLocation`` and element order follow OAI-PMH.xsd;
an optional ``<?xml-stylesheet?>`` lets browsers show the pages. Nothing
here decides what to answer: that is :mod:`.verbs`.

Record replies (ListRecords, ListIdentifiers, GetRecord) are written as
bytes: the envelope as escaped text around each record's payload bytes,
which are kept serialized (``repository_core.payloads``), never parsed
into a tree again; a page of :class:`~.verbs.KeptRecords` straight from its
rows, with no object per record. Everything else is built with lxml.
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from repository_core.records import Provenance, oai_identifier

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
from .verbs import (
    Header,
    IdentifyBody,
    KeptRecords,
    MetadataFormatItem,
    RecordItem,
    Reply,
    Resumption,
    SetItem,
)

__all__ = ["render", "render_tree"]

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
    if not reply.errors and reply.verb in _RECORD_VERBS:
        return _render_records(reply, base_url, stylesheet)
    return render_tree(reply, base_url=base_url, stylesheet=stylesheet)


def render_tree(reply: Reply, *, base_url: str, stylesheet: str | None = None) -> bytes:
    """The document built as an lxml tree: any reply (the record replies' reference form)."""
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
        items = [sub for item in reply.items
                 for sub in (item.items() if isinstance(item, KeptRecords) else (item,))]
        for item in items:
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


_RECORD_VERBS = frozenset({"ListRecords", "ListIdentifiers", "GetRecord"})
_ROOT_OPEN = (
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI_NS}" '
    f'xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
)


def _render_records(reply: Reply, base_url: str, stylesheet: str | None) -> bytes:
    """The document of a record reply, written as text around the payload bytes."""
    assert reply.verb is not None
    parts: list[bytes] = [b"<?xml version='1.0' encoding='UTF-8'?>\n"]
    if stylesheet:
        parts.append(f"<?xml-stylesheet type=\"text/xsl\" href={quoteattr(stylesheet)}?>\n"
                     .encode())
    request = "".join(f" {key}={_attr(value)}" for key, value in reply.request)
    parts.append(
        f"{_ROOT_OPEN}<responseDate>{format_datestamp(reply.response_date)}</responseDate>"
        f"<request{request}>{escape(base_url)}</request><{reply.verb}>".encode()
    )
    for item in reply.items:
        if isinstance(item, KeptRecords):
            _kept_records(parts, item)
            continue
        if isinstance(item, Header):
            parts.append(_header_text(item).encode())
            continue
        assert isinstance(item, RecordItem)
        parts.append(b"<record>" + _header_text(item.header).encode())
        if item.metadata is not None:
            payload = item.metadata
            if not isinstance(payload, bytes):
                payload = etree.tostring(payload, encoding="UTF-8", with_tail=False)
            parts.append(b"<metadata>" + payload + b"</metadata>")
            if item.about is not None:
                parts.append(_about_bytes(item.about))
        parts.append(b"</record>")
    if reply.resumption is not None:
        parts.append(_resumption_text(reply.resumption).encode())
    parts.append(f"</{reply.verb}></OAI-PMH>".encode())
    return b"".join(parts)


def _kept_records(parts: list[bytes], page: KeptRecords) -> None:
    """Each record as :func:`_render_records` writes a :class:`RecordItem` (or, headers
    only, a :class:`Header`), written straight from the :class:`KeptEntry` values."""
    prefix = escape(oai_identifier(page.repository_id, ""))
    for entry in page.entries:
        header = _header_markup(prefix + escape(entry.id), entry.datestamp, entry.sets)
        if not page.metadata:
            parts.append(header.encode())
            continue
        parts.append(b"<record>" + header.encode() + b"<metadata>" + entry.payload
                     + b"</metadata>")
        if entry.provenance is not None:
            parts.append(_about_bytes(entry.provenance))
        parts.append(b"</record>")


def _about_bytes(origin: Provenance) -> bytes:
    """The ``<about>`` element of a record, serialized in the OAI namespace."""
    holder = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS, "xsi": XSI_NS})
    _about(holder, origin)
    return etree.tostring(holder[0], encoding="UTF-8", with_tail=False)


def _attr(value: str) -> str:
    """An attribute value, quoted; tabs and line breaks kept as characters, not normalised."""
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _header_text(header: Header) -> str:
    return _header_markup(escape(header.identifier), header.datestamp, header.sets,
                          header.deleted)


def _header_markup(identifier: str, datestamp: datetime, sets: tuple[str, ...],
                   deleted: bool = False) -> str:
    """A ``<header>``; ``identifier`` already escaped."""
    status = ' status="deleted"' if deleted else ""
    specs = "".join([f"<setSpec>{escape(spec)}</setSpec>" for spec in sets]) if sets else ""
    return (f"<header{status}><identifier>{identifier}</identifier>"
            f"<datestamp>{format_datestamp(datestamp)}</datestamp>{specs}</header>")


def _resumption_text(res: Resumption) -> str:
    expiration = ("" if res.expiration is None
                  else f' expirationDate="{format_datestamp(res.expiration)}"')
    attrs = f'{expiration} completeListSize="{res.complete_list_size}" cursor="{res.cursor}"'
    if not res.token:
        return f"<resumptionToken{attrs}/>"
    return f"<resumptionToken{attrs}>{escape(res.token)}</resumptionToken>"


def _record(parent: etree._Element, item: RecordItem) -> None:
    el = _sub(parent, "record")
    _header(el, item.header)
    if item.metadata is not None:
        metadata = item.metadata
        if isinstance(metadata, bytes):
            metadata = etree.fromstring(metadata)
        _sub(el, "metadata").append(metadata)
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
