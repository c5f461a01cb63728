"""The HTTP face of OAI-PMH: the Flask blueprint ``bp`` at ``/oai``.

Three lines of protocol per request (parse the arguments, ask the endpoint,
return bytes) plus what belongs to HTTP only:

- GET query and POST ``application/x-www-form-urlencoded`` body give
  identical results (spec 3.1.1); ``text/xml; charset=utf-8``; OAI errors
  travel in ``200 OK``.
- Flow control: beyond ``oai_max_concurrent_lists`` concurrent ListRecords /
  ListIdentifiers requests in this process, ``503 Service Unavailable`` with
  ``Retry-After`` (spec 3.1.2.2) at once, never a queue that times out.
- ``gzip`` / ``deflate`` content coding by ``Accept-Encoding`` (spec 3.1.3).
- A browser (an ``Accept`` preferring ``text/html``) gets the response as an
  HTML page, transformed on the server with ``static/oai2.xsl``
  (:mod:`oaiserver.http.pages.oai_view`); everyone else gets the XML, which
  still names the stylesheet. Every answer carries ``Vary: Accept``, so a
  cache never hands a harvester the HTML.
- An unexpected exception is logged and answered with ``500`` and a small
  XML document (:data:`SERVER_FAILURE`): a harvester parses XML, and OAI-PMH
  has no error code for a server failure. HTTP errors (413 ...) stay the
  app's problem documents.

- A ``GetRecord`` of a live record counts as a ``Machine`` COUNTER
  investigation (``oaiserver.http.usage``); the protocol core knows nothing
  of it.

The endpoint (:class:`~.endpoint.OAIEndpoint`) is the services' own
(``Services.oai``, built once by ``oaiserver.services``); a test may put
its own there.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from oaiserver.http.current import current_services
from oaiserver.http.pages.oai_view import prefers_html, render_oai_page
from oaiserver.http.pages.rendering import Site
from oaiserver.http.problems import describe_failure, problem_from_http
from oaiserver.http.usage import count_use
from repository_core.records import local_id_from_oai_identifier

from .errors import BadArgument
from .namespaces import LIST_VERBS
from .verbs import RecordItem, Reply
from .xml import render

__all__ = ["bp"]

bp = Blueprint(
    "oai", __name__, url_prefix="/oai", static_folder="static", static_url_path="/static"
)

log = logging.getLogger(__name__)

#: The body of a 500: well-formed XML, deliberately not an OAI-PMH response
#: (the schema has no error code for it) and without the exception's text.
SERVER_FAILURE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<serverError>The repository failed to answer this request; the failure was logged. "
    b"Please try again later.</serverError>\n"
)


def _arguments() -> dict[str, list[str]]:
    params: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    if request.method == "POST":
        for key in request.form:
            params.setdefault(key, []).extend(request.form.getlist(key))
    return params


def _undecodable() -> bool:
    """A POSTed form whose bytes are not UTF-8 (Werkzeug would drop its fields silently)."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return False
    try:
        unquote_to_bytes(request.get_data(cache=True)).decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
def oai() -> Response:
    endpoint = current_services().oai
    stylesheet = url_for("oai.static", filename="oai2.xsl")
    if _undecodable():
        return _encoded(endpoint.refuse(
            BadArgument("The request body is not UTF-8 encoded."), stylesheet=stylesheet))
    params = _arguments()
    if params.get("verb", [None])[0] not in LIST_VERBS:
        reply = endpoint.reply(params)
        body = render(reply, base_url=endpoint.identity.base_url, stylesheet=stylesheet)
    else:
        # a list request holds one of its client's slots and one of the process's
        with _client_list_slot() as admitted:
            if not admitted or not endpoint.gate.acquire(blocking=False):
                return _busy(endpoint.retry_after_seconds)
            try:
                reply = endpoint.reply(params)
                body = render(reply, base_url=endpoint.identity.base_url, stylesheet=stylesheet)
            finally:
                endpoint.gate.release()
    _count_get_record(reply, endpoint.identity.repository_id)
    if prefers_html(request.headers.get("Accept")):
        config = current_services().config
        page = render_oai_page(body, Site.from_base_url(config.repository_name, config.base_url))
        return Response(page, content_type="text/html; charset=utf-8")
    return _encoded(body)


@bp.after_request
def _vary_by_accept(response: Response) -> Response:
    """The same URL answers XML or HTML by ``Accept``: caches must key on it."""
    response.vary.add("Accept")
    return response


@contextmanager
def _client_list_slot() -> Iterator[bool]:
    """One of the client's concurrent list slots (always granted when rate limits are off)."""
    limits = current_app.extensions.get("oaiserver.ratelimits")
    if limits is None:
        yield True
        return
    with limits.lists.enter(limits.client()) as admitted:
        yield admitted


def _count_get_record(reply: Reply, repository_id: str) -> None:
    """A GetRecord answered with a live record is one use of it."""
    if reply.verb != "GetRecord" or reply.errors or not reply.items:
        return
    item = reply.items[0]
    if isinstance(item, RecordItem) and not item.header.deleted:
        local = local_id_from_oai_identifier(repository_id, item.header.identifier)
        if local is not None:
            count_use(local, "Machine")


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    # Blueprint handlers are looked up before the app's, for every class in
    # the exception's MRO: an HTTPException lands here too and keeps the
    # app's answer.
    if isinstance(exc, HTTPException):
        return problem_from_http(exc)
    log.error("unexpected error on OAI-PMH %s %s: %s", request.method, request.full_path,
              describe_failure(exc))
    return Response(SERVER_FAILURE, status=500, content_type="text/xml; charset=utf-8")


def _busy(seconds: int) -> Response:
    response = Response(
        f"Too many harvests at once; retry in {seconds} seconds.\n",
        status=503, mimetype="text/plain",
    )
    response.headers["Retry-After"] = str(seconds)
    return response


#: zlib level 3, not the default 6: on a list page of 100 records (260 kB of
#: ``oai_dc``) it compresses in 1.6 ms instead of 3.8 ms, to 16% of the page
#: instead of 12%; the 2 ms saved outweigh the extra bytes on any link faster
#: than about 30 Mbit/s, and the page's own assembly takes about 4 ms.
COMPRESS_LEVEL = 3


def _encoded(body: bytes) -> Response:
    """The response, gzip- or deflate-coded when the harvester accepts it."""
    accepted = request.accept_encodings
    coding = max(("gzip", "deflate"), key=lambda c: accepted[c])
    response = Response(content_type="text/xml; charset=utf-8")
    response.vary.add("Accept-Encoding")
    if accepted[coding] > 0:
        if coding == "gzip":
            body = gzip.compress(body, compresslevel=COMPRESS_LEVEL, mtime=0)
        else:
            body = zlib.compress(body, COMPRESS_LEVEL)
        response.content_encoding = coding
    response.set_data(body)
    return response
