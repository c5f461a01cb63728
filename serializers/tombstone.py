"""What is left to say about a deleted record: its identifiers and when it went.

Served with 410 Gone by the record pages (JSON for JSON clients, plain text
for the rest; the HTML page is ``oaiserver.http.pages.landing``). Deliberately
small: a tombstone never repeats the withdrawn metadata, only the title if
the record still has one, so a citation can be recognised.
"""

from __future__ import annotations

import json
from typing import Any

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.datacite_reading import doi_url, main_title, text

__all__ = ["dump_json", "dump_text", "tombstone"]


def tombstone(record: Record, ctx: ExportContext) -> dict[str, Any]:
    doi = record.doi or text(record.metadata.get("doi")) or None
    data: dict[str, Any] = {
        "status": 410,
        "id": record.id,
        "deleted": True,
        "deleted_at": record.datestamp.isoformat(),
        "url": ctx.landing_url(record.id),
    }
    if doi:
        data["doi"] = doi
        data["doi_url"] = doi_url(doi)
    if title := main_title(record.metadata or {}):
        data["title"] = title
    return data


def dump_json(record: Record, ctx: ExportContext) -> bytes:
    return json.dumps(tombstone(record, ctx), ensure_ascii=False, indent=2).encode("utf-8")


def dump_text(record: Record, ctx: ExportContext) -> bytes:
    data = tombstone(record, ctx)
    lines = [f"Record {data['id']} was deleted on {data['deleted_at']}."]
    if "title" in data:
        lines.append(f"Title: {data['title']}")
    if "doi" in data:
        lines.append(f"DOI: {data['doi_url']}")
    return ("\n".join(lines) + "\n").encode("utf-8")
