"""``oaiserver load --new-version-of ID FILE``: one record placed as the next version.

A branch of ``load`` of its own: the file holds exactly one record (DataCite
XML or JSON, this server's record JSON, or one JSON line), which becomes the
next version of the concept ``ID`` belongs to (``ID`` may name any of its
versions). The record's own ``id`` and ``collections``, when the file gives
them, are kept; without collections (none, or an empty list: the readers do
not tell them apart, and DataCite files carry none) the new version has
those of the latest version. Everything else that ``load`` offers for many files
(updating, progress) does not apply to one new version.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from oaiserver.services import Services
from repository_core.errors import InvalidRecord, RepositoryError, UnreadableInput
from repository_core.metadata.importing import read_records
from repository_core.records import Record

__all__ = ["load_new_version"]


def _read(source: str) -> tuple[list[dict[str, Any]], list[str]]:
    warnings: list[str] = []
    if source == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        name = source
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UnreadableInput(exc.strerror or "cannot read", source=source) from None
    if name.endswith((".jsonl", ".ndjson")):
        documents: list[dict[str, Any]] = []
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                try:
                    documents += read_records(line, source=name, warnings=warnings)
                except UnreadableInput as exc:
                    raise UnreadableInput(str(exc).split(": ", 1)[-1], source=name,
                                          line=number) from None
        return documents, warnings
    return read_records(data, source=name, warnings=warnings), warnings


def load_new_version(services: Services, of: str, paths: tuple[str, ...], *,
                     lenient: bool = False) -> Record:
    """Store the one record of ``paths`` (one file) as the next version of ``of``."""
    if len(paths) != 1:
        raise click.UsageError("--new-version-of takes one file (of one record)")
    source = paths[0]
    name = "<stdin>" if source == "-" else source
    try:
        documents, warnings = _read(source)
        if len(documents) != 1:
            raise click.ClickException(
                f"{name}: holds {len(documents)} records; --new-version-of places one "
                "record as the next version")
        document = documents[0]
        collections = document.get("collections")
        record = services.records.new_version(
            of, document["metadata"], record_id=document.get("id"),
            collections=list(collections) if collections else
            list(_latest(services, of).collections),
            check_identifiers=not lenient)
    except InvalidRecord as exc:
        reasons = "; ".join(f"{p.pointer or '/'}: {p.message}" for p in exc.problems)
        raise click.ClickException(f"{name}: {reasons}") from None
    except RepositoryError as exc:
        reason = str(exc)
        raise click.ClickException(reason if reason.startswith(name) else f"{name}: {reason}"
                                   ) from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    return record


def _latest(services: Services, of: str) -> Record:
    """The version a new one follows: the concept's latest (``of`` itself when all
    versions are deleted)."""
    record = services.records.get(of, include_deleted=True)
    concept = services.records.concept(record.concept_id) if record.concept_id else None
    if concept is None or concept.latest_id is None:
        return record
    return services.records.get(concept.latest_id)
