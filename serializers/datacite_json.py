"""DataCite JSON: the record as the ``attributes`` DataCite's REST API accepts.

The model *is* DataCite JSON, so this is nearly the identity. Differences,
all of which ``repository_core.metadata.importing`` reads back:

* alternate identifiers are written as ``identifiers``
  (``[{"identifier", "identifierType"}]``), the REST API's name for them;
* ``types`` gains the derived ``schemaOrg``, ``citeproc``, ``bibtex`` and
  ``ris`` values DataCite itself shows (the importer drops them again);
* ``schemaVersion`` is ``http://datacite.org/schema/kernel-4``;
* ``url`` (the landing page DataCite redirects to) is the metadata's own
  ``url`` if it has one, else the repository's landing page for the record.

Descriptions keep U+2028 where the XML has ``<br/>``.

:func:`dump` gives the attributes object (the body of
``application/vnd.datacite.datacite+json``); :func:`request_document`
wraps it as the JSON:API document the REST API's POST/PUT expect.

Not for: talking to DataCite (``datacite_client``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from repository_core.metadata.schema import SCHEMA_VERSION
from repository_core.records import Record

from .context import ExportContext

__all__ = ["MEDIA_TYPE", "derived_types", "dump", "metadata_to_attributes", "request_document"]

MEDIA_TYPE = "application/vnd.datacite.datacite+json"

# resourceTypeGeneral -> (schema.org type, CSL type, BibTeX type, RIS type), as DataCite shows them.
_DERIVED: dict[str, tuple[str, str, str, str]] = {
    "Audiovisual": ("MediaObject", "motion_picture", "misc", "MPCT"),
    "Award": ("MonetaryGrant", "document", "misc", "GEN"),
    "Book": ("Book", "book", "book", "BOOK"),
    "BookChapter": ("Chapter", "chapter", "inbook", "CHAP"),
    "Collection": ("Collection", "article", "misc", "GEN"),
    "ComputationalNotebook": ("SoftwareSourceCode", "software", "misc", "COMP"),
    "ConferencePaper": ("ScholarlyArticle", "paper-conference", "inproceedings", "CPAPER"),
    "ConferenceProceeding": ("Book", "book", "proceedings", "CONF"),
    "DataPaper": ("ScholarlyArticle", "article", "article", "JOUR"),
    "Dataset": ("Dataset", "dataset", "misc", "DATA"),
    "Dissertation": ("Thesis", "thesis", "phdthesis", "THES"),
    "Event": ("Event", "event", "misc", "GEN"),
    "Image": ("ImageObject", "graphic", "misc", "FIGURE"),
    "Instrument": ("Thing", "article", "misc", "GEN"),
    "InteractiveResource": ("CreativeWork", "article", "misc", "GEN"),
    "Journal": ("Periodical", "article", "misc", "JFULL"),
    "JournalArticle": ("ScholarlyArticle", "article-journal", "article", "JOUR"),
    "Model": ("CreativeWork", "article", "misc", "GEN"),
    "OutputManagementPlan": ("CreativeWork", "article", "misc", "GEN"),
    "PeerReview": ("Review", "review", "misc", "GEN"),
    "PhysicalObject": ("Thing", "article", "misc", "GEN"),
    "Poster": ("Poster", "document", "misc", "GEN"),
    "Preprint": ("ScholarlyArticle", "article", "article", "GEN"),
    "Presentation": ("PresentationDigitalDocument", "speech", "misc", "SLIDE"),
    "Project": ("ResearchProject", "document", "misc", "GEN"),
    "Report": ("Report", "report", "techreport", "RPRT"),
    "Service": ("Service", "article", "misc", "GEN"),
    "Software": ("SoftwareSourceCode", "software", "misc", "COMP"),
    "Sound": ("AudioObject", "song", "misc", "SOUND"),
    "Standard": ("CreativeWork", "standard", "misc", "STAND"),
    "StudyRegistration": ("Text", "article", "misc", "GEN"),
    "Text": ("ScholarlyArticle", "article", "misc", "RPRT"),
    "Workflow": ("CreativeWork", "article", "misc", "GEN"),
    "Other": ("CreativeWork", "article", "misc", "GEN"),
}


def derived_types(resource_type_general: str) -> dict[str, str]:
    """``schemaOrg``/``citeproc``/``bibtex``/``ris`` for a resourceTypeGeneral."""
    schema_org, citeproc, bibtex, ris = _DERIVED.get(
        resource_type_general, ("CreativeWork", "article", "misc", "GEN")
    )
    return {"schemaOrg": schema_org, "citeproc": citeproc, "bibtex": bibtex, "ris": ris}


def metadata_to_attributes(metadata: Mapping[str, Any], *, url: str | None = None) -> dict[str, Any]:
    """REST API attributes for (valid) metadata; ``url`` is used if the metadata has none."""
    attributes: dict[str, Any] = {}
    for key, value in metadata.items():
        if key == "alternateIdentifiers":
            attributes["identifiers"] = [
                {"identifier": a.get("alternateIdentifier"), "identifierType": a.get("alternateIdentifierType")}
                for a in value
            ]
        elif key == "types":
            types = dict(value)
            if isinstance(types.get("resourceTypeGeneral"), str):
                types.update(derived_types(types["resourceTypeGeneral"]))
            attributes["types"] = types
        else:
            attributes[key] = copy.deepcopy(value)
    if url and "url" not in attributes:
        attributes["url"] = url
    attributes["schemaVersion"] = SCHEMA_VERSION
    return attributes


def dump(record: Record, ctx: ExportContext) -> bytes:
    """The record's DataCite JSON attributes, UTF-8, pretty-printed."""
    metadata = dict(record.metadata)
    if not metadata.get("doi") and record.doi:
        metadata["doi"] = record.doi
    attributes = metadata_to_attributes(metadata, url=ctx.landing_url(record.id))
    return json.dumps(attributes, ensure_ascii=False, indent=2).encode("utf-8")


def request_document(record: Record, ctx: ExportContext, *, event: str | None = None) -> dict[str, Any]:
    """The JSON:API body for DataCite's ``POST /dois`` / ``PUT /dois/{doi}``.

    ``event`` is one of ``publish``, ``register``, ``hide`` (or None: draft / no change).
    """
    attributes = json.loads(dump(record, ctx))
    if event is not None:
        attributes["event"] = event
    data: dict[str, Any] = {"type": "dois", "attributes": attributes}
    if attributes.get("doi"):
        data["id"] = attributes["doi"]
    return {"data": data}
