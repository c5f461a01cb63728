"""Many terms on one field are one lookup: same answers, a statement that does not grow."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from repository_core.models import RecordRow
from repository_core.query import extract, parse_query, to_sql

from .corpus import CORPUS
from .test_agreement import _memory_ids, _sql_ids, _store

WORDS = sorted({tok for r in CORPUS for toks in extract(r).get("_text", ()) for tok in toks})
SUBJECTS = sorted({v for r in CORPUS for v in extract(r).get("subjects.subject", ())})


def _queries() -> list[str]:
    rng = random.Random(5)
    out = []
    for n in (2, 3, 10, 60, 128):
        words = rng.choices(WORDS, k=n)
        own = sorted({t for toks in extract(rng.choice(CORPUS)).get("_text", ()) for t in toks})
        together = rng.choices(own, k=min(n, 40))       # the words of one record: AND matches
        out += [" OR ".join(words), " ".join(together), " AND ".join(together[:3]),
                " ".join(together[:5] + words[:1]), "NOT (" + " OR ".join(words) + ")"]
    pair = rng.sample(WORDS, 2)
    out += [
        f"{pair[0]} {pair[0]} {pair[1]}",                       # a repeated word
        f"{pair[0]} AND {pair[1]} AND NOT {pair[0]}",
        f"({pair[0]} OR {pair[1]}) AND ({pair[1]} OR nosuchword)",
        "subjects.subject:(" + " OR ".join(f'"{s}"' for s in SUBJECTS) + ")",
        "subjects.subject:(" + " AND ".join(f'"{s}"' for s in SUBJECTS[:2]) + ")",
        f'subjects.subject:"{SUBJECTS[0]}" OR titles.title:{pair[0]} OR {pair[1]}',
        f"titles.title:({pair[0]} AND {pair[1]}) OR descriptions.description:{pair[0]}",
    ]
    return out


QUERIES = _queries()


@pytest.fixture(scope="module")
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as s:
        _store(s, CORPUS)
        s.commit()
        yield s


@pytest.mark.parametrize("query", QUERIES)
def test_merged_terms_agree_with_memory(session: Session, query: str) -> None:
    assert _sql_ids(session, query) == _memory_ids(CORPUS, query)


def test_merged_terms_are_informative() -> None:
    sizes = [len(_memory_ids(CORPUS, q)) for q in QUERIES]
    assert sum(1 for n in sizes if 0 < n < len(CORPUS)) >= 0.6 * len(QUERIES)


def test_statement_does_not_grow_with_the_terms_of_one_field(db_engine: Engine) -> None:
    def sql(query: str) -> str:
        return str(select(RecordRow.id).where(to_sql(parse_query(query))).compile(db_engine))

    assert sql("a OR b") == sql(" OR ".join(f"w{i}" for i in range(128)))
    assert sql("a b") == sql(" ".join(f"w{i}" for i in range(128)))
    assert sql("a OR b") != sql("a b")
