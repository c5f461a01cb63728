"""Reading the DataCite JSON metadata model the way every crosswalk needs it.

Small pure functions shared by the Dublin Core, schema.org, CSL, BibTeX and
RIS crosswalks: identifiers as resolvable URLs, ORCID and ROR ids, person
names split into family/given, the "issued" date, the main title. They
tolerate the sloppiness real metadata has (an ORCID with a leading space, a
bare ORCID without its URL, a publisher given as a plain string).

Not for validation (``repository_core.metadata`` does that) and not for
writing DataCite XML (``serializers.datacite_xml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from repository_core.dois import DOI_RESOLVER, bare_doi
from serializers.links import web_link

__all__ = [
    "DOI_RESOLVER",
    "date_parts",
    "dates_of_type",
    "doi_url",
    "geo_polygons",
    "identifier_url",
    "issued_date",
    "main_title",
    "name_identifier_url",
    "orcid_url",
    "published_in",
    "publisher_name",
    "related_identifier_urls",
    "related_item_title",
    "resource_type_general",
    "ror_url",
    "split_name",
    "text",
]

_ORCID_RE = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
_ROR_RE = re.compile(r"(0[a-z0-9]{6}\d{2})$")


def text(value: Any) -> str:
    """A metadata value as stripped text ('' for None)."""
    return "" if value is None else str(value).strip()


def doi_url(doi: str) -> str:
    """The DOI as its https://doi.org/ URL, percent-encoding what a URL cannot hold."""
    return DOI_RESOLVER + quote(bare_doi(doi), safe="/:;()[]._-~!$&'*+,=@")


def _is_url(value: str) -> bool:
    return web_link(value) is not None


def identifier_url(value: str, scheme: str | None) -> str | None:
    """A resolvable URL (or URN) for an identifier of a DataCite identifier type.

    Returns None when the scheme has no resolver we can name with certainty
    (the caller then shows the identifier as text).
    """
    value = text(value)
    if not value:
        return None
    kind = (scheme or "").strip().lower()
    if kind == "doi":
        return doi_url(value)
    if _is_url(value):
        return value
    if kind == "handle":
        return "https://hdl.handle.net/" + quote(value, safe="/:;._-")
    if kind == "arxiv":
        return "https://arxiv.org/abs/" + value.removeprefix("arXiv:").removeprefix("arxiv:")
    if kind == "pmid":
        return "https://pubmed.ncbi.nlm.nih.gov/" + value
    if kind == "ark":
        return "https://n2t.net/" + (value if value.startswith("ark:") else "ark:" + value)
    if kind == "bibcode":
        return "https://ui.adsabs.harvard.edu/abs/" + quote(value, safe="&.")
    if kind == "igsn":
        return "https://igsn.org/" + value
    if kind in ("isbn", "issn", "eissn", "lissn"):
        return f"urn:{'issn' if 'issn' in kind else 'isbn'}:{value}"
    if kind == "urn" or value.lower().startswith("urn:"):
        return value if value.lower().startswith("urn:") else "urn:" + value
    if kind in ("url", "purl", "w3id") and value.startswith("//"):
        return "https:" + value
    return None


def orcid_url(value: str) -> str | None:
    """``https://orcid.org/0000-...`` from a bare ORCID iD or any ORCID URL."""
    match = _ORCID_RE.search(text(value).rstrip("/"))
    return f"https://orcid.org/{match.group(1).upper()}" if match else None


def ror_url(value: str) -> str | None:
    """``https://ror.org/0...`` from a bare ROR id or a ROR URL."""
    match = _ROR_RE.search(text(value).rstrip("/"))
    return f"https://ror.org/{match.group(1)}" if match else None


def name_identifier_url(identifier: Mapping[str, Any]) -> str | None:
    """A URL for one ``nameIdentifiers`` entry (ORCID, ROR, ISNI, or a URL), else None."""
    value = text(identifier.get("nameIdentifier"))
    scheme = text(identifier.get("nameIdentifierScheme")).lower()
    if scheme == "orcid":
        return orcid_url(value)
    if scheme == "ror":
        return ror_url(value)
    if scheme == "isni":
        digits = re.sub(r"[^0-9X]", "", value.upper())
        return f"https://isni.org/isni/{digits[-16:]}" if len(digits) >= 16 else None
    if _is_url(value):
        return value
    scheme_uri = text(identifier.get("schemeUri"))
    if scheme_uri and _is_url(scheme_uri) and value:
        return scheme_uri.rstrip("/") + "/" + value
    return None


