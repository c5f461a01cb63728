"""DataCite's 31 official kernel-4.7 examples, as every part's tests read them.

One of them, ``all-fields-v4.4.xml``, misspells two attributes
(``affilicationIdentifierScheme``, ``schemeURL``). DataCite's XSD accepts
them; the importer drops them with a warning (tests/repository_core/
test_import.py shows that). Elsewhere the tests read it with the spelling
corrected, so that it still exercises every attribute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "datacite-examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.xml"))
MISSPELLED = "all-fields-v4.4"
TYPO_FIXES = [(b"affilicationIdentifierScheme=", b"affiliationIdentifierScheme="),
              (b"schemeURL=", b"schemeURI=")]


def example_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.stem == MISSPELLED:
        for wrong, right in TYPO_FIXES:
            data = data.replace(wrong, right)
    return data


def example_metadata(path: Path) -> dict[str, Any]:
    """One official example through the importer (spelling corrected)."""
    from repository_core.metadata.importing import read_records

    [document] = read_records(example_bytes(path), source=path.name)
    metadata: dict[str, Any] = document["metadata"]
    return metadata
