"""The REST API described in OpenAPI 3.1: ``GET /api/openapi.json`` and ``GET /api/docs``.

The description is built here from Python data (so the server's base URL
and name go in, and nothing is parsed at start-up); ``/api/docs`` renders
the same document as a server-side HTML page (no viewer, no CDN). A test
checks the document against the OpenAPI 3.1 schema and that every ``/api``
URL rule of the application is described, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

from repository_core.outbox import DOI_STATES
from repository_core.search import FACET_HITS, FACETS, MAX_SIZE, SORTS, TRACK_TOTAL

from ..current import current_services
from ..pages.rendering import Site, render
from .records import MAX_PAGE_SIZE

__all__ = ["bp", "openapi_document"]

bp = Blueprint("openapi", __name__, url_prefix="/api")

OPENAPI_VERSION = "3.1.0"
PROBLEM = "application/problem+json"
_JSON = "application/json"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): _ref("responses", f"Problem{status}") for status in statuses}


_PROBLEM_TEXT = {
    400: "Bad request: unreadable JSON (with line and column), a query that does not parse "
         "(with `position`), a bad parameter (with `parameter`)",
    401: "A bearer token is required and was missing or wrong",
    404: "No such record or set (or statistics are off)",
    409: "Conflict: the set exists, DOI minting is off, the DOI is under another prefix, "
         "or the DOI state change is impossible",
    410: "The record was deleted (a tombstone is kept), or every version of the concept",
    412: "If-Match names an older revision (`revision` gives the current one)",
    413: "The request body is larger than the configured limit",
    422: "The record or request is invalid; `errors` lists each problem with the JSON "
         "pointer of the bad field",
    429: "Rate limit exceeded; see Retry-After",
}
_WRITE_ERRORS = (400, 401, 413, 422, 429)


def _components() -> dict[str, Any]:
    string_list = {"type": "array", "items": {"type": "string"}}
    links = {"type": "object", "additionalProperties": {"type": ["string", "null"],
                                                         "format": "uri"}}
    schemas: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string"}, "title": {"type": "string"},
                "status": {"type": "integer"}, "detail": {"type": "string"},
                "errors": {"type": "array", "items": {
                    "type": "object", "required": ["pointer", "detail"],
                    "properties": {"pointer": {"type": "string",
                                               "description": "JSON pointer of the bad field"},
                                   "detail": {"type": "string"}}}},
                "position": {"type": "integer",
                             "description": "0-based offset of a query error"},
                "parameter": {"type": "string", "description": "the parameter at fault"},
                "revision": {"type": "integer", "description": "the current revision (412)"},
            },
        },
        "DataCiteMetadata": {
            "type": "object",
            "description": "DataCite Metadata Schema (kernel 4.7) in its JSON form: titles, "
                           "creators, publisher, publicationYear, types, ...",
            "additionalProperties": True,
        },
        "RecordInput": {
            "type": "object", "required": ["metadata"],
            "properties": {
                "id": {"type": "string", "description": "chosen local id (create only)"},
                "metadata": _ref("schemas", "DataCiteMetadata"),
                "collections": {**string_list, "description": "free tags set queries can use"},
            },
        },
        "Record": {
            "type": "object",
            "required": ["id", "metadata", "collections", "doi", "created", "updated",
                         "revision", "links"],
            "properties": {
                "id": {"type": "string"},
                "metadata": _ref("schemas", "DataCiteMetadata"),
                "collections": string_list,
                "doi": {"type": ["string", "null"]},
                "created": {"type": "string", "format": "date-time"},
                "updated": {"type": "string", "format": "date-time"},
                "revision": {"type": "integer"},
                "links": links,
                "stats": {"type": "object", "additionalProperties": {"type": "integer"},
                          "description": "COUNTER figures, when statistics are on"},
                "parent": {"type": "object", "required": ["id", "doi"],
                           "description": "the concept: every version of this record",
                           "properties": {"id": {"type": ["string", "null"]},
                                          "doi": {"type": ["string", "null"],
                                                  "description": "the concept DOI, once "
                                                                 "minted"}}},
                "versions": {"type": "object", "required": ["index", "is_latest"],
                             "properties": {"index": {"type": "integer", "minimum": 1},
                                            "is_latest": {"type": "boolean"}}},
            },
        },
        "NewVersion": {
            "description": "the next version: full metadata (collections: those of the "
                           "latest version when left out), or `from`, a version of the same "
                           "record to copy (without its DOI)",
            "oneOf": [
                _ref("schemas", "RecordInput"),
                {"type": "object", "required": ["from"], "additionalProperties": False,
                 "properties": {"from": {"type": "string"}}},
            ],
        },
        "RecordList": {
            "type": "object", "required": ["hits", "links"],
            "properties": {
                "hits": {"type": "object", "properties": {
                    "hits": {"type": "array", "items": _ref("schemas", "Record")},
                    "total": {"type": "integer", "description": (
                        f"matching records; in a search of the embedded engine, exact up to "
                        f"{TRACK_TOTAL:,} (then {TRACK_TOTAL:,}, a lower bound: see "
                        "`total_relation`)")},
                    "total_relation": {"type": "string", "enum": ["eq", "gte"],
                                       "description": (
                        "in a search: `eq` when `total` is exact, `gte` when more "
                        "records match")}}},
                "sort": {"type": "string", "enum": list(SORTS)},
                "links": links,
                "aggregations": {"type": "object", "description": (
                    f"facet counts over every match when at most {FACET_HITS:,} match, "
                    f"else over the top {FACET_HITS:,} hits in the search's order (the "
                    "embedded engine; Elasticsearch / OpenSearch counts every match)"),
                    "additionalProperties": {
                    "type": "object", "properties": {"buckets": {"type": "array", "items": {
                        "type": "object", "properties": {
                            "key": {"type": "string"}, "label": {"type": "string"},
                            "doc_count": {"type": "integer"}}}}}}},
            },
        },
        "SetInput": {
            "type": "object", "required": ["name", "query"],
            "properties": {
                "spec": {"type": "string", "description": "setSpec (create only); `a:b` is "
                                                          "part of `a`"},
                "name": {"type": "string"},
                "description": {"type": ["string", "null"]},
                "query": {"type": "string", "description": "query language, e.g. "
                                                           "types.resourceTypeGeneral:Dataset"},
            },
        },
        "Set": {
            "type": "object", "required": ["spec", "name", "query", "links"],
            "properties": {
                "spec": {"type": "string"}, "name": {"type": "string"},
                "description": {"type": ["string", "null"]}, "query": {"type": "string"},
                "created": {"type": "string", "format": "date-time"},
                "updated": {"type": "string", "format": "date-time"},
                "members": {"type": "integer",
                            "description": "OAI-PMH membership rows (members and former)"},
                "links": links,
            },
        },
        "SetList": {
            "type": "object", "properties": {"hits": {"type": "object", "properties": {
                "hits": {"type": "array", "items": _ref("schemas", "Set")},
                "total": {"type": "integer"}}}},
        },
        "DOIRequest": {
            "type": "object",
            "properties": {"state": {"type": "string", "enum": list(DOI_STATES),
                                     "default": "findable"}},
        },
        "DOIStatus": {
            "type": "object", "required": ["record", "doi", "managed", "state"],
            "properties": {
                "record": {"type": "string"}, "doi": {"type": ["string", "null"]},
                "doi_url": {"type": ["string", "null"]}, "managed": {"type": "boolean"},
                "state": {"type": ["string", "null"]},
            },
            "additionalProperties": True,
            "description": "token holders also see queued work and send errors",
        },
        "RecordStats": {
            "type": "object",
            "properties": {
                "id": {"type": "string"}, "from": {"type": "string", "format": "date"},
                "to": {"type": "string", "format": "date"},
                "interval": {"type": "string", "enum": ["day", "month", "year"]},
                "totals": {"type": "object", "additionalProperties": {"type": "integer"}},
                "series": {"type": "array", "items": {"type": "object"}},
                "links": links,
            },
        },
        "DatasetReport": {
            "type": "object", "additionalProperties": True,
            "description": "COUNTER Release 5 Dataset Report (SUSHI JSON)",
        },
    }
    responses = {
        f"Problem{status}": {"description": text,
                             "content": {PROBLEM: {"schema": _ref("schemas", "Problem")}}}
        for status, text in _PROBLEM_TEXT.items()
    }
    parameters = {
        "RecordId": {"name": "record_id", "in": "path", "required": True,
                     "schema": {"type": "string"}, "description": "the record's local id"},
        "Spec": {"name": "spec", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "the setSpec (`:` separates levels)"},
        "IfMatch": {"name": "If-Match", "in": "header", "required": False,
                    "schema": {"type": "string"},
                    "description": "the ETag (revision) the change is based on"},
    }
    return {
        "schemas": schemas, "responses": responses, "parameters": parameters,
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                       "description": "a token of OAISERVER_API_TOKENS"}},
    }


def _query(name: str, description: str, schema: dict[str, Any] | None = None,
           **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False,
            "schema": schema or {"type": "string"}, "description": description, **extra}


def _paths() -> dict[str, Any]:
    record_id = _ref("parameters", "RecordId")
    spec = _ref("parameters", "Spec")
    if_match = _ref("parameters", "IfMatch")
    write: list[dict[str, list[str]]] = [{"bearer": []}]
    record_body = {"required": True, "content": {_JSON: {"schema": _ref("schemas", "RecordInput")}}}
    set_body = {"required": True, "content": {_JSON: {"schema": _ref("schemas", "SetInput")}}}
    facets = [_query(name, f"facet filter on `{field}`; repeat to accept any of several values",
                     {"type": "array", "items": {"type": "string"}}, explode=True)
              for name, field in FACETS.items()]
    return {
        "/api/records": {
            "get": {
                "operationId": "listRecords", "tags": ["records"],
                "summary": "List or search records",
                "description": "Without search arguments: every record, by datestamp, with "
                               "`after` cursors. With any of `q`, `sort`, `facets`, `page` or "
                               "a facet filter: a search, ranked and faceted, with keyset "
                               "`page` cursors (follow `links.next`).",
                "parameters": [
                    _query("q", "query language (Lucene / Elasticsearch query string)"),
                    _query("sort", "order of a search: `relevance` (bare words), `newest` / "
                           "`oldest` (creation), `title` (main title, case-insensitive, "
                           "A to Z, ties by id), `mostviewed` (with statistics on)",
                           {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                    _query("size", "page size: 1..1000 for lists, 1..100 for searches",
                           {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
                    _query("page", "a search's cursor from `links.next`"),
                    _query("after", "a list's cursor from `links.next`"),
                    _query("facets", "`0` or `false` leaves facet counts out"),
                    _query("all_versions", "`true`: every version of each record; by "
                           "default a search returns the latest version of each",
                           {"type": "boolean", "default": False}),
                    *facets,
                ],
                "responses": {"200": _json(_ref("schemas", "RecordList"),
                                           f"A page of records (searches: at most {MAX_SIZE})"),
                              **_problems(400, 422, 429)},
            },
            "post": {
                "operationId": "createRecord", "tags": ["records"], "summary": "Create a record",
                "security": write, "requestBody": record_body,
                "responses": {"201": _json(_ref("schemas", "Record"), "Created; Location and ETag"),
                              **_problems(*_WRITE_ERRORS, 409)},
            },
        },
        "/api/records/{record_id}": {
            "parameters": [record_id],
            "get": {
                "operationId": "getRecord", "tags": ["records"], "summary": "Read a record",
                "responses": {"200": _json(_ref("schemas", "Record"), "The record, with its ETag"),
                              "304": {"description": "Not modified (If-None-Match)"},
                              **_problems(404, 410, 429)},
            },
            "put": {
                "operationId": "replaceRecord", "tags": ["records"],
                "summary": "Replace a record's metadata and collections",
                "security": write, "parameters": [if_match], "requestBody": record_body,
                "responses": {"200": _json(_ref("schemas", "Record"), "The new revision"),
                              **_problems(*_WRITE_ERRORS, 404, 410, 412)},
            },
            "patch": {
                "operationId": "patchRecord", "tags": ["records"],
                "summary": "Change a record with a JSON Merge Patch (RFC 7396)",
                "security": write, "parameters": [if_match],
                "requestBody": {"required": True, "content": {
                    "application/merge-patch+json": {"schema": {"type": "object"}},
                    _JSON: {"schema": {"type": "object"}}}},
                "responses": {"200": _json(_ref("schemas", "Record"), "The new revision"),
                              **_problems(*_WRITE_ERRORS, 404, 410, 412)},
            },
            "delete": {
                "operationId": "deleteRecord", "tags": ["records"],
                "summary": "Delete a record (a tombstone is kept for OAI-PMH)",
                "security": write, "parameters": [if_match],
                "responses": {"204": {"description": "Deleted"},
                              **_problems(401, 404, 410, 412, 429)},
            },
        },
        "/api/records/{record_id}/versions": {
            "parameters": [record_id],
            "get": {
                "operationId": "listVersions", "tags": ["versions"],
                "summary": "Every version of the record, oldest first (tombstones too)",
                "parameters": [
                    _query("size", "page size, 1..100",
                           {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
                    _query("after", "the version index the page starts after (`links.next`)",
                           {"type": "integer", "minimum": 0, "default": 0}),
                ],
                "responses": {"200": _json(_ref("schemas", "RecordList"), "A page of versions"),
                              **_problems(404, 422, 429)},
            },
            "post": {
                "operationId": "createVersion", "tags": ["versions"],
                "summary": "Publish the next version of the record",
                "security": write,
                "requestBody": {"required": True, "content": {
                    _JSON: {"schema": _ref("schemas", "NewVersion")}}},
                "responses": {"201": _json(_ref("schemas", "Record"),
                                           "The new version (the latest); Location and ETag"),
                              **_problems(*_WRITE_ERRORS, 404, 409)},
            },
        },
        "/api/records/{record_id}/versions/latest": {
            "parameters": [record_id],
            "get": {
                "operationId": "latestVersion", "tags": ["versions"],
                "summary": "Redirect to the latest version of the record",
                "responses": {"302": {"description": "Location: the latest version"},
                              **_problems(404, 410, 429)},
            },
        },
        "/api/concepts/{concept_id}": {
            "parameters": [{"name": "concept_id", "in": "path", "required": True,
                            "schema": {"type": "string"},
                            "description": "a concept id (`parent.id` of a record)"}],
            "get": {
                "operationId": "getConcept", "tags": ["versions"],
                "summary": "Redirect to the concept's latest version",
                "responses": {"302": {"description": "Location: the latest version"},
                              **_problems(404, 410, 429)},
            },
        },
        "/api/records/{record_id}/doi": {
            "parameters": [record_id],
            "get": {
                "operationId": "getDOI", "tags": ["doi"],
                "summary": "The record's DOI and its DataCite state",
                "responses": {"200": _json(_ref("schemas", "DOIStatus"), "The DOI status"),
                              **_problems(404, 410, 429)},
            },
            "post": {
                "operationId": "requestDOI", "tags": ["doi"],
                "summary": "Give the record a DOI (if it has none) and queue it for DataCite",
                "security": write,
                "requestBody": {"required": False, "content": {
                    _JSON: {"schema": _ref("schemas", "DOIRequest")}}},
                "responses": {"202": _json(_ref("schemas", "DOIStatus"), "Queued"),
                              **_problems(*_WRITE_ERRORS, 404, 409, 410)},
            },
        },
        "/api/sets": {
            "get": {
                "operationId": "listSets", "tags": ["sets"], "summary": "List the OAI sets",
                "responses": {"200": _json(_ref("schemas", "SetList"), "Every set"),
                              **_problems(429)},
            },
            "post": {
                "operationId": "createSet", "tags": ["sets"],
                "summary": "Define a set by a query", "security": write, "requestBody": set_body,
                "responses": {"201": _json(_ref("schemas", "Set"), "Created; Location"),
                              **_problems(*_WRITE_ERRORS, 409)},
            },
        },
        "/api/sets/{spec}": {
            "parameters": [spec],
            "get": {
                "operationId": "getSet", "tags": ["sets"], "summary": "One set",
                "responses": {"200": _json(_ref("schemas", "Set"), "The set and its count"),
                              **_problems(404, 429)},
            },
            "put": {
                "operationId": "replaceSet", "tags": ["sets"],
                "summary": "Change a set's name, description and query", "security": write,
                "requestBody": set_body,
                "responses": {"200": _json(_ref("schemas", "Set"), "The changed set"),
                              **_problems(*_WRITE_ERRORS, 404)},
            },
            "delete": {
                "operationId": "deleteSet", "tags": ["sets"], "summary": "Remove a set",
                "security": write,
                "responses": {"204": {"description": "Removed"}, **_problems(401, 404, 429)},
            },
        },
        "/api/stats/records/{record_id}": {
            "parameters": [record_id],
            "get": {
                "operationId": "getRecordStats", "tags": ["statistics"],
                "summary": "A record's COUNTER usage figures over time",
                "parameters": [
                    _query("from", "first day: YYYY-MM-DD, YYYY-MM or YYYY"),
                    _query("to", "last day: YYYY-MM-DD, YYYY-MM or YYYY"),
                    _query("interval", "series step",
                           {"type": "string", "enum": ["day", "month", "year"],
                            "default": "month"}),
                ],
                "responses": {"200": _json(_ref("schemas", "RecordStats"), "Figures"),
                              **_problems(400, 404, 410, 429)},
            },
        },
        "/api/reports/dsr": {
            "get": {
                "operationId": "getDatasetReport", "tags": ["statistics"],
                "summary": "COUNTER R5 Dataset Report (as Make Data Count collects it)",
                "parameters": [
                    {**_query("begin_date", "YYYY-MM or YYYY-MM-DD"), "required": True},
                    {**_query("end_date", "YYYY-MM or YYYY-MM-DD"), "required": True},
                ],
                "responses": {"200": _json(_ref("schemas", "DatasetReport"), "The report"),
                              **_problems(400, 404, 429)},
            },
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "getOpenAPI", "tags": ["documentation"],
                "summary": "This description (OpenAPI 3.1)",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document")},
            },
        },
        "/api/docs": {
            "get": {
                "operationId": "getAPIDocs", "tags": ["documentation"],
                "summary": "This description as a readable page",
                "responses": {"200": {"description": "HTML",
                                      "content": {"text/html": {"schema": {"type": "string"}}}}},
            },
        },
    }


def openapi_document(base_url: str, repository_name: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this server's REST API."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{repository_name} REST API",
            "version": "1",
            "summary": "Records in the DataCite Metadata Schema, OAI sets, DOIs, usage",
            "description": "Reads are public; writes need `Authorization: Bearer <token>`. "
                           "Errors are RFC 9457 problem documents. OAI-PMH is served at "
                           "`/oai` (not described here: it is its own protocol).",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "tags": [{"name": "records"}, {"name": "sets"}, {"name": "doi"},
                 {"name": "statistics"}, {"name": "documentation"}],
        "paths": _paths(),
        "components": _components(),
    }


def _current_document() -> dict[str, Any]:
    config = current_services().config
    return openapi_document(config.base_url, config.repository_name)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return Response(json.dumps(_current_document(), indent=2, ensure_ascii=False),
                    content_type="application/json")


@bp.get("/docs")
def docs() -> Response:
    config = current_services().config
    document = _current_document()
    site = Site.from_base_url(config.repository_name, config.base_url)
    return Response(render("api_docs.html", site, section="api", api=document,
                           operations=_operations(document)),
                    content_type="text/html; charset=utf-8")


_METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations in path order, references resolved for display."""
    components = document["components"]

    def resolve(item: dict[str, Any]) -> dict[str, Any]:
        ref = item.get("$ref")
        if not ref:
            return item
        _, _, kind, name = ref.split("/")
        return dict(components[kind][name], name=name)

    found = []
    for path, item in document["paths"].items():
        shared = [resolve(p) for p in item.get("parameters", [])]
        for method in _METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody")
            found.append({
                "method": method.upper(), "path": path, "id": operation["operationId"],
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "auth": bool(operation.get("security")),
                "parameters": shared + [resolve(p) for p in operation.get("parameters", [])],
                "body": [(media, _schema_name(spec["schema"]))
                         for media, spec in (body or {}).get("content", {}).items()],
                "responses": [(status, resolve(response).get("description", ""),
                               [_schema_name(c["schema"])
                                for c in resolve(response).get("content", {}).values()])
                              for status, response in operation["responses"].items()],
            })
    return found


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "items" in schema:
        return _schema_name(schema["items"]) + "[]"
    return str(schema.get("type", "object"))
