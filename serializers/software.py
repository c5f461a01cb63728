"""What the software formats (CodeMeta, Citation File Format) read from DataCite metadata.

Three facts both formats need, written once:

``is_software(record)``
    CodeMeta and CFF describe software, so the registry offers them only for
    records whose ``resourceTypeGeneral`` is ``Software`` (read through
    ``serializers.datacite_reading.resource_type_general``, the reading every
    crosswalk's type comes from). ``ComputationalNotebook``, ``Workflow`` and
    ``Model`` are left out on purpose: CFF's ``type`` knows only ``software``
    and ``dataset``, and a notebook or a trained model described as
    ``SoftwareSourceCode`` would mislead the indexes that read these files.

``code_repository(metadata)``
    DataCite has no property for a source code repository; depositors (and
    Zenodo's GitHub integration, the convention CodeMeta's crosswalk names in
    its Zenodo column: ``codeRepository <- related_identifiers.isSupplementTo``)
    record it as a related identifier. The rule:

    1. the related identifier's ``relationType`` is ``IsSupplementTo`` or
       ``IsDerivedFrom`` (in that order of preference, then in record order);
    2. its value is an http(s) URL (``web_link``; any identifier type, since
       depositors write ``URL`` as often as nothing useful);
    3. its host is a code host: one of ``CODE_HOSTS`` (or a subdomain of
       one), or a host whose first label names a forge (``git.``,
       ``gitlab.``, ``gitea.``, ``forgejo.``, ``code.``, ``svn.``, ``hg.``:
       the self-hosted GitLab of an institute).

    The URL is kept as given (a ``/tree/v1.2`` release URL stays one). A
    URL that is not on a code host is not a repository: it stays a related
    link. Nothing else (an SWHID, a DOI of another deposit) is guessed.

``spdx_licenses(metadata)`` and ``license_urls(metadata)``
    A right's ``rightsIdentifier`` is an SPDX licence id when its
    ``rightsIdentifierScheme`` is ``SPDX`` and the id is on the SPDX License
    List; the list used is the one the Citation File Format 1.2.0 schema
    carries (``schemas/cff-1.2.0/schema.json``, SPDX list of 2021-05-14), so
    that every id we write is one CFF accepts. Ids are matched without regard
    to case, and with spaces read as hyphens (DataCite's own affiliation
    example writes ``CC0 1.0`` for ``CC0-1.0``); a ``rightsUri`` of the form
    ``https://spdx.org/licenses/<id>`` names an id too. Other rights with an
    http(s) ``rightsUri`` are licence URLs; the ``info:eu-repo/semantics/``
    access terms are access rights, not licences, and are neither.

Not for: writing either format (``serializers.codemeta``, ``serializers.cff``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from repository_core.records import Record
from serializers.datacite_reading import identifier_url, resource_type_general, text
from serializers.links import web_link

__all__ = [
    "ACCESS_RIGHTS",
    "CFF_SCHEMA",
    "CODE_HOSTS",
    "REPOSITORY_RELATIONS",
    "SPDX_URL",
    "abstract",
    "cff_schema",
    "code_repository",
    "is_software",
    "license_urls",
    "related_url",
    "spdx_id",
    "spdx_licenses",
]

CFF_SCHEMA = Path(__file__).with_name("schemas") / "cff-1.2.0" / "schema.json"
SPDX_URL = "https://spdx.org/licenses/"
ACCESS_RIGHTS = "info:eu-repo/semantics/"
REPOSITORY_RELATIONS = ("IsSupplementTo", "IsDerivedFrom")
"""Relation types whose URL may be the code repository, in order of preference."""

CODE_HOSTS = frozenset({
    "github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sourceforge.net",
    "git.sr.ht", "hg.sr.ht", "gitee.com", "framagit.org", "salsa.debian.org",
    "invent.kde.org", "gitlab.gnome.org", "gitlab.freedesktop.org", "launchpad.net",
    "dev.azure.com", "googlesource.com",
})
_FORGE_LABELS = frozenset({"git", "gitlab", "gitea", "forgejo", "code", "svn", "hg"})
_SPDX_URL_RE = re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([^/?#]+?)(?:\.html|\.json)?/?$",
                          re.IGNORECASE)


def is_software(record: Record) -> bool:
    """Whether CodeMeta and CFF apply: the record's resourceTypeGeneral is Software."""
    return resource_type_general(record.metadata or {}) == "Software"


