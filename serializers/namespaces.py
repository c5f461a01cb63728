"""Namespace URIs and schema locations of every XML format, in one place.

Each format module and the OAI-PMH endpoint take their protocol strings from
here; nothing else spells a namespace URI. ``*_SCHEMA_LOCATION`` values are
the official (online) XSD URLs written into ``xsi:schemaLocation``; the local
copies used for validation are found by :mod:`serializers.xsd`.
"""

from __future__ import annotations

__all__ = [
    "DATACITE_KERNEL_VERSION",
    "DATACITE_NS",
    "DATACITE_SCHEMA_LOCATION",
    "DCAT_OAI_NS",
    "DCAT_OAI_SCHEMA_LOCATION",
    "DC_NS",
    "MARC21_NS",
    "MARC21_SCHEMA_LOCATION",
    "OAI_DATACITE_NS",
    "OAI_DATACITE_SCHEMA_LOCATION",
    "OAI_DC_NS",
    "OAI_DC_SCHEMA_LOCATION",
    "OAI_IDENTIFIER_NS",
    "OAI_IDENTIFIER_SCHEMA_LOCATION",
    "OAI_PMH_NS",
    "OAI_PMH_SCHEMA_LOCATION",
    "OPENAIRE_NS",
    "OPENAIRE_SCHEMA_LOCATION",
    "XML_LANG",
    "XML_NS",
    "XSI",
    "XSI_NS",
    "schema_location",
]

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Clark names of the attributes every format uses.
XSI = f"{{{XSI_NS}}}schemaLocation"
XML_LANG = f"{{{XML_NS}}}lang"

DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_KERNEL_VERSION = "4.7"
DATACITE_SCHEMA_LOCATION = "http://schema.datacite.org/meta/kernel-4.7/metadata.xsd"

OAI_PMH_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_PMH_SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"

OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_SCHEMA_LOCATION = "http://schema.datacite.org/oai/oai-1.1/oai.xsd"

OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA_LOCATION = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"

#: OpenAIRE Guidelines for Literature Repositories v4 (``oai_openaire``)
OPENAIRE_NS = "http://namespace.openaire.eu/schema/oaire/"
OPENAIRE_SCHEMA_LOCATION = "https://www.openaire.eu/schema/repo-lit/4.0/openaire.xsd"
# DCAT-AP over OAI-PMH (prefix ``dcat``): the namespace and schema Zenodo
# (InvenioRDM) announce, so that harvesters set up for Zenodo recognise the
# format. Neither describes the payload, an ``rdf:RDF`` document (RDF/XML has
# no XML Schema; the payload is checked against the DCAT-AP SHACL shapes).
DCAT_OAI_NS = "https://www.w3.org/ns/dcat"
DCAT_OAI_SCHEMA_LOCATION = "http://schema.datacite.org/meta/kernel-4/metadata.xsd"
MARC21_NS = "http://www.loc.gov/MARC21/slim"
MARC21_SCHEMA_LOCATION = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"


def schema_location(namespace: str, location: str) -> str:
    """The value of ``xsi:schemaLocation`` for one namespace: ``"ns location"``."""
    return f"{namespace} {location}"
