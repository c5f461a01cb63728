"""A spy on the walk by relevance (``embedded._ranked_walk``), for its tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from repository_core.search import embedded


def spy_on_walk(monkeypatch: pytest.MonkeyPatch) -> tuple[list[bool], Callable[..., Any]]:
    """Puts a spy in the walk's place: (each call's outcome, True when it walked,
    in order; the spy, to put back after the walk was switched off)."""
    walk = embedded._ranked_walk
    outcomes: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = walk(*args, **kwargs)
        outcomes.append(found is not None)
        return found

    monkeypatch.setattr(embedded, "_ranked_walk", spy)
    return outcomes, spy