def split_name(person: Mapping[str, Any]) -> tuple[str | None, str | None, str]:
    """(family, given, display) for a creator or contributor.

    Organisations (and names that cannot be split) give ``(None, None, name)``.
    A personal name "Family, Given" without givenName/familyName is split at
    the first comma, as DataCite's own crosswalks do.
    """
    name = text(person.get("name"))
    family, given = text(person.get("familyName")), text(person.get("givenName"))
    if person.get("nameType") == "Organizational":
        return None, None, name or family
    if family:
        return family, given or None, name or (f"{family}, {given}" if given else family)
    if person.get("nameType") == "Personal" and "," in name:
        fam, _, giv = name.partition(",")
        return fam.strip(), giv.strip() or None, name
    return None, None, name


def publisher_name(metadata: Mapping[str, Any]) -> str:
    publisher = metadata.get("publisher")
    if isinstance(publisher, Mapping):
        return text(publisher.get("name"))
    return text(publisher)


def published_in(metadata: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first ``IsPublishedIn`` related item (the journal or book this appeared in)."""
    for item in metadata.get("relatedItems") or []:
        if isinstance(item, Mapping) and item.get("relationType") == "IsPublishedIn":
            return item
    return None


def related_item_title(item: Mapping[str, Any] | None) -> str:
    """A related item's main title ('' if none)."""
    return main_title(item) if item else ""


def main_title(metadata: Mapping[str, Any]) -> str:
    """The first title without a titleType (else the first title)."""
    titles = [t for t in metadata.get("titles") or [] if text(t.get("title"))]
    for title in titles:
        if not title.get("titleType"):
            return text(title["title"])
    return text(titles[0]["title"]) if titles else ""


def dates_of_type(metadata: Mapping[str, Any], date_type: str) -> list[str]:
    return [text(d.get("date")) for d in metadata.get("dates") or []
            if d.get("dateType") == date_type and text(d.get("date"))]


def issued_date(metadata: Mapping[str, Any]) -> str:
    """The ``Issued`` date if there is one (the start of a range), else publicationYear."""
    for value in dates_of_type(metadata, "Issued"):
        start = value.split("/")[0].strip()
        if re.match(r"^\d{4}", start):
            return start
    return text(metadata.get("publicationYear"))


def date_parts(value: str) -> list[int]:
    """[year, month, day] (as far as known) from an ISO 8601 date or datetime."""
    match = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text(value))
    if not match:
        return []
    return [int(part) for part in match.groups() if part is not None]


def resource_type_general(metadata: Mapping[str, Any]) -> str:
    return text((metadata.get("types") or {}).get("resourceTypeGeneral")) or "Other"


def related_identifier_urls(
    metadata: Mapping[str, Any], *relation_types: str
) -> Iterator[tuple[str, str]]:
    """(relationType, URL or text) for each related identifier of the given types (all if none)."""
    for related in metadata.get("relatedIdentifiers") or []:
        relation = related.get("relationType", "")
        if relation_types and relation not in relation_types:
            continue
        value = text(related.get("relatedIdentifier"))
        if value:
            yield relation, identifier_url(value, related.get("relatedIdentifierType")) or value


def geo_polygons(geo: Mapping[str, Any]) -> list[list[Mapping[str, Any]]]:
    """Each polygon's points; the model allows one polygon (a list) or several (a list of lists)."""
    raw = geo.get("geoLocationPolygon") or geo.get("geoLocationPolygons") or []
    if raw and isinstance(raw, list) and raw and isinstance(raw[0], list):
        groups = raw
    else:
        groups = [raw] if raw else []
    result = []
    for group in groups:
        points = [p["polygonPoint"] for p in group
                  if isinstance(p, Mapping) and isinstance(p.get("polygonPoint"), Mapping)]
        if points:
            result.append(points)
    return result
