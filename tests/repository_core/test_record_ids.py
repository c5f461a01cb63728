"""Generated record ids grow with time (so the term index appends) and stay
unique where processes write at once."""

from __future__ import annotations

from datetime import UTC, datetime

from repository_core.record_ids import EPOCH, ID_ALPHABET, RecordIdSource, new_record_id
from repository_core.service import ID_PATTERN


def _bits(record_id: str) -> int:
    value = 0
    for letter in record_id.replace("-", ""):
        value = value * 32 + ID_ALPHABET.index(letter)
    return value


class _Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_ids_keep_their_shape_and_sort_as_they_were_made() -> None:
    ids = [new_record_id() for _ in range(3000)]
    for rid in ids:
        assert ID_PATTERN.fullmatch(rid) and len(rid) == 11 and rid[5] == "-"
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert list(ID_ALPHABET) == sorted(ID_ALPHABET)  # text order is number order


def test_the_upper_bits_count_two_second_ticks_from_2020() -> None:
    at = datetime(2026, 12, 5, 12, 0, 1, tzinfo=UTC).timestamp()
    record_id = RecordIdSource(clock=_Clock(at)).new()
    assert _bits(record_id) >> 20 == (int(at) - EPOCH) // 2
    assert _bits(record_id) & (1 << 19) == 0  # a tick's first id is in its lower half


def test_one_tick_counts_on_and_a_later_tick_is_greater() -> None:
    clock = _Clock(EPOCH + 1_000_000.0)
    source = RecordIdSource(clock=clock)
    first = [_bits(source.new()) for _ in range(500)]
    assert first == list(range(first[0], first[0] + 500))
    clock.now += 2
    later = _bits(source.new())
    assert later >> 20 == (first[-1] >> 20) + 1
    clock.now -= 3600  # the clock stepped back an hour: ids still grow
    assert _bits(source.new()) == later + 1


def test_processes_in_one_tick_start_at_random_points() -> None:
    clock = _Clock(EPOCH + 5_000_000.0)
    starts = [RecordIdSource(clock=clock).new() for _ in range(2000)]
    assert len(set(starts)) > 1990
    for place in (7, 8, 9):  # the counter's last 15 bits are drawn at random
        assert {rid.replace("-", "")[place] for rid in starts} == set(ID_ALPHABET)


def test_a_forked_child_does_not_continue_its_parents_sequence() -> None:
    clock, pid = _Clock(EPOCH + 7_000_000.0), [100]
    source = RecordIdSource(clock=clock, process=lambda: pid[0])
    source.new()
    tick = (7_000_000 // 2) << 20
    source._last = tick | (1 << 19) | 5  # the parent has counted into the upper half
    assert _bits(source.new()) == tick | (1 << 19) | 6
    pid[0] = 101  # the same object, now in a forked child
    child = _bits(source.new())
    assert child >> 20 == tick >> 20 and child & (1 << 19) == 0  # a fresh random start


def test_a_full_tick_carries_into_the_next_without_repeating() -> None:
    clock = _Clock(EPOCH + 9_000_000.0)
    source = RecordIdSource(clock=clock)
    source._last = ((9_000_000 // 2) << 20) | ((1 << 20) - 1)  # the tick's last value
    source._owner = source._process()
    after = _bits(source.new())
    assert after == (9_000_000 // 2 + 1) << 20
