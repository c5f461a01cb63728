"""Every export format of the 31 official DataCite examples, byte for byte.

``golden/<example>/<format>.<ext>`` holds what each format in
``serializers.registry.FORMATS`` gives for each official example (fixed
export context, fixed record dates). A change to any crosswalk shows up
here as a diff to review; after reviewing it, rewrite the files with
``OAISERVER_TEST_REGENERATE_GOLDEN=1 pytest tests/serializers/test_golden.py``.
``.gitattributes`` keeps the files' bytes exact (RIS ends lines with CRLF).

The subset reviewed field by field against DataCite's mappings (the
Dublin Core appendix of the Metadata Schema, bolognese, schema.org and
Google's Dataset guidance, the CSL-JSON schema, the RIS specification and
Zotero's RIS translator): full, dataset, affiliation, fundingReference,
GeoLocation, coverage, complicated, multilingual, presentation,
relateditem1. Reviewed the same way against each format's own rules:
``oai_openaire`` (the OpenAIRE Guidelines for Literature Repositories v4)
and DCAT-AP (the 3.0.0 specification) of full, dataset, affiliation,
fundingReference, GeoLocation and relateditem1; MARC 21 (``marc21.xml``,
the MARC 21 Bibliographic format: Leader, 008, each tag's indicators and
subfields) of those and instrument, poster, translation-translated;
CodeMeta and CFF (software records only: the affiliation example) against
CodeMeta's DataCite and CFF crosswalks and the CFF 1.2.0 specification.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from serializers.registry import FORMATS, Format
from tests.serializers.samples import CTX, EXAMPLES, example_metadata, make_record

GOLDEN = Path(__file__).with_name("golden")
REGENERATE = bool(os.environ.get("OAISERVER_TEST_REGENERATE_GOLDEN"))
CASES = [(path, fmt) for path in EXAMPLES for fmt in FORMATS]


def golden_path(example: Path, fmt: Format) -> Path:
    return GOLDEN / example.stem / f"{fmt.name}.{fmt.extension}"


@pytest.mark.parametrize(("example", "fmt"), CASES,
                         ids=[f"{p.stem}-{f.name}" for p, f in CASES])
def test_export_matches_the_golden_file(example: Path, fmt: Format) -> None:
    metadata = example_metadata(example)  # all 31 must load: a refusal fails here
    record = make_record(metadata, id=example.stem)
    path = golden_path(example, fmt)
    if not fmt.available(record):
        assert not path.exists(), f"{path} exists but {fmt.name} cannot represent this record"
        return
    body = fmt.dump(record, CTX)
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    assert path.exists(), f"no golden file {path}; regenerate with OAISERVER_TEST_REGENERATE_GOLDEN=1"
    assert body == path.read_bytes()


def test_there_are_no_stray_golden_files() -> None:
    expected = {golden_path(p, f) for p, f in CASES}
    found = {p for p in GOLDEN.rglob("*") if p.is_file()}
    assert found - expected == set()
    assert len(EXAMPLES) == 31
