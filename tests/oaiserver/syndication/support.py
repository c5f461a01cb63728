"""A repository served over HTTP on 127.0.0.1 at its configured base URL, and XSD checks.

The schemas in ``schemas/`` are the sitemaps.org XSDs (sitemap.xsd of
2008-03-26, siteindex.xsd of 2009-04-08), unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import requests
from lxml import etree
from sqlalchemy import Engine

from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import make_app, make_services, serve, with_base_url
from tests.sample_metadata import minimal

SCHEMAS = Path(__file__).parent / "schemas"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RS = "{http://www.openarchives.org/rs/terms/}"


@cache
def xsd(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), etree.XMLParser(no_network=True)))


def valid(body: bytes, schema: str) -> etree._Element:
    """The parsed document, asserted valid against ``schema``."""
    doc = etree.fromstring(body)
    checker = xsd(schema)
    assert checker.validate(doc), "\n".join(str(e) for e in checker.error_log)
    return doc


def repository(engine: Engine, **config: Any) -> Services:
    return make_services(engine, **config)


def add_records(services: Services, n: int, *, start: int = 0, doi_every: int = 2) -> list[str]:
    """Records r0000.. in one transaction; every ``doi_every``-th has a DOI."""
    ids = []
    with services.records.transaction() as session:
        for i in range(start, start + n):
            metadata = minimal(titles=[{"title": f"Record number {i}"}])
            if doi_every and i % doi_every == 0:
                metadata["doi"] = f"10.5072/test.{i}"
            services.records.create(metadata, record_id=f"r{i:04d}", session=session)
            ids.append(f"r{i:04d}")
    return ids


@contextmanager
def site(services: Services) -> Iterator[str]:
    """The server on 127.0.0.1, its base URL configured to be its own address."""
    with serve(make_app(services)) as oai_url:
        base = oai_url.removesuffix("/oai")
        with_base_url(services, base)
        services.export_context = replace(services.export_context, base_url=base)
        yield base


def get(url: str, **kw: Any) -> requests.Response:
    return requests.get(url, timeout=30, **kw)


def locs(doc: etree._Element) -> list[str]:
    return [loc.text for loc in doc.iter(f"{SM}loc")]
