"""The pages' one Jinja environment and the site chrome every page shares.

Pure rendering (autoescaping on, no Flask globals), so pages can be tested
and reused without an app. Links inside the site are written from the
configured base URL's path (:attr:`Site.root`), never from the request, so
the pages work behind a proxy that mounts the server under a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader

__all__ = ["STATIC", "TEMPLATES", "Site", "environment", "render"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Site:
    """What the common header and footer show."""

    name: str
    #: the base URL's path without its trailing slash ("" when served at the root)
    root: str
    #: the base URL itself (shown where a person copies an address, e.g. OAI-PMH)
    base_url: str

    @classmethod
    def from_base_url(cls, name: str, base_url: str) -> Site:
        base = base_url.rstrip("/")
        return cls(name=name, root=urlsplit(base).path.rstrip("/"), base_url=base)

    def url(self, path: str, params: Any = None) -> str:
        """A link inside the site: ``path`` under the root, with query ``params``
        (a mapping or a list of pairs; empty values left out)."""
        link = self.root + path
        if params:
            pairs = params.items() if hasattr(params, "items") else params
            kept = [(k, v) for k, v in pairs if v not in (None, "")]
            if kept:
                link += "?" + urlencode(kept)
        return link

    def record_url(self, record_id: str) -> str:
        return self.url("/records/" + quote(record_id, safe=""))

    def set_url(self, spec: str) -> str:
        return self.url("/sets/" + quote(spec, safe=":"))


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       trim_blocks=True, lstrip_blocks=True)


def render(template: str, site: Site, **context: Any) -> str:
    return environment().get_template(template).render(site=site, **context)
