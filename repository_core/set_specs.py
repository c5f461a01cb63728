"""Set specs as text: the pattern OAI-PMH allows and the hierarchy they spell.

Pure (no database), so the OAI-PMH core checks its ``set`` argument with the
very pattern sets are defined with.
"""

from __future__ import annotations

import re

__all__ = ["SPEC_PATTERN", "spec_ancestors"]

#: OAI-PMH.xsd ``setSpecType``, character for character: segments of URI
#: unreserved characters joined by ':'. XSD patterns are anchored: use
#: ``SPEC_PATTERN.fullmatch`` (``match`` would accept a trailing newline).
SPEC_PATTERN = re.compile(r"([A-Za-z0-9\-_\.!~\*'\(\)])+(:[A-Za-z0-9\-_\.!~\*'\(\)]+)*")


def spec_ancestors(spec: str) -> list[str]:
    """The specs above ``spec``, outermost first: ``a:b:c`` -> ``a``, ``a:b``."""
    parts = spec.split(":")
    return [":".join(parts[:i]) for i in range(1, len(parts))]
