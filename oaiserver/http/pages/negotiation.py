"""Content negotiation for record pages: Accept header (or ``?format=``) -> one format.

Pure: a header string in, a ``Choice`` out, no Flask. The rules:

* Each offer (the HTML landing page, then every registered format with a
  media type, in ``FORMATS`` order, with its aliases) gets the quality of
  the *most specific* media range that matches it (``type/subtype`` beats
  ``type/*`` beats ``*/*``, RFC 9110 section 12.5.1). ``q=0`` excludes.
* The best offer wins: highest quality, then the most specific match (so
  ``application/x-bibtex, */*`` gives BibTeX, not the landing page), then
  the server's preference (the landing page first, then registry order).
* Media type parameters other than ``q`` (``text/x-bibliography;
  style=ieee; locale=de-DE``) are handed back in ``Choice.params``.
* No Accept header means ``*/*``: the landing page (like doi.org).
* ``?format=`` (a format name, a media type, or ``html``) overrides the
  Accept header.

Nothing matches: ``NotAcceptable``, carrying the media types on offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from werkzeug.http import parse_list_header, parse_options_header

from serializers.registry import FORMATS, Format, Registry

__all__ = [
    "HTML_MEDIA_TYPES",
    "Choice",
    "MediaRange",
    "NotAcceptable",
    "negotiate",
    "parse_accept",
]

HTML_MEDIA_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    q: float = 1.0
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def specificity(self, media_type: str) -> int:
        """How specifically this range matches ``media_type``: 0 (no match) to 3."""
        offered_type, _, offered_subtype = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != offered_type:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == offered_subtype else 0


@dataclass(frozen=True)
class Choice:
    """The outcome: a format (None: the HTML landing page), the media type matched, its params."""

    format: Format | None
    media_type: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_landing_page(self) -> bool:
        return self.format is None


class NotAcceptable(Exception):
    """No representation satisfies the request; ``available`` lists what is on offer."""

    def __init__(self, requested: str, available: Sequence[str], names: Sequence[str] = ()):
        self.requested = requested
        self.available = tuple(available)
        self.names = tuple(names)
        super().__init__(f"cannot serve {requested!r}; available: {', '.join(self.available)}")


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header, in header order; malformed elements are skipped."""
    if header is None or not header.strip():
        return [MediaRange("*", "*")]
    ranges = []
    for item in parse_list_header(header):
        value, options = parse_options_header(item)
        value = value.strip().lower()
        if value == "*":
            value = "*/*"
        main, slash, sub = value.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        params = {k.lower(): v for k, v in options.items()}
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            continue
        if not 0 <= q <= 1:
            continue
        ranges.append(MediaRange(main, sub, q, MappingProxyType(params)))
    return ranges


def _offers(formats: Sequence[Format], html: bool) -> list[tuple[Format | None, str]]:
    offers: list[tuple[Format | None, str]] = []
    if html:
        offers += [(None, media_type) for media_type in HTML_MEDIA_TYPES]
    for fmt in formats:
        offers += [(fmt, media_type.lower()) for media_type in fmt.media_types]
    return offers


def _available(formats: Sequence[Format], html: bool) -> list[str]:
    return ([HTML_MEDIA_TYPES[0]] if html else []) + [f.media_type for f in formats if f.media_type]


def negotiate(
    accept: str | None,
    *,
    format_param: str | None = None,
    formats: Sequence[Format] | None = None,
    registry: Registry = FORMATS,
    html: bool = True,
) -> Choice:
    """Choose the representation for an Accept header or a ``?format=`` value.

    ``formats`` restricts the offer (e.g. to the formats available for one
    record); by default every format of ``registry`` that has a media type.
    ``html=False`` leaves the landing page out of the offer.
    """
    offered = list(formats) if formats is not None else registry.negotiable()
    offered = [f for f in offered if f.media_type]
    if format_param is not None:
        return _by_format_param(format_param, offered, registry, html)

    ranges = parse_accept(accept)
    best: tuple[float, int, int] | None = None
    chosen: Choice | None = None
    for preference, (fmt, media_type) in enumerate(_offers(offered, html)):
        matched = _best_range(ranges, media_type)
        if matched is None or matched[0].q <= 0:
            continue
        media_range, specificity = matched
        if fmt is None and media_type != HTML_MEDIA_TYPES[0] and specificity < 3:
            continue  # XHTML only when named: "application/*" means data, not the landing page
        key = (media_range.q, specificity, -preference)
        if best is None or key > best:
            best = key
            canonical = fmt.media_type if fmt is not None and fmt.media_type else HTML_MEDIA_TYPES[0]
            chosen = Choice(fmt, canonical,
                            media_range.params if specificity == 3 else MappingProxyType({}))
    if chosen is None:
        raise NotAcceptable(accept or "", _available(offered, html), [f.name for f in offered])
    return chosen


def _best_range(ranges: Sequence[MediaRange], media_type: str) -> tuple[MediaRange, int] | None:
    """The most specific range matching ``media_type`` (the highest q among equally specific)."""
    best: tuple[MediaRange, int] | None = None
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if not specificity:
            continue
        if best is None or (specificity, media_range.q) > (best[1], best[0].q):
            best = (media_range, specificity)
    return best


def _by_format_param(value: str, offered: Sequence[Format], registry: Registry,
                     html: bool) -> Choice:
    key = value.strip()
    if html and key.lower() in ("html", *HTML_MEDIA_TYPES):
        return Choice(None, HTML_MEDIA_TYPES[0])
    fmt = registry.get(key) or registry.by_media_type(key)
    if fmt is not None and fmt in offered and fmt.media_type:
        return Choice(fmt, fmt.media_type)
    raise NotAcceptable(f"format={value}", _available(offered, html), [f.name for f in offered])
