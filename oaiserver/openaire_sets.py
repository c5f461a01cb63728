"""The OpenAIRE sets, switched on and off by one setting (``OAISERVER_OPENAIRE_SETS``).

OpenAIRE harvests two sets, as Zenodo offers them:

* ``openaire``: literature, harvested as ``oai_openaire`` (OpenAIRE
  Guidelines for Literature Repositories v4);
* ``openaire_data``: research data, harvested as ``oai_datacite`` (OpenAIRE
  Guidelines for Data Archives). A record without a DOI has no
  ``oai_datacite`` (DataCite XML requires one), so an ``oai_datacite``
  harvest of the set leaves it out; ``oai_openaire`` and ``oai_dc`` list it.

They are ordinary query-defined sets (materialised, kept on every write,
listed by ListSets and ``oaiserver sets list``); what the switch adds is that
their queries come from the COAR table of ``serializers.resource_types``
(``openaire_type_query``), so a record is in ``openaire`` exactly when its
``oai_openaire`` resource type says ``literature``.

:func:`ensure_openaire_sets` runs at every start of the server (``serve``,
``demo``), after the schema migration, and is idempotent:

* switch on: a missing set is created (and filled from the store); a set of
  that spec that exists is left as it is, even if its query differs (the
  operator may have refined it with ``oaiserver sets update``; the message
  says so);
* switch off: a set of that spec whose query is still the configured one is
  removed (its members get a new datestamp, as for any set removal); one
  whose query was changed by hand is the operator's and is kept.

Several processes starting at once are safe: a set another process created or
removed first is simply not created or removed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from repository_core.errors import SetExists, SetNotFound
from repository_core.sets import SetService
from serializers.resource_types import openaire_type_query

__all__ = ["OPENAIRE_SETS", "ConfiguredSet", "ensure_openaire_sets"]


@dataclass(frozen=True)
class ConfiguredSet:
    """A set whose definition comes from the code, switched on by configuration."""

    spec: str
    name: str
    description: str
    query: str


OPENAIRE_SETS: tuple[ConfiguredSet, ...] = (
    ConfiguredSet(
        "openaire", "OpenAIRE: literature",
        "Publications for OpenAIRE (Guidelines for Literature Repositories v4): "
        "harvest with metadataPrefix=oai_openaire.",
        openaire_type_query("literature"),
    ),
    ConfiguredSet(
        "openaire_data", "OpenAIRE: research data",
        "Datasets for OpenAIRE (Guidelines for Data Archives): harvest with "
        "metadataPrefix=oai_datacite. Records without a DOI have no oai_datacite; "
        "oai_openaire and oai_dc list them.",
        openaire_type_query("dataset"),
    ),
)


def ensure_openaire_sets(sets: SetService, *, enabled: bool) -> list[str]:
    """Bring the OpenAIRE sets in line with the switch; returns what was done, one line each."""
    existing = {s.spec: s for s in sets.list()}
    done: list[str] = []
    for wanted in OPENAIRE_SETS:
        current = existing.get(wanted.spec)
        if enabled and current is None:
            try:
                sets.create(wanted.spec, name=wanted.name, query=wanted.query,
                            description=wanted.description)
            except SetExists:  # another process was first
                continue
            done.append(f"created set {wanted.spec}")
        elif enabled and current is not None and current.query != wanted.query:
            done.append(f"kept set {wanted.spec}: its query was changed here, not overwritten")
        elif not enabled and current is not None:
            if current.query != wanted.query:
                done.append(f"kept set {wanted.spec}: its query was changed here, not removed")
                continue
            try:
                sets.delete(wanted.spec)
            except SetNotFound:  # another process was first
                continue
            done.append(f"removed set {wanted.spec} (openaire_sets is off)")
    return done
