"""A batch's payloads rendered together are the bytes each format renders alone.

``render_plan`` builds the DataCite resource once for a record wanted in
both ``datacite`` and ``oai_datacite``; what it gives must not differ by a
byte from :func:`render_oai_payloads` of each format on its own, whichever
formats the plan holds, in whichever order, for whichever records.
"""

from __future__ import annotations

from typing import Any

import pytest

import serializers.datacite_xml
import serializers.oai_datacite
from oaiserver.oai.sql import OAI_FORMATS, render_oai_payloads, render_plan
from repository_core.records import Record
from serializers.registry import FORMATS
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record


def _records() -> list[Record]:
    found = [make_record(id="full")]
    for i, path in enumerate(EXAMPLES):
        record = make_record(example_metadata(path), id=f"ex-{i}")
        if FORMATS["datacite"].available(record):
            found.append(record)
    return found


RECORDS = _records()


def _alone(plan: list[tuple[str, list[Record]]]) -> list[list[bytes]]:
    return [render_oai_payloads(prefix, records, CTX) for prefix, records in plan]


def test_the_examples_with_a_doi_are_many() -> None:
    assert len(RECORDS) >= 25


@pytest.mark.parametrize("prefixes", [OAI_FORMATS, tuple(reversed(OAI_FORMATS)),
                                      ("oai_datacite",), ("datacite", "oai_datacite"),
                                      ("oai_dc", "datacite"), ("marc21", "oai_datacite", "datacite")])
def test_every_record_in_every_format_as_alone(prefixes: tuple[str, ...]) -> None:
    plan = [(prefix, RECORDS) for prefix in prefixes]
    assert render_plan(plan, CTX) == _alone(plan)


def test_records_wanted_in_one_of_the_two_formats_only() -> None:
    # a record whose datacite payload is kept already is wanted in oai_datacite
    # alone, and the other way round
    plan = [("oai_datacite", RECORDS[::2] + RECORDS[1::4]), ("datacite", RECORDS[:len(RECORDS) // 2])]
    assert render_plan(plan, CTX) == _alone(plan)
    assert render_plan([("oai_datacite", []), ("datacite", RECORDS)], CTX) == [
        [], render_oai_payloads("datacite", RECORDS, CTX)]


def test_a_record_in_both_formats_builds_its_resource_once(monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    calls: list[Any] = []
    original = serializers.datacite_xml.metadata_to_xml

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(serializers.datacite_xml, "metadata_to_xml", counted)
    monkeypatch.setattr(serializers.oai_datacite, "metadata_to_xml", counted)
    render_oai_payloads("oai_datacite", RECORDS, CTX)
    render_oai_payloads("datacite", RECORDS, CTX)
    assert len(calls) == 2 * len(RECORDS)  # the counter sees both formats' calls
    calls.clear()
    render_plan([(prefix, RECORDS) for prefix in OAI_FORMATS], CTX)
    assert len(calls) == len(RECORDS)
