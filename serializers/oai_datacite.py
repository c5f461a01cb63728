"""The ``oai_datacite`` OAI-PMH format: DataCite's OAI wrapper (schema oai-1.1).

::

    <oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/" xsi:schemaLocation="...">
      <schemaVersion>4.7</schemaVersion>
      <datacentreSymbol>CERN.ZENODO</datacentreSymbol>
      <payload><resource xmlns="http://datacite.org/schema/kernel-4">...</resource></payload>
    </oai_datacite>

This is what DataCite's own OAI-PMH provider serves and what OpenAIRE and
other aggregators harvest as ``oai_datacite``. The payload is exactly the
DataCite XML of ``serializers.datacite_xml``. The datacentre symbol comes
from ``ExportContext.datacentre_symbol``; a repository without one (it does
not mint DOIs through DataCite) gets its repository id there, since the
schema requires the element.

OAI only: it has no media type of its own (over HTTP, DataCite XML is served
unwrapped).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_xml import metadata_to_xml
from serializers.namespaces import (
    DATACITE_KERNEL_VERSION,
    OAI_DATACITE_NS,
    OAI_DATACITE_SCHEMA_LOCATION,
    XSI,
    XSI_NS,
    schema_location,
)

__all__ = ["SCHEMA_VERSION", "dump", "metadata_with_doi", "oai_payload", "wrap", "wrap_payload"]

SCHEMA_VERSION = DATACITE_KERNEL_VERSION
"""The DataCite kernel version of the payload (``serializers.datacite_xml`` writes it)."""


def wrap(resource: etree._Element, *, datacentre_symbol: str, copy: bool = True,
         ) -> etree._Element:
    """Wrap a DataCite ``<resource>`` element (copied; moved with ``copy=False``,
    for one built for this payload alone: the copy cost a third of the rendering)."""
    root = etree.Element(f"{{{OAI_DATACITE_NS}}}oai_datacite",
                         nsmap={None: OAI_DATACITE_NS, "xsi": XSI_NS})
    root.set(XSI, schema_location(OAI_DATACITE_NS, OAI_DATACITE_SCHEMA_LOCATION))
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}schemaVersion").text = SCHEMA_VERSION
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}datacentreSymbol").text = datacentre_symbol
    payload = etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}payload")
    if copy:
        resource = etree.fromstring(etree.tostring(resource))
    else:
        for element in resource.iter():  # as a copy through text has them: <a/>, not <a></a>
            if element.text == "":
                element.text = None
    payload.append(resource)
    return root


def metadata_with_doi(record: Record) -> dict[str, Any]:
    """The metadata with the envelope's DOI filled in where the metadata lacks it."""
    metadata = dict(record.metadata)
    if not metadata.get("doi") and record.doi:
        metadata["doi"] = record.doi
    return metadata


def oai_payload(record: Record, ctx: ExportContext) -> etree._Element:
    return wrap_payload(metadata_to_xml(metadata_with_doi(record)), record, ctx)


def wrap_payload(resource: etree._Element, record: Record, ctx: ExportContext,
                 ) -> etree._Element:
    """The payload of ``record`` around its DataCite ``resource`` (the ``datacite``
    format's payload, taken over: a batch rendered in both formats builds the
    resource once)."""
    return wrap(resource, datacentre_symbol=ctx.datacentre_symbol or ctx.repository_id,
                copy=False)


def dump(record: Record, ctx: ExportContext) -> bytes:
    return etree.tostring(oai_payload(record, ctx), xml_declaration=True, encoding="UTF-8",
                          pretty_print=True)
