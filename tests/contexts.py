"""Export contexts for tests that build serializer input by hand.

``ExportContext`` has no defaults of its own (configuration is their one
source), so tests take the configuration's defaults from here.
"""

from __future__ import annotations

from typing import Any

from serializers.context import ExportContext

__all__ = ["export_context"]


def export_context(**changes: Any) -> ExportContext:
    """The context of a server on the default configuration, with ``changes``."""
    values: dict[str, Any] = {
        "base_url": "http://127.0.0.1:5000",
        "repository_id": "oaiserver.example.org",
        "repository_name": "oaiserver demo repository",
        "datacentre_symbol": None,
    }
    return ExportContext(**(values | changes))
