"""A small catalogue for the web page tests: known facet counts, sets, a live server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from oaiserver.services import Services
from tests.oaiserver.oai.oai_support import make_app, serve, with_base_url
from tests.sample_metadata import minimal

N = 30
TYPES = ("Dataset", "Software", "Text")
YEARS = ("2019", "2020", "2021", "2022", "2023")
LANGUAGES = ("en", "de")
SETS = (
    ("ocean", "Ocean", "subjects.subject:ocean", "Everything about the sea"),
    ("ocean:data", "Ocean data", "subjects.subject:ocean AND types.resourceTypeGeneral:Dataset",
     None),
    ("software", "Software", "types.resourceTypeGeneral:Software", "Code"),
)


def metadata(i: int) -> dict[str, Any]:
    subjects = [{"subject": "ocean"}] if i % 2 == 0 else [{"subject": "climate"}]
    if i % 5 == 0:
        subjects.append({"subject": "salinity"})
    return minimal(
        titles=[{"title": f"{'Ocean' if i % 2 == 0 else 'Climate'} observations number {i}"}],
        types={"resourceTypeGeneral": TYPES[i % len(TYPES)]},
        publicationYear=YEARS[i % len(YEARS)],
        language=LANGUAGES[i % len(LANGUAGES)],
        subjects=subjects,
        creators=[{"name": f"Author {i}, A."}, {"name": "Müller, Anna"}],
        doi=f"10.5072/site.{i}",
    )


def expected(field: str) -> Counter[str]:
    """How many records have each value of a facet field (as :func:`metadata` writes them)."""
    counts: Counter[str] = Counter()
    for i in range(N):
        doc = metadata(i)
        if field == "resource_type":
            counts[doc["types"]["resourceTypeGeneral"]] += 1
        elif field == "year":
            counts[doc["publicationYear"]] += 1
        elif field == "language":
            counts[doc["language"]] += 1
        elif field == "subject":
            counts.update(s["subject"] for s in doc["subjects"])
    return counts


def fill(services: Services) -> None:
    """The sets first, then N records (ids s0000.., created in that order)."""
    for spec, name, query, description in SETS:
        services.sets.create(spec, name=name, query=query, description=description)
    for i in range(N):
        services.records.create(metadata(i), record_id=f"s{i:04d}")


@contextmanager
def site(services: Services) -> Iterator[str]:
    """The app over HTTP on 127.0.0.1 with its base URL; yields the base URL (no slash)."""
    with serve(make_app(services)) as oai_url:
        with_base_url(services, oai_url)
        yield oai_url.removesuffix("/oai")
