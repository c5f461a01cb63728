"""Retry with exponential backoff and full jitter, honouring ``Retry-After``.

When to use: around one idempotent HTTP call (the client wraps each of its
calls), and by the outbox worker to pause when DataCite is unavailable
(``backoff``) and to space out the attempts at one row (``spacing``).

What is retried is decided by the error's type: ``TransientError`` (429, 5xx,
no answer) is, every ``PermanentError`` (the other 4xx) is not. Every delay
comes from ``RetryPolicy`` so that tests can make them milliseconds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from .errors import RateLimited, TransientError

__all__ = ["RetryPolicy", "call_with_retries", "parse_retry_after"]

T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How often and how long to wait.

    ``attempts`` counts the first try. The n-th retry waits a uniformly random
    time in ``[0, min(cap, base * 2**n)]`` (full jitter), or DataCite's
    ``Retry-After`` when it gave one (bounded by ``retry_after_cap``).
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    retry_after_cap: float = 120.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, retry: int) -> float:
        """The jittered delay before retry number ``retry`` (0-based)."""
        return self.rng.uniform(0, min(self.cap, self.base * (2 ** retry)))

    def spacing(self, retry: int) -> float:
        """A delay in ``[d/2, d]``, ``d = min(cap, base * 2**retry)`` (equal jitter).

        For spacing out attempts at one outbox row: unlike ``backoff`` it never
        comes out near zero, so ``n`` attempts take at least half their sum.
        """
        ceiling = min(self.cap, self.base * (2 ** min(retry, 64)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def delay(self, retry: int, error: BaseException) -> float:
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.retry_after_cap)
        return self.backoff(retry)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call ``fn`` until it returns, raises a non-transient error, or attempts run out."""
    retry = 0
    while True:
        try:
            return fn()
        except TransientError as exc:
            if retry + 1 >= policy.attempts:
                raise
            wait = policy.delay(retry, exc)
            if on_retry is not None:
                on_retry(retry, exc, wait)
            sleep(wait)
            retry += 1
