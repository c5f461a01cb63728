"""UTCdatetime as OAI-PMH uses it: two granularities in requests, seconds in responses.

Requests may use ``YYYY-MM-DD`` or ``YYYY-MM-DDThh:mm:ssZ`` (spec 3.3.1).
Bounds are inclusive and cover their whole unit: ``until=2024-05-01``
covers the whole day, ``until=2024-05-01T10:00:00Z`` the whole second, so a
record shown with datestamp D is always selected by ``from=D`` and
``until=D`` although stored datestamps carry microseconds. The extremes of the form
(``0001-01-01``, ``9999-12-31``) are ordinary bounds.

Not for the datestamp clock (``repository_core.datestamps``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

__all__ = ["LAST_MOMENT", "Granularity", "UTCDate", "format_datestamp", "parse_utc_date"]

# fullmatch (no trailing newline); ASCII digits only: ``\d`` alone would take
# fullwidth or Arabic-Indic digits, which int() then reads as a date
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_SECOND = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z", re.ASCII)

#: the last microsecond a ``datetime`` can hold: the end of the last day of year 9999
LAST_MOMENT = datetime.max.replace(tzinfo=UTC)


class Granularity(Enum):
    DAY = "YYYY-MM-DD"
    SECOND = "YYYY-MM-DDThh:mm:ssZ"


@dataclass(frozen=True)
class UTCDate:
    """A ``from`` or ``until`` value: its start and its granularity."""

    start: datetime
    granularity: Granularity

    @property
    def end(self) -> datetime:
        """The last microsecond this value covers (for an inclusive ``until``).

        ``9999-12-31`` and ``9999-12-31T23:59:59Z`` end at :data:`LAST_MOMENT`
        (computing "start + unit" would overflow ``datetime``).
        """
        unit = timedelta(days=1) if self.granularity is Granularity.DAY else timedelta(seconds=1)
        if LAST_MOMENT - self.start < unit:
            return LAST_MOMENT
        return self.start + unit - timedelta(microseconds=1)


def parse_utc_date(text: str) -> UTCDate:
    """Parse a request's UTCdatetime; ``ValueError`` names what is wrong."""
    if m := _DAY.fullmatch(text):
        granularity = Granularity.DAY
    elif m := _SECOND.fullmatch(text):
        granularity = Granularity.SECOND
    else:
        raise ValueError(
            f"{text!r} is not a UTCdatetime of the form YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
        )
    try:
        year, month, day, *clock = (int(g) for g in m.groups())
        hour, minute, second = clock or (0, 0, 0)  # a day-granularity date starts at midnight
        start = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    return UTCDate(start, granularity)


def format_datestamp(value: datetime) -> str:
    """A datestamp in the repository's granularity (seconds), in UTC.

    Its six fields %-formatted rather than ``strftime(DATESTAMP_FORMAT)`` or
    ``isoformat``: the same text (four digits for years before 1000 too, as
    the schema wants) in 0.7 µs instead of 1.7 and 1.2 (a list page writes
    one per record).
    """
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # an f-string with the same format specifiers takes 1.2 µs: UP031 is wrong here
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second)
