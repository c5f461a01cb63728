"""Long phrases in SQL: one statement whatever the length, the same answer as in memory."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from repository_core.models import RecordRow
from repository_core.query import parse_query, to_sql
from repository_core.records import Record

from .corpus import make_record
from .test_agreement import _memory_ids, _sql_ids, _store

RNG = random.Random(7)
VOCABULARY = ["data", "ocean", "ice", "model", "arctic", "the", "of"]
#: 80-word texts from 7 words: every phrase word is everywhere, as in a worst case
TEXTS = [" ".join(RNG.choices(VOCABULARY, k=80)) for _ in range(12)]
LONG = " ".join(f"w{i % 9}" for i in range(70))  # a 70-word title with repeats


def _records() -> list[Record]:
    out = []
    for i, body in enumerate(TEXTS):
        out.append(make_record(i, {
            "titles": [{"title": body[:200]}, {"title": "the second title"}],
            "descriptions": [{"description": body, "descriptionType": "Abstract"}],
        }, prefix="p"))
    out.append(make_record(100, {"titles": [{"title": LONG}]}, prefix="p"))
    # the phrase's two halves in two values: never a match
    out.append(make_record(101, {"titles": [{"title": LONG[:100]}, {"title": LONG[100:]}]},
                           prefix="p"))
    out.append(make_record(102, {"titles": [{"title": "x " + LONG + " y"}]}, prefix="p"))
    return out


RECORDS = _records()


def _phrases() -> list[str]:
    rng = random.Random(11)
    out = ['"' + LONG + '"', 'titles.title:"' + LONG + '"', '"x ' + LONG + '"',
           '"' + LONG + ' y z"', '"w0 w1"', '"w8 w0 w1"']
    for body in TEXTS[:6]:  # phrases that occur: slices of the texts, long and short
        words = body.split()
        for n in (2, 3, 8, 40, 65):
            start = rng.randrange(0, len(words) - n)
            out.append('"' + " ".join(words[start:start + n]) + '"')
    for n in (2, 5, 65):     # phrases that (almost surely) do not
        out.append('"' + " ".join(rng.choices(VOCABULARY, k=n)) + '"')
    out.append('descriptions.description:"' + " ".join(TEXTS[3].split()[:65]) + '"')
    out.append('"the of the" AND NOT "of the of"')
    return out


PHRASES = _phrases()


@pytest.fixture(scope="module")
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as s:
        _store(s, RECORDS)
        s.commit()
        yield s


@pytest.mark.parametrize("query", PHRASES)
def test_long_phrases_agree_with_memory(session: Session, query: str) -> None:
    assert _sql_ids(session, query, RECORDS) == _memory_ids(RECORDS, query)


def test_phrases_are_informative() -> None:
    found = [len(_memory_ids(RECORDS, q)) for q in PHRASES]
    assert sum(1 for n in found if n) >= 0.6 * len(PHRASES)
    assert _memory_ids(RECORDS, '"' + LONG + '"') == {"p0100", "p0102"}


def test_statement_does_not_grow_with_the_phrase(db_engine: Engine) -> None:
    """The phrase's words are one parameter: 2 or 65 words, the same SQL text."""
    def sql(query: str) -> str:
        return str(select(RecordRow.id).where(to_sql(parse_query(query)))
                   .compile(db_engine))

    assert sql('"a b"') == sql('"' + " ".join(["a"] * 65) + '"')
    assert sql('titles.title:"a b"') != sql('"a b"')
