"""Protocol strings of OAI-PMH in one place.

Namespace URIs and schema locations shared with the serializers come from
``serializers.namespaces`` (the one place that spells them); this module
adds what only the OAI-PMH endpoint needs: verbs, granularity, date formats.
"""

from __future__ import annotations

from serializers.namespaces import (
    DC_NS,
    OAI_DC_NS,
    OAI_DC_SCHEMA_LOCATION,
    OAI_IDENTIFIER_NS,
    OAI_IDENTIFIER_SCHEMA_LOCATION,
    OAI_PMH_NS,
    OAI_PMH_SCHEMA_LOCATION,
    XSI_NS,
)

__all__ = [
    "COMPRESSIONS",
    "DATESTAMP_FORMAT",
    "DC_NS",
    "GRANULARITY",
    "LIST_VERBS",
    "OAI_DC_NS",
    "OAI_DC_SCHEMA",
    "OAI_IDENTIFIER_NS",
    "OAI_IDENTIFIER_SCHEMA",
    "OAI_NS",
    "OAI_SCHEMA",
    "PROTOCOL_VERSION",
    "PROVENANCE_NS",
    "PROVENANCE_SCHEMA",
    "VERBS",
    "XSI_NS",
]

OAI_NS = OAI_PMH_NS
OAI_SCHEMA = OAI_PMH_SCHEMA_LOCATION
OAI_IDENTIFIER_SCHEMA = OAI_IDENTIFIER_SCHEMA_LOCATION
OAI_DC_SCHEMA = OAI_DC_SCHEMA_LOCATION

#: the OAI provenance schema, for ``<about>`` of re-exposed (harvested) records
PROVENANCE_NS = "http://www.openarchives.org/OAI/2.0/provenance"
PROVENANCE_SCHEMA = "http://www.openarchives.org/OAI/2.0/provenance.xsd"

PROTOCOL_VERSION = "2.0"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
DATESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: HTTP content codings offered besides identity, announced in Identify.
COMPRESSIONS = ("gzip", "deflate")

VERBS = (
    "GetRecord",
    "Identify",
    "ListIdentifiers",
    "ListMetadataFormats",
    "ListRecords",
    "ListSets",
)
#: The list requests that read many records (flow control, overload gate).
LIST_VERBS = ("ListIdentifiers", "ListRecords")