def _on_code_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if any(host == known or host.endswith("." + known) for known in CODE_HOSTS):
        return True
    first, _, rest = host.partition(".")
    return first in _FORGE_LABELS and "." in rest


def code_repository(metadata: Mapping[str, Any]) -> str | None:
    """The source code repository's URL by the rule in the module docstring, else None."""
    related = [r for r in metadata.get("relatedIdentifiers") or [] if isinstance(r, Mapping)]
    for relation in REPOSITORY_RELATIONS:
        for entry in related:
            if entry.get("relationType") != relation:
                continue
            url = web_link(text(entry.get("relatedIdentifier")))
            if url and _on_code_host(url):
                return url
    return None


@cache
def cff_schema() -> dict[str, Any]:
    """The Citation File Format 1.2.0 JSON Schema (shipped with the package)."""
    loaded: dict[str, Any] = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    return loaded


@cache
def _spdx_ids() -> dict[str, str]:
    """Lower-cased SPDX id -> the id as the list spells it."""
    ids: list[str] = cff_schema()["definitions"]["license-enum"]["enum"]
    return {i.lower(): i for i in ids}


def spdx_id(value: str) -> str | None:
    """``value`` as an id of the SPDX License List (case and spaces forgiven), else None."""
    key = re.sub(r"\s+", "-", text(value)).lower()
    return _spdx_ids().get(key) if key else None


def _right_spdx_id(right: Mapping[str, Any]) -> str | None:
    scheme = text(right.get("rightsIdentifierScheme")).upper()
    if scheme == "SPDX" and (found := spdx_id(text(right.get("rightsIdentifier")))):
        return found
    match = _SPDX_URL_RE.match(text(right.get("rightsUri")))
    return spdx_id(match.group(1)) if match else None


def spdx_licenses(metadata: Mapping[str, Any]) -> list[str]:
    """The SPDX ids of the record's licences, in order, without repeats."""
    found: list[str] = []
    for right in metadata.get("rightsList") or []:
        if isinstance(right, Mapping) and (ident := _right_spdx_id(right)) and ident not in found:
            found.append(ident)
    return found


def license_urls(metadata: Mapping[str, Any]) -> list[str]:
    """http(s) ``rightsUri`` values of the licences that have no SPDX id (access terms left out)."""
    found: list[str] = []
    for right in metadata.get("rightsList") or []:
        if not isinstance(right, Mapping) or _right_spdx_id(right):
            continue
        url = web_link(text(right.get("rightsUri")))
        if url and url not in found:
            found.append(url)
    return found


def related_url(entry: Mapping[str, Any]) -> str | None:
    """A related identifier as an http(s) URL (through its resolver), else None."""
    value = text(entry.get("relatedIdentifier"))
    return web_link(identifier_url(value, entry.get("relatedIdentifierType")) or "") if value else None


def abstract(metadata: Mapping[str, Any]) -> str:
    """The description both formats carry: the first abstract in the record's language,
    else the first abstract, else the first description of any type ('' if none).

    One text, never several joined: both targets hold one description, and
    abstracts in two languages joined would be neither."""
    descriptions = [d for d in metadata.get("descriptions") or []
                    if isinstance(d, Mapping) and text(d.get("description"))]
    abstracts = [d for d in descriptions if d.get("descriptionType") == "Abstract"]
    language = text(metadata.get("language")).lower()
    preferred = [d for d in abstracts if language and text(d.get("lang")).lower() == language]
    candidates = preferred or abstracts or descriptions
    return text(candidates[0]["description"]) if candidates else ""
