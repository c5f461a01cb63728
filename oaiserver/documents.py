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
from repository_core.service import check_record_id
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


def record_document(record: Record, base_url: str,
                    stats: Mapping[str, int] | None = None, *,
                    concept_doi: str | None = None) -> dict[str, Any]:
    """The REST shape of a record; ``stats`` (COUNTER figures) when statistics are on.

    The figures are not part of the record's revision: they change neither
    ``updated`` nor ``revision`` (nor the ETag built from it).

    ``parent`` is the concept (all versions; ``concept_doi`` its DOI once one
    is minted), ``versions`` this version's place, as in InvenioRDM. The
    ``latest`` links are Invenio's redirecting URLs, not the latest version's
    own: a document then changes only when its own ``is_latest`` does, and
    that change is a new revision.
    """
    base = base_url.rstrip("/")
    rid = quote(record.id, safe="")
    cid = quote(record.concept_id, safe="") if record.concept_id else None
    document: dict[str, Any] = {
        "id": record.id,
        "metadata": record.metadata,
        "collections": list(record.collections),
        "doi": record.doi,
        "created": isoformat(record.created),
        "updated": isoformat(record.datestamp),
        "revision": record.revision,
        "parent": {"id": record.concept_id, "doi": concept_doi},
        "versions": {"index": record.version_index, "is_latest": record.is_latest},
        "links": {
            "self": f"{base}/api/records/{rid}",
            "html": f"{base}/records/{rid}",
            "doi": f"https://doi.org/{record.doi}" if record.doi else None,
            "versions": f"{base}/api/records/{rid}/versions",
            "latest": f"{base}/api/records/{rid}/versions/latest",
            "latest_html": f"{base}/records/{rid}/latest",
            "parent": f"{base}/api/concepts/{cid}" if cid else None,
            "parent_html": f"{base}/records/{cid}" if cid else None,
            "parent_doi": f"https://doi.org/{concept_doi}" if concept_doi else None,
        },
    }
    if stats is not None:
        document["stats"] = dict(stats)
        document["links"]["stats"] = f"{base}/api/stats/records/{rid}"
    return document


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object, or an error with line and column."""
    if not raw.strip():
        raise UnreadableInput("the request body is empty; send a JSON object", source="body")
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise UnreadableInput("the request body is not UTF-8", source="body") from None
    except json.JSONDecodeError as exc:
        raise UnreadableInput(f"invalid JSON: {exc.msg} (column {exc.colno})",
                              source="body", line=exc.lineno) from None
    except (ValueError, RecursionError):  # a number too long to convert, nesting too deep
        raise UnreadableInput("JSON the server will not read: a number with too many "
                              "digits or values nested too deeply", source="body") from None
    if not isinstance(data, dict):
        raise InvalidRecord([Problem("", "the body must be a JSON object")])
    return data


READ_ONLY = {"created", "updated", "revision", "links", "stats", "parent", "versions"}


def record_input(
    body: Mapping[str, Any], *, record_id: str | None = None, keep_collections: bool = False
) -> tuple[Any, Any]:
    """(metadata, collections) from ``{"metadata": ..., "collections": [...]}``.

    A document as GET returns it may be sent back: the server's own fields
    (``created``, ``updated``, ``revision``, ``links``, ``stats``, ``parent``,
    ``versions``) are ignored, while
    ``id`` and ``doi`` must agree with the URL and the metadata, never be
    silently dropped. Without ``collections``, a new record has none and a
    replaced one keeps its own (``keep_collections``: returned as None).
    """
    unknown = sorted(set(body) - {"metadata", "collections", "id", "doi"} - READ_ONLY)
    problems = [Problem(f"/{key}", "unknown property") for key in unknown]
    if "metadata" not in body:
        problems.append(Problem("/metadata", "metadata is required"))
    if record_id is not None and "id" in body and body["id"] != record_id:
        problems.append(Problem("/id", f"the id is {record_id!r}, as in the URL"))
    metadata = body.get("metadata")
    if body.get("doi") is not None:
        inner = metadata.get("doi") if isinstance(metadata, dict) else None
        if not isinstance(inner, str) or str(body["doi"]).lower() != inner.lower():
            problems.append(Problem("/doi", "the DOI is set in metadata.doi; this one differs"))
    collections = body.get("collections", None if keep_collections else [])
    if problems:
        raise InvalidRecord(problems)
    return metadata, collections


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
    refused = InvalidRecord([Problem("/after", "not a cursor this server issued")])
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        stamp, rid = json.loads(raw)
        cursor = Cursor(datetime.fromisoformat(stamp), str(rid))
    except (ValueError, TypeError, RecursionError):
        raise refused from None
    if cursor.datestamp.tzinfo is None or check_record_id(cursor.id):
        raise refused
    return cursor


def etag_for(record: Record) -> str:
    return f'"{record.revision}"'


def revision_from_if_match(header: str | None, current: int) -> int | None:
    """The revision the caller expects, from If-Match; None when absent or ``*``.

    A list of ETags expects whichever of them is current (RFC 9110); an ETag
    this server never issued matches no revision (412).
    """
    if header is None or header.strip() == "*":
        return None
    revisions = set()
    for tag in header.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        if value.isdigit():
            revisions.add(int(value))
    return current if current in revisions else -1
