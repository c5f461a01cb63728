"""Generated record ids: short, unambiguous, and increasing with time.

An id like ``388g9-v28xv`` is 50 bits written as ten Crockford base32
letters: the upper 30 bits count two-second ticks since 2020 (they wrap
after 68 years, in 2088), the lower 20 bits count up within a process,
from a random point whenever it writes in a tick later than its last id's.

Why not 50 random bits: every record writes about 170 rows to the term
index, whose order within a term is the record id. With random ids a batch
of new records lands on pages spread over the whole index, and the cost of a
record grows with the store (a SQLite load fell from 283 to 117 records/s
over 480,000 records). Ids that grow with time append at the end of each
term's run instead.

Ids are unique in a database because the caller checks each against the
stored records and concepts (a taken one is drawn again). Two processes
writing in the same tick start at independent random points: two runs of
n1 and n2 ids overlap with a probability of about (n1 + n2) / 2**19, and a
record written in such a race is refused by the primary key (a conflict),
never stored twice.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable

__all__ = ["ID_ALPHABET", "RecordIdSource", "new_record_id"]

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case (sorted)
EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z
TICK_SECONDS = 2
COUNTER_BITS = 20
ID_BITS = 50


class RecordIdSource:
    """Hands out increasing ids in one process (thread-safe; a forked child
    starts afresh rather than repeat its parent's sequence)."""

    def __init__(self, clock: Callable[[], float] = time.time,
                 process: Callable[[], int] = os.getpid):
        self._clock = clock
        self._process = process
        self._lock = threading.Lock()
        self._owner = -1
        self._last = -1

    def new(self) -> str:
        tick = (int(self._clock()) - EPOCH) // TICK_SECONDS % (1 << (ID_BITS - COUNTER_BITS))
        with self._lock:
            if self._owner != self._process():
                self._owner, self._last = self._process(), -1
            if self._last >= 0 and self._last >> COUNTER_BITS >= tick:
                bits = self._last + 1  # the same tick (or the clock went back): count on
            else:
                # start in the lower half, so a busy tick does not spill into the next
                bits = tick << COUNTER_BITS | secrets.randbits(COUNTER_BITS - 1)
            self._last = bits = bits & ((1 << ID_BITS) - 1)
        chars = "".join(ID_ALPHABET[(bits >> shift) & 31] for shift in range(45, -1, -5))
        return f"{chars[:5]}-{chars[5:]}"


_SOURCE = RecordIdSource()


def new_record_id() -> str:
    """A new id like ``388g9-v28xv``, greater than this process's earlier ones."""
    return _SOURCE.new()
