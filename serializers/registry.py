"""The one list of export formats: name, media types, OAI prefix, schema, function.

Everything that exports a record reads ``FORMATS``: the OAI-PMH endpoint
(ListMetadataFormats, GetRecord, ListRecords), content negotiation and the
record pages, the CLI export. Iteration order is the server's preference
order (content negotiation breaks ties with it).

Use::

    fmt = FORMATS.by_oai_prefix("oai_dc")          # None if unknown
    if not fmt.available(record):                   # OAI: cannotDisseminateFormat
        ...
    element = fmt.oai_payload(record, ctx)          # lxml element under <metadata>
    body = FORMATS["bibtex"].dump(record, ctx)      # bytes

Not for choosing a format from an HTTP request: that is
``oaiserver.http.pages.negotiation``, which reads this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import KW_ONLY, dataclass

from lxml import etree

from repository_core.records import Record
from serializers import (
    bibtex,
    cff,
    citation,
    codemeta,
    csl,
    datacite_json,
    datacite_xml,
    dcat,
    dublin_core,
    marc21,
    oai_datacite,
    openaire,
    ris,
    schema_org,
    software,
)
from serializers.context import ExportContext
from serializers.export_errors import UnknownFormat
from serializers.namespaces import (
    DATACITE_NS,
    DATACITE_SCHEMA_LOCATION,
    MARC21_NS,
    MARC21_SCHEMA_LOCATION,
    OAI_DATACITE_NS,
    OAI_DATACITE_SCHEMA_LOCATION,
    OAI_DC_NS,
    OAI_DC_SCHEMA_LOCATION,
    OPENAIRE_NS,
    OPENAIRE_SCHEMA_LOCATION,
)

__all__ = ["FORMATS", "Format", "Registry", "has_doi"]

Dump = Callable[[Record, ExportContext], bytes]
OaiPayload = Callable[[Record, ExportContext], etree._Element]
#: a payload built around another format's payload element (which it may take over)
Wrapper = Callable[[etree._Element, Record, ExportContext], etree._Element]


def has_doi(record: Record) -> bool:
    """DataCite XML needs a DOI: the kernel-4 XSD requires ``<identifier>``."""
    return bool(record.doi) or datacite_xml.has_doi(record.metadata or {})


@dataclass(frozen=True)
class Format:
    """One export format.

    ``media_type`` is None for an OAI-only format (``oai_datacite``); such a
    format is never chosen by content negotiation. ``requires_doi`` declares
    that the format can represent only records with a DOI (DataCite XML:
    the kernel-4 XSD requires ``<identifier>``); ``only_for`` limits a format
    to the records a predicate accepts (CodeMeta and CFF: software), with
    ``requirement`` saying so in error messages; ``filename`` is the name a
    download takes when the format has a conventional one (``CITATION.cff``,
    ``codemeta.json``: the names the tools that read them look for);
    ``available(record)`` says
    whether this format can represent the record at all; when it is False the OAI endpoint answers ``cannotDisseminateFormat`` and the
    record pages leave the format out. ``text`` marks plain-text formats
    (BibTeX, RIS, citations): served with ``charset=utf-8`` and shown inline
    on the landing page. ``oai_payload_around`` names another OAI format whose
    payload element this one's wraps, and the function that wraps it: what
    ``oai_payload`` gives, without building the inner element again when a
    batch is rendered in both (``oai_datacite`` around ``datacite``).
    """

    name: str
    media_type: str | None
    _: KW_ONLY
    dump: Dump
    extension: str
    label: str = ""
    aliases: tuple[str, ...] = ()
    oai_prefix: str | None = None
    schema: str | None = None
    namespace: str | None = None
    xsd: str | None = None
    oai_payload: OaiPayload | None = None
    text: bool = False
    requires_doi: bool = False
    only_for: Callable[[Record], bool] | None = None
    requirement: str = ""
    filename: str | None = None
    oai_payload_around: tuple[str, Wrapper] | None = None

    def available(self, record: Record) -> bool:
        """Whether this format can represent ``record``: it has a DOI if ``requires_doi``,
        and ``only_for(record)`` holds if the format applies to some records only
        (CodeMeta and CFF: software)."""
        if self.requires_doi and not has_doi(record):
            return False
        return self.only_for is None or self.only_for(record)

    @property
    def unavailable_reason(self) -> str:
        """Why ``available`` may say no, for error messages."""
        return self.requirement or ("DataCite XML needs a DOI" if self.requires_doi else "")

    @property
    def media_types(self) -> tuple[str, ...]:
        """The canonical media type first, then the aliases."""
        return ((self.media_type,) if self.media_type else ()) + self.aliases

    @property
    def content_type(self) -> str | None:
        """The Content-Type header value (charset added for plain-text formats)."""
        if self.media_type is None:
            return None
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type

    @property
    def title(self) -> str:
        return self.label or self.name


class Registry:
    """Formats by name, media type (aliases too), OAI prefix; iterates in preference order."""

    def __init__(self, formats: Iterable[Format]):
        self._formats = tuple(formats)
        self._by_name: dict[str, Format] = {}
        self._by_media_type: dict[str, Format] = {}
        self._by_prefix: dict[str, Format] = {}
        for fmt in self._formats:
            self._add(self._by_name, fmt.name, fmt, "name")
            for media_type in fmt.media_types:
                self._add(self._by_media_type, media_type.lower(), fmt, "media type")
            if fmt.oai_prefix:
                self._add(self._by_prefix, fmt.oai_prefix, fmt, "OAI prefix")

    @staticmethod
    def _add(index: dict[str, Format], key: str, fmt: Format, what: str) -> None:
        if key in index:
            raise ValueError(f"{what} {key!r} is registered twice ({index[key].name}, {fmt.name})")
        index[key] = fmt

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats)

    def __len__(self) -> int:
        return len(self._formats)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Format:
        """By name; raises ``UnknownFormat`` (a LookupError) listing the names."""
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownFormat(name, self._by_name) from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def get(self, name: str) -> Format | None:
        return self._by_name.get(name)

    def by_media_type(self, media_type: str) -> Format | None:
        """By media type or alias; parameters (``; charset=...``) and case are ignored."""
        return self._by_media_type.get(media_type.split(";", 1)[0].strip().lower())

    def by_oai_prefix(self, prefix: str) -> Format | None:
        return self._by_prefix.get(prefix)

    def oai_formats(self, record: Record | None = None) -> list[Format]:
        """Formats with an OAI metadataPrefix (for ListMetadataFormats), those available
        for ``record`` if one is given."""
        return [f for f in self._formats
                if f.oai_prefix and (record is None or f.available(record))]

    def negotiable(self, record: Record | None = None) -> list[Format]:
        """Formats served over HTTP (with a media type), those available for ``record`` if given."""
        return [f for f in self._formats
                if f.media_type and (record is None or f.available(record))]


def _datacite_xml_payload(record: Record, ctx: ExportContext) -> etree._Element:
    return datacite_xml.metadata_to_xml(oai_datacite.metadata_with_doi(record))


FORMATS = Registry([
    Format(
        "datacite", "application/vnd.datacite.datacite+xml",
        label="DataCite XML",
        aliases=("application/x-datacite+xml", "application/xml", "text/xml"),
        oai_prefix="datacite", schema=DATACITE_SCHEMA_LOCATION, namespace=DATACITE_NS,
        xsd="datacite", extension="xml",
        dump=datacite_xml.dump, oai_payload=_datacite_xml_payload, requires_doi=True,
    ),
    Format(
        "datacite-json", "application/vnd.datacite.datacite+json",
        label="DataCite JSON", aliases=("application/json",),
        extension="json", dump=datacite_json.dump,
    ),
    Format(
        "json-ld", "application/ld+json",
        label="schema.org JSON-LD", aliases=("application/vnd.schemaorg.ld+json",),
        extension="jsonld", dump=schema_org.dump,
    ),
    Format(
        "csl", "application/vnd.citationstyles.csl+json",
        label="CSL JSON", aliases=("application/citeproc+json",),
        extension="json", dump=csl.dump,
    ),
    Format(
        "bibtex", "application/x-bibtex",
        label="BibTeX", extension="bib", dump=bibtex.dump, text=True,
    ),
    Format(
        "ris", "application/x-research-info-systems",
        label="RIS", extension="ris", dump=ris.dump, text=True,
    ),
    Format(
        "citation", "text/x-bibliography",
        label="Citation (APA)", extension="txt", dump=citation.dump, text=True,
    ),
    Format(
        "dc", "application/x-dc+xml",
        label="Dublin Core", oai_prefix="oai_dc", schema=OAI_DC_SCHEMA_LOCATION,
        namespace=OAI_DC_NS, xsd="oai_dc", extension="xml",
        dump=dublin_core.dump, oai_payload=dublin_core.oai_payload,
    ),
    Format(
        "oai_datacite", None,
        label="DataCite XML in DataCite's OAI wrapper",
        oai_prefix="oai_datacite", schema=OAI_DATACITE_SCHEMA_LOCATION,
        namespace=OAI_DATACITE_NS, xsd="oai_datacite", extension="xml",
        dump=oai_datacite.dump, oai_payload=oai_datacite.oai_payload, requires_doi=True,
        oai_payload_around=("datacite", oai_datacite.wrap_payload),
    ),
    Format(
        "oai_openaire", "application/x-oai-openaire+xml",
        label="OpenAIRE (Literature Guidelines v4)",
        oai_prefix="oai_openaire", schema=OPENAIRE_SCHEMA_LOCATION, namespace=OPENAIRE_NS,
        xsd="oai_openaire", extension="xml",
        dump=openaire.dump, oai_payload=openaire.oai_payload,
    ),
    # DCAT-AP 3.0.0: one graph, two syntaxes. The RDF/XML entry carries the OAI
    # prefix (its payload is an rdf:RDF element, checked with SHACL: no XSD).
    Format(
        "dcat", "application/rdf+xml",
        label="DCAT-AP (RDF/XML)",
        oai_prefix="dcat", schema=dcat.OAI_SCHEMA, namespace=dcat.OAI_NAMESPACE,
        extension="rdf", dump=dcat.dump_rdfxml, oai_payload=dcat.oai_payload,
    ),
    Format(
        "dcat-turtle", "text/turtle",
        label="DCAT-AP (Turtle)", extension="ttl", dump=dcat.dump_turtle,
    ),
    # MARC 21 bibliographic records in MARCXML, for library catalogues
    Format(
        "marc21", "application/marcxml+xml",
        label="MARCXML (MARC 21)",
        oai_prefix="marc21", schema=MARC21_SCHEMA_LOCATION, namespace=MARC21_NS,
        xsd="marc21", extension="xml", dump=marc21.dump, oai_payload=marc21.oai_payload,
    ),
    # software formats: offered for resourceTypeGeneral Software only
    Format(
        "codemeta", codemeta.MEDIA_TYPE,
        label="CodeMeta", extension="json", dump=codemeta.dump,
        only_for=software.is_software, requirement="CodeMeta describes software records only",
        filename="codemeta.json",
    ),
    Format(
        "cff", "application/x-cff",
        label="Citation File Format", aliases=("application/vnd.cff+yaml",),
        extension="cff", dump=cff.dump,
        only_for=software.is_software, requirement="CITATION.cff describes software records only",
        filename="CITATION.cff",
    ),
])
"""The one registry, in the server's preference order."""
