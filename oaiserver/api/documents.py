"""Records as REST documents, and request bodies back into service calls."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from repository_core.errors import InvalidRecord, Problem, UnreadableInput
from repository_core.records import Record
from repository_core.store import Cursor

__all__ = [
    "decode_cursor",
    "encode_cursor",
    "etag_for",
    "isoformat",
    "merge_patch",
    "parse_body",
    "record_document",
    "revision_from_if_match",
]


def isoformat(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def record_document(record: Record, base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    rid = quote(record.id, safe="")
    return {
        "id": record.id,
        "metadata": record.metadata,
        "collections": list(record.collections),
        "doi": record.doi,
        "created": isoformat(record.created),
        "updated": isoformat(record.datestamp),
        "revision": record.revision,
        "links": {
            "self": f"{base}/api/records/{rid}",
            "html": f"{base}/records/{rid}",
            "doi": f"https://doi.org/{record.doi}" if record.doi else None,
        },
    }


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or an error with line and column."""
    if not raw.strip():
        raise UnreadableInput("the request body is empty; send a JSON object", source="body")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise UnreadableInput("the request body is not UTF-8", source="body")
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"invalid JSON: {exc.msg} (column {exc.colno})",
                              source="body", line=exc.lineno)
    if not isinstance(data, dict):
        raise InvalidRecord([Problem("", "the body must be a JSON object")])
    return data


def record_input(body: Mapping[str, Any], *, partial_collections: bool = False) -> tuple[Any, Any]:
    """(metadata, collections) from ``{"metadata": ..., "collections": [...]}``."""
    unknown = sorted(set(body) - {"metadata", "collections", "id", "doi", "created",
                                   "updated", "revision", "links"})
    problems = [Problem(f"/{key}", "unknown property") for key in unknown]
    if "metadata" not in body:
        problems.append(Problem("/metadata", "metadata is required"))
    collections = body.get("collections", None if partial_collections else [])
    if problems:
        raise InvalidRecord(problems)
    return body["metadata"], collections


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.datestamp.isoformat(), cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        stamp, rid = json.loads(raw)
        return Cursor(datetime.fromisoformat(stamp), str(rid))
    except (ValueError, TypeError):
        raise InvalidRecord([Problem("/after", "not a cursor this server issued")])


def etag_for(record: Record) -> str:
    return f'"{record.revision}"'


def revision_from_if_match(header: str | None) -> int | None:
    """The revision an If-Match header names; None when absent or ``*``."""
    if header is None or header.strip() == "*":
        return None
    value = header.strip()
    value = value.removeprefix("W/")
    value = value.strip('"')
    try:
        return int(value)
    except ValueError:
        return -1  # an ETag we never issued matches no revision: 412
