"""The record: DataCite JSON metadata inside an envelope that is ours.

The metadata is the JSON form of the DataCite Metadata Schema, in the shape
of the ``datacite`` package's kernel-4.5 JSON Schema (``doi``, ``titles``,
``creators``, ``publisher`` as an object, ``alternateIdentifiers``,
``types`` ...), extended with the kernel 4.6 and 4.7 vocabularies.

The envelope (id, DOI, datestamps, revision, deleted flag, collections) is
what the repository adds: it never travels inside the metadata, except the
DOI, which is mirrored in ``metadata["doi"]`` so that a serializer sees one
source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Cursor", "Provenance", "Record", "local_id_from_oai_identifier", "oai_identifier"]


@dataclass(frozen=True)
class Record:
    """One stored record, as every layer above the store sees it."""

    id: str
    metadata: dict[str, Any]
    created: datetime
    datestamp: datetime
    revision: int = 1
    doi: str | None = None
    deleted: bool = False
    collections: tuple[str, ...] = field(default_factory=tuple)
    #: the harvest source a record came from; None for the repository's own records
    harvest_source: str | None = None
    #: the concept (all versions of this record) and this version's place in it
    concept_id: str | None = None
    version_index: int = 1
    #: the version the concept resolves to: the newest one not deleted
    is_latest: bool = True

    @property
    def harvested(self) -> bool:
        """Harvested from another repository: not ours (no DOI, no sitemap entry)."""
        return self.harvest_source is not None

    @property
    def updated(self) -> datetime:
        """The REST API's name for the datestamp."""
        return self.datestamp


@dataclass(frozen=True)
class Provenance:
    """Where a harvested record came from: the OAI provenance ``originDescription``.

    ``datestamp`` is the source's datestamp as the source wrote it (its own
    granularity); ``landing_url`` the source's page for the record, when the
    metadata names one (the landing page's ``rel="canonical"``).
    """

    source: str
    base_url: str
    identifier: str
    datestamp: str
    metadata_namespace: str
    harvested_at: datetime
    landing_url: str | None = None


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in datestamp order: strictly after (datestamp, id)."""

    datestamp: datetime
    id: str


def oai_identifier(repository_id: str, local_id: str) -> str:
    """``oai:<repository-id>:<local-id>``, as the oai-identifier guidelines ask."""
    return f"oai:{repository_id}:{local_id}"


def local_id_from_oai_identifier(repository_id: str, identifier: str) -> str | None:
    """The local id inside an OAI identifier of this repository, or None."""
    prefix = f"oai:{repository_id}:"
    if identifier.startswith(prefix) and len(identifier) > len(prefix):
        return identifier[len(prefix):]
    return None
