"""``PrepareAhead``: chunks after the first are worked in a child process, in
order; anything wrong with the child gives the same answers from this process."""

from __future__ import annotations

import logging
import os

import pytest

from repository_core.child_worker import PrepareAhead


def _square_with_pid(chunk: list[int], offset: int) -> tuple[list[int], int]:
    return [n * n + offset for n in chunk], os.getpid()


def _die_in_a_child(chunk: list[int], parent: int) -> list[int]:
    if os.getpid() != parent:
        os._exit(3)  # the child dies mid-work, as a crash would
    return [n + 1 for n in chunk]


def test_later_chunks_run_in_a_child_and_come_back_in_order() -> None:
    chunks = [[i, i + 1] for i in range(0, 20, 2)]
    with PrepareAhead(_square_with_pid) as ahead:
        results = list(ahead.map(chunks[1:], 7, first=chunks[0]))
    assert [r for r, _ in results] == [[n * n + 7 for n in c] for c in chunks]
    pids = [pid for _, pid in results]
    assert pids[0] == os.getpid()
    assert set(pids[1:]) and os.getpid() not in pids[1:]
    assert len(set(pids[1:])) == 1  # one child for the whole map


def test_disabled_or_unpicklable_work_runs_here() -> None:
    with PrepareAhead(_square_with_pid, enabled=False) as ahead:
        assert {pid for _, pid in ahead.map([[2], [3]], 0, first=[1])} == {os.getpid()}
    offset = 5
    with PrepareAhead(lambda chunk: [n + offset for n in chunk]) as ahead:
        assert not ahead.enabled
        assert list(ahead.map([[2], [3]], first=[1])) == [[6], [7], [8]]


def test_a_child_that_dies_costs_nothing_but_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    chunks = [[i] for i in range(6)]
    with caplog.at_level(logging.WARNING), PrepareAhead(_die_in_a_child) as ahead:
        results = list(ahead.map(chunks[1:], os.getpid(), first=chunks[0]))
        assert not ahead.enabled
    assert results == [[i + 1] for i in range(6)]
    assert "preparing ahead in a process of its own stopped" in caplog.text


def test_an_error_of_the_work_itself_is_raised_here() -> None:
    with PrepareAhead(_square_with_pid) as ahead, pytest.raises(TypeError):
        list(ahead.map([["x"]], 0, first=[1]))
