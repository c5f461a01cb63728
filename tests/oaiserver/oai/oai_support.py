"""Helpers for the OAI-PMH tests: a repository with records and sets, a server
on 127.0.0.1, and validation of every response against the real XSDs."""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from lxml import etree
from sqlalchemy import Engine
from werkzeug.serving import make_server

from oaiserver.config import Config
from oaiserver.http.app import create_app
from oaiserver.oai.endpoint import OAIEndpoint
from oaiserver.services import Services, build_oai_endpoint, build_services
from repository_core.sets import create_set
from serializers.xsd import SCHEMA_DIR, validate_xml
from tests.sample_metadata import minimal
from tests.serializers.shacl import rdfxml_violations

OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/"}
REPO_ID = "oaiserver.example.org"

#: payload namespace -> local schema name (serializers.xsd)
PAYLOAD_SCHEMAS = {
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc",
    "http://schema.datacite.org/oai/oai-1.1/": "oai_datacite",
    "http://datacite.org/schema/kernel-4": "datacite",
    "http://namespace.openaire.eu/schema/oaire/": "oai_openaire",
    "http://www.loc.gov/MARC21/slim": "marc21",
}
#: payload namespaces whose schema cannot join the driver (OpenAIRE's own copy of
#: the DataCite namespace clashes with DataCite's): the envelope is validated with
#: a placeholder in their place, the payload on its own
SEPARATE_PAYLOADS = frozenset({"http://namespace.openaire.eu/schema/oaire/"})
DRIVER_NS = "urn:oaiserver:test-driver"
PLACEHOLDER = f"{{{DRIVER_NS}}}validated-separately"

_DRIVER_IMPORTS = {
    "http://www.openarchives.org/OAI/2.0/": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": "oai-identifier.xsd",
    "http://schema.datacite.org/oai/oai-1.1/": "oai_datacite-1.1/oai.xsd",
    "http://datacite.org/schema/kernel-4": "datacite-kernel-4/metadata.xsd",
    "http://www.loc.gov/MARC21/slim": "MARC21slim.xsd",
}
#: payload namespace -> a test-only stand-in schema for payloads that have no XSD
#: (their content is checked otherwise: RDF/XML against the DCAT-AP SHACL shapes)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_STAND_IN_IMPORTS = {RDF_NS: Path(__file__).with_name("rdf-payload.xsd")}
#: schemas kept with the tests (not needed at run time), by namespace
PROVENANCE_NS = "http://www.openarchives.org/OAI/2.0/provenance"
TEST_SCHEMAS = Path(__file__).resolve().parent / "schemas"
_TEST_IMPORTS = {PROVENANCE_NS: TEST_SCHEMAS / "provenance.xsd"}
_schema_lock = threading.Lock()
_schema: list[etree.XMLSchema] = []


