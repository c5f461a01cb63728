"""Version relations: derived from the concept, stored in each version's metadata.

When to use: the record service calls :func:`derived_relations`,
:func:`contradictions` and :func:`with_relations` inside its write
transaction, whenever a version is created, updated, deleted or restored or
gets its DOI; the DOI worker calls :func:`concept_record` to build what
DataCite holds for a concept DOI. Nothing here commits or writes a row.

The rules (DataCite's ``relatedIdentifiers``, type ``DOI``):

- every live version ``IsVersionOf`` the concept DOI, once the concept has one;
- ``IsNewVersionOf`` the previous and ``IsPreviousVersionOf`` the next
  version in version order. Deleted versions are skipped as neighbours (as
  Zenodo does): the versions around a tombstone point at each other. A
  neighbour without a DOI gives no relation until it has one (the relation
  does not jump over it to a version further away);
- the concept ``HasVersion`` each live version with a DOI.

A DOI still a draft here counts as none yet: a draft does not resolve, and
the public never sees it (``public_doi``); when it is registered, the
relations to it appear.

A relation of these four types pointing at a DOI "here" (a version of the
same concept, tombstones included, or the concept DOI) is ours to derive:
one the derivation would not give is a contradiction and refused when a
user sends it. Relations of these types pointing anywhere else (imported
metadata, another concept's versions) and relations of any other type are
kept as they are. A tombstone's metadata is left as it was when it was
deleted.

Not for: deciding which version is the latest (``versions``), DOIs or
DataCite (``datacite_client``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dois import doi_key
from .errors import Problem
from .models import ConceptRow, RecordRow
from .records import Record
from .store import row_to_record

__all__ = [
    "VERSION_RELATION_TYPES",
    "ConceptView",
    "concept_record",
    "concept_view",
    "contradictions",
    "derived_relations",
    "public_concept_dois",
    "relation",
    "single_version_view",
    "with_relations",
    "without_relations_here",
]

IS_VERSION_OF = "IsVersionOf"
HAS_VERSION = "HasVersion"
IS_NEW_VERSION_OF = "IsNewVersionOf"
IS_PREVIOUS_VERSION_OF = "IsPreviousVersionOf"
VERSION_RELATION_TYPES = frozenset({IS_VERSION_OF, HAS_VERSION, IS_NEW_VERSION_OF,
                                    IS_PREVIOUS_VERSION_OF})
#: the order derived relations are listed in, after the others
_ORDER = (IS_VERSION_OF, IS_NEW_VERSION_OF, IS_PREVIOUS_VERSION_OF, HAS_VERSION)


def relation(relation_type: str, doi: str) -> dict[str, str]:
    """A related identifier in the stored (DataCite JSON) shape."""
    return {"relatedIdentifier": doi, "relatedIdentifierType": "DOI",
            "relationType": relation_type}


@dataclass(frozen=True)
class _Version:
    id: str
    index: int
    doi: str | None
    deleted: bool
    #: the DOI as relations may name it: None while it is a draft (it does not resolve)
    public_doi: str | None


@dataclass(frozen=True)
class ConceptView:
    """A concept and its versions (oldest first), as the derivation needs them."""

    concept_id: str
    doi: str | None
    versions: tuple[_Version, ...]
    #: the concept DOI as relations may name it: None while it is a draft
    public_doi: str | None = None

    @property
    def here(self) -> frozenset[str]:
        """The DOIs (store form) a version relation may point at inside this concept."""
        found = {v.doi for v in self.versions if v.doi}
        if self.doi:
            found.add(self.doi)
        return frozenset(found)

    @property
    def live(self) -> tuple[_Version, ...]:
        return tuple(v for v in self.versions if not v.deleted)


def concept_view(session: Session, concept_id: str) -> ConceptView | None:
    concept = session.get(ConceptRow, concept_id)
    if concept is None:
        return None
    session.flush()
    rows = session.execute(
        select(RecordRow.id, RecordRow.version_index, RecordRow.doi, RecordRow.deleted)
        .where(RecordRow.concept_id == concept_id)
        .order_by(RecordRow.version_index)
    ).all()
    drafts = _drafts(session, [r.doi for r in rows if r.doi], concept.doi)
    versions = tuple(_Version(r.id, r.version_index, r.doi, r.deleted,
                              r.doi if r.doi and r.doi not in drafts else None) for r in rows)
    public = concept.doi if concept.doi and concept.doi not in drafts else None
    return ConceptView(concept_id, concept.doi, versions, public)


def single_version_view(concept_id: str, record_id: str, doi: str | None) -> ConceptView:
    """A new concept (no DOI) whose one version is a new record: what
    :func:`concept_view` reads right after such a record is stored, without reading it.

    (Its derivation depends on no draft state: one version has no neighbours.)"""
    return ConceptView(concept_id, None, (_Version(record_id, 1, doi, False, doi),), None)


def _drafts(session: Session, dois: Sequence[str], concept_doi: str | None) -> set[str]:
    """Those of the versions' DOIs and the concept DOI that are still drafts here."""
    from .outbox import ConceptDOIRegistrationRow
    from .public_doi import draft_dois

    found = draft_dois(session, dois)
    if concept_doi:
        registration = session.get(ConceptDOIRegistrationRow, concept_doi)
        if registration is not None and registration.is_draft:
            found.add(concept_doi)
    return found


