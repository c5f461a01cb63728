"""Robots, by the COUNTER list of the ``counter-robots`` package.

An event whose user agent the list matches (crawlers, spiders, link
checkers, scripted HTTP libraries) is left out of every count. The decision
is taken once, when the event is recorded: only the outcome is stored, never
the user agent. The access method (``Regular`` for pages, ``Machine`` for the
REST API and OAI-PMH) is the caller's, by the endpoint that was used.
"""

from __future__ import annotations

from functools import lru_cache

import counter_robots

__all__ = ["is_robot"]


@lru_cache(maxsize=4096)
def is_robot(user_agent: str) -> bool:
    """True if COUNTER's robot list matches; an absent user agent counts as a robot."""
    if not user_agent.strip():
        return True
    return bool(counter_robots.is_robot(user_agent))