def driver_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd plus every payload schema, so ``strict`` wildcards validate."""
    if not _schema:
        xs = "http://www.w3.org/2001/XMLSchema"
        root = etree.Element(f"{{{xs}}}schema", nsmap={"xs": xs}, targetNamespace=DRIVER_NS)
        for namespace, path in _DRIVER_IMPORTS.items():
            etree.SubElement(root, f"{{{xs}}}import", namespace=namespace,
                             schemaLocation=(SCHEMA_DIR / path).as_uri())
        for namespace, file in _TEST_IMPORTS.items():
            etree.SubElement(root, f"{{{xs}}}import", namespace=namespace,
                             schemaLocation=file.as_uri())
        for namespace, stand_in in _STAND_IN_IMPORTS.items():
            etree.SubElement(root, f"{{{xs}}}import", namespace=namespace,
                             schemaLocation=stand_in.as_uri())
        etree.SubElement(root, f"{{{xs}}}element", name=etree.QName(PLACEHOLDER).localname)
        parser = etree.XMLParser(no_network=True)
        _schema.append(etree.XMLSchema(
            etree.fromstring(etree.tostring(root), parser, base_url=SCHEMA_DIR.as_uri() + "/")
        ))
    return _schema[0]


def check_response(body: bytes) -> etree._Element:
    """Parse a response; assert it and each metadata payload is valid. Returns the root."""
    doc = etree.fromstring(body)
    envelope = etree.fromstring(body)
    for metadata in envelope.iter(f"{OAI}metadata"):
        if etree.QName(metadata[0]).namespace in SEPARATE_PAYLOADS:
            metadata.replace(metadata[0], etree.Element(PLACEHOLDER))
    with _schema_lock:  # one compiled schema, used by one thread at a time
        schema = driver_schema()
        valid = schema.validate(envelope)
        assert valid, "\n".join(str(e) for e in schema.error_log)
        for metadata in doc.iter(f"{OAI}metadata"):
            payload = metadata[0]
            if etree.QName(payload).namespace == RDF_NS:
                assert rdfxml_violations(payload) == []
                continue
            name = PAYLOAD_SCHEMAS[etree.QName(payload).namespace]
            assert validate_xml(payload, name) == [], name
    return doc


def error_codes(doc: etree._Element) -> list[str]:
    return [e.get("code") for e in doc.findall(f"{OAI}error")]


# -- a repository to harvest ---------------------------------------------------
def make_services(engine: Engine, **config: Any) -> Services:
    """The server's own wiring over a migrated database, with validation off
    (harvest tests make minimal records in bulk)."""
    settings: dict[str, Any] = {
        "secret_key": "oai-test-secret",
        "oai_page_size": 7,
        "repository_id": REPO_ID,
        "base_url": "http://127.0.0.1:5000",
        "ratelimit_enabled": False,
    }
    settings.update(config)
    services = build_services(Config(**settings), engine=engine)
    services.records.validate = lambda metadata, **options: []
    return services


#: responses checked against the XSDs, by id() of the services that sent them
VALIDATED: dict[int, int] = {}


def make_app(services: Services, *, clock: Callable[[], datetime] | None = None,
             validate: bool = False) -> Flask:
    """The application; ``validate`` checks every OAI response it sends against the XSDs."""
    app = create_app(services=services)
    if validate:
        @app.after_request
        def _validate(response: Any) -> Any:
            if response.mimetype == "text/xml":
                body = response.get_data()
                coding = response.headers.get("Content-Encoding")
                if coding == "gzip":
                    body = gzip.decompress(body)
                elif coding == "deflate":
                    body = zlib.decompress(body)
                check_response(body)
                VALIDATED[id(services)] = VALIDATED.get(id(services), 0) + 1
            return response
    if clock is not None:
        services.oai = replace(services.oai, clock=clock)
    return app


def set_endpoint(services: Services, endpoint: OAIEndpoint) -> None:
    services.oai = endpoint


def define_sets(services: Services) -> None:
    with services.records.transaction() as s:
        create_set(s, "physics", name="Physics", query="collections:physics",
                   description="Everything about physics")
        create_set(s, "physics:quantum", name="Quantum physics", query="collections:quantum")
        create_set(s, "bio", name="Biology", query="collections:bio")


COLLECTIONS = (("physics",), ("physics", "quantum"), ("bio",), ())


def populate(services: Services, n: int, *, start: int = 0, doi_every: int = 2) -> list[str]:
    """Create records r0000.. with rotating collections; every ``doi_every``-th has a DOI."""
    ids = []
    for i in range(start, start + n):
        metadata = minimal(titles=[{"title": f"Record number {i}"}])
        if i % doi_every == 0:
            metadata["doi"] = f"10.5072/test.{i}"
        rid = f"r{i:04d}"
        services.records.create(metadata, record_id=rid,
                                collections=list(COLLECTIONS[i % len(COLLECTIONS)]))
        ids.append(rid)
    return ids


def oai_id(local: str) -> str:
    return f"oai:{REPO_ID}:{local}"


@contextmanager
def serve(app: Flask, *, threaded: bool = True) -> Iterator[str]:
    """Run ``app`` over HTTP on 127.0.0.1; yields the OAI base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/oai"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


@contextmanager
def serve_production(services: Services) -> Iterator[str]:
    """The waitress server ``oaiserver serve`` runs, on 127.0.0.1; yields the OAI base URL.

    Its loop stops, and its worker threads and sockets close, in the loop's own
    thread: closing them from another thread races with the loop's select and
    with a worker that has just answered (it pulls the loop's trigger after each
    response: "Bad file descriptor" once the trigger is closed under it).
    """
    from waitress import wasyncore

    from oaiserver.cli.serve import http_server

    server = http_server(services, "127.0.0.1", 0, threads=2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1,
                                 use_poll=server.adj.asyncore_use_poll)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/oai"
    finally:
        stop.set()
        thread.join(10)


def with_base_url(services: Services, base: str) -> None:
    """Make the configured base URL the live server's (as a deployment would)."""
    services.config = replace(services.config, base_url=base.removesuffix("/oai"))
    services.oai = build_oai_endpoint(services.config, services.engine,
                                      services.export_context, services.signing_key_source)