def public_concept_dois(session: Session, concept_ids: Iterable[str]) -> dict[str, str]:
    """Concept id -> its DOI, for those of ``concept_ids`` whose DOI the public may see
    (minted, and not a draft: a draft DOI does not resolve)."""
    from .outbox import ConceptDOIRegistrationRow

    wanted = sorted(set(concept_ids))
    if not wanted:
        return {}
    registration = ConceptDOIRegistrationRow
    rows = session.execute(
        select(ConceptRow.id, ConceptRow.doi, registration.intended_state,
               registration.confirmed_state)
        .outerjoin(registration, registration.doi == ConceptRow.doi)
        .where(ConceptRow.id.in_(wanted), ConceptRow.doi.is_not(None))
    ).all()
    return {cid: doi for cid, doi, intended, confirmed in rows
            if doi and not (intended == "draft" and confirmed in (None, "draft"))}


def derived_relations(view: ConceptView) -> dict[str, list[dict[str, str]]]:
    """The version relations of each live version (record id -> relations)."""
    live = view.live
    derived: dict[str, list[dict[str, str]]] = {}
    for i, version in enumerate(live):
        found = []
        if view.public_doi:
            found.append(relation(IS_VERSION_OF, view.public_doi))
        if i > 0 and live[i - 1].public_doi:
            found.append(relation(IS_NEW_VERSION_OF, str(live[i - 1].public_doi)))
        if i + 1 < len(live) and live[i + 1].public_doi:
            found.append(relation(IS_PREVIOUS_VERSION_OF, str(live[i + 1].public_doi)))
        derived[version.id] = found
    return derived


def _target(item: Any) -> str | None:
    """The DOI (store form) a related identifier names, or None if it names no DOI."""
    if not isinstance(item, Mapping):
        return None
    value = item.get("relatedIdentifier")
    kind = str(item.get("relatedIdentifierType") or "")
    if not isinstance(value, str) or not value.strip():
        return None
    key = doi_key(value)
    if kind == "DOI" or (kind == "URL" and key != value.strip().lower()):
        return key  # a DOI, or a doi.org URL of one
    return None


def _points_here(item: Any, here: frozenset[str]) -> bool:
    return (isinstance(item, Mapping) and item.get("relationType") in VERSION_RELATION_TYPES
            and _target(item) in here)


def contradictions(metadata: Mapping[str, Any], view: ConceptView,
                   derived: Sequence[Mapping[str, str]]) -> list[Problem]:
    """Relations of ``metadata`` between versions here that the derivation does not give.

    Pointers are relative to the record document (``/metadata/...``).
    """
    items = metadata.get("relatedIdentifiers")
    if not isinstance(items, list):
        return []
    here = view.here | _own_doi(metadata)
    allowed = {(r["relationType"], r["relatedIdentifier"]) for r in derived}
    problems = []
    for i, item in enumerate(items):
        if not _points_here(item, here):
            continue
        if (item["relationType"], _target(item)) in allowed:
            continue
        problems.append(Problem(
            f"/metadata/relatedIdentifiers/{i}",
            f"{item['relationType']} {item.get('relatedIdentifier')}: relations between "
            f"versions of this record are derived from the version order, not given; "
            f"this one contradicts them (derived here: "
            f"{', '.join(f'{t} {d}' for t, d in sorted(allowed)) or 'none'})"))
    return problems


def _own_doi(metadata: Mapping[str, Any]) -> frozenset[str]:
    doi = metadata.get("doi")
    return frozenset({doi_key(doi)}) if isinstance(doi, str) and doi.strip() else frozenset()


def without_relations_here(metadata: Mapping[str, Any], here: frozenset[str]) -> dict[str, Any]:
    """``metadata`` without the version relations that point at a DOI in ``here``."""
    result = dict(metadata)
    items = metadata.get("relatedIdentifiers")
    if isinstance(items, list):
        kept = [item for item in items if not _points_here(item, here)]
        if len(kept) == len(items):
            return result  # nothing of ours: the list stays as it came (even empty)
        if kept:
            result["relatedIdentifiers"] = kept
        else:
            result.pop("relatedIdentifiers", None)
    return result


def with_relations(metadata: Mapping[str, Any], view: ConceptView,
                   derived: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """``metadata`` with its version relations here replaced by ``derived``.

    Idempotent: applied twice, the second time changes nothing. Other
    relations keep their order; the derived ones follow them.
    """
    result = without_relations_here(metadata, view.here | _own_doi(metadata))
    if derived:
        ordered = sorted(derived, key=lambda r: (_ORDER.index(r["relationType"]),
                                                 r["relatedIdentifier"]))
        result["relatedIdentifiers"] = [*result.get("relatedIdentifiers", []),
                                        *(dict(r) for r in ordered)]
    return result


def concept_record(session: Session, concept_id: str) -> Record | None:
    """What DataCite holds for the concept DOI, as a record: None if it has no DOI.

    The latest version's metadata (the newest version when every version is
    deleted: the concept is then a tombstone too), with the concept DOI as
    its identifier, none of the version's own version relations here, and
    ``HasVersion`` each live version with a DOI. Its ``id`` is the latest
    version's, so its landing page (the DOI's URL) is the latest version's.
    """
    view = concept_view(session, concept_id)
    if view is None or not view.doi or not view.versions:
        return None
    concept = session.get(ConceptRow, concept_id)
    assert concept is not None
    source_id = concept.latest_id or view.versions[-1].id
    row = session.get(RecordRow, source_id)
    if row is None:
        return None
    latest = row_to_record(row)
    metadata = without_relations_here(latest.metadata, view.here)
    metadata["doi"] = view.doi
    versions = [relation(HAS_VERSION, str(v.public_doi)) for v in view.live if v.public_doi]
    if versions:
        metadata["relatedIdentifiers"] = [*metadata.get("relatedIdentifiers", []), *versions]
    return replace(latest, doi=view.doi, metadata=metadata, deleted=bool(concept.deleted),
                   is_latest=True)
