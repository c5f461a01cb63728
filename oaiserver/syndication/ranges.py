"""A page's keyset range in its URL: ``?after=<datestamp>~<id>&last=<datestamp>~<id>``.

The range is fixed when the index is written, so a page fetched later shows
the same records, less those that changed meanwhile
(``repository_core.syndication``). Datestamps are written with microseconds,
so a range read back is exactly the one written. Anything else is refused
with :class:`BadRange`, whose message names the argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

from repository_core.records import Cursor
from repository_core.syndication import PageRange

__all__ = ["BadRange", "parse_range", "range_query", "w3c_datetime"]

_CURSOR = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)~([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class BadRange(ValueError):
    """A page URL whose ``after`` or ``last`` argument is missing or malformed."""


def w3c_datetime(value: datetime, *, seconds: bool = False) -> str:
    """W3C Datetime in UTC with ``Z``: microseconds, or whole seconds if ``seconds``."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    text = value.replace(tzinfo=None).isoformat(timespec="seconds" if seconds else "microseconds")
    return text + "Z"


def _cursor_text(cursor: Cursor) -> str:
    return f"{w3c_datetime(cursor.datestamp)}~{cursor.id}"


def range_query(page: PageRange) -> str:
    """The query string (without ``?``) naming ``page``."""
    args = {"last": _cursor_text(page.last)}
    if page.after is not None:
        args = {"after": _cursor_text(page.after), **args}
    return urlencode(args, safe=":~")


def _parse_cursor(name: str, text: str) -> Cursor:
    match = _CURSOR.fullmatch(text)
    if match is None:
        raise BadRange(f"{name}: expected <datestamp>~<record id> as the index gives it, "
                       f"like 2024-05-01T10:00:00.000000Z~abcde-fghij; got {text[:100]!r}")
    try:
        stamp = datetime.strptime(match.group(1), _FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise BadRange(f"{name}: {match.group(1)!r} is not a date and time") from None
    return Cursor(stamp, match.group(2))


def parse_range(args: Mapping[str, str]) -> PageRange:
    """The range a page URL names; raises :class:`BadRange`."""
    unknown = sorted(set(args) - {"after", "last"})
    if unknown:
        raise BadRange(f"unknown argument {unknown[0]!r}; a page takes 'after' and 'last'")
    if "last" not in args:
        raise BadRange("last: missing; the page URLs are listed in the index")
    last = _parse_cursor("last", args["last"])
    after = _parse_cursor("after", args["after"]) if "after" in args else None
    if after is not None and after >= last:
        raise BadRange("after: must come before last")
    return PageRange(after, last)
