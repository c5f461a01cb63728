"""Errors a serializer or the format registry raises: one root, typed context.

::

    ExportError
     +-- UnknownFormat        no registered format has this name / media type / prefix
     +-- FormatNotAvailable   the format exists but cannot represent this record
     +-- UnknownStyle         a citation style name that is not installed
     +-- UnknownLocale        a citation locale that is not installed
     +-- StyleFailed          an installed style that cannot format this record

No HTTP status here: the HTTP layer maps them (406, 404, 400) in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ExportError",
    "FormatNotAvailable",
    "StyleFailed",
    "UnknownFormat",
    "UnknownLocale",
    "UnknownStyle",
]


class ExportError(Exception):
    """Root of every error raised while choosing or running a serializer."""


class UnknownFormat(ExportError, LookupError):
    """No registered format answers to ``key``; ``available`` lists the names that do."""

    def __init__(self, key: str, available: Iterable[str]):
        self.key = key
        self.available = tuple(available)
        super().__init__(f"unknown format {key!r}; available: {', '.join(self.available)}")


class FormatNotAvailable(ExportError):
    """The format cannot represent this record (e.g. DataCite XML without a DOI)."""

    def __init__(self, format_name: str, record_id: str, reason: str):
        self.format_name, self.record_id, self.reason = format_name, record_id, reason
        super().__init__(f"format {format_name!r} is not available for record {record_id!r}: {reason}")


class UnknownStyle(ExportError, LookupError):
    """A citation style that is not installed; ``available`` lists every valid name."""

    def __init__(self, style: str, available: Iterable[str], suggestions: Iterable[str] = ()):
        self.style = style
        self.available = tuple(available)
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(
            f"unknown citation style {style!r} ({len(self.available)} styles are installed){hint}"
        )


class StyleFailed(ExportError):
    """An installed CSL style that the citation processor cannot apply to this record.

    Some of the 10,000 community styles use CSL features citeproc-py does not
    implement; that is the style's limit here, not a server failure.
    """

    def __init__(self, style: str, locale: str):
        self.style, self.locale = style, locale
        super().__init__(f"the citation style {style!r} ({locale}) cannot format this record "
                         "with this server's citation processor; try another style")


class UnknownLocale(ExportError, LookupError):
    """A citation locale that is not installed; ``available`` lists every valid one."""

    def __init__(self, locale: str, available: Iterable[str]):
        self.locale = locale
        self.available = tuple(available)
        super().__init__(f"unknown citation locale {locale!r}; available: {', '.join(self.available)}")
