"""A spy on the walk by relevance, for its tests: ``embedded._ranked_walk``
(SQLite's, with the counts that decide whether to walk) or
``embedded._walk_ranking`` (the walk itself, on either database)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from repository_core.search import embedded


def spy_on_walk(monkeypatch: pytest.MonkeyPatch, name: str = "_ranked_walk"
                ) -> tuple[list[bool], Callable[..., Any]]:
    """Puts a spy in the place of the walk ``name``: (each call's outcome, True
    when it walked, in order; the spy, to put back after the walk was switched off)."""
    walk = getattr(embedded, name)
    outcomes: list[bool] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = walk(*args, **kwargs)
        outcomes.append(found is not None)
        return found

    monkeypatch.setattr(embedded, name, spy)
    return outcomes, spy
