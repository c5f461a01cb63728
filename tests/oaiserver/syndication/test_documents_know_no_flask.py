"""The sitemap and ResourceSync documents are written without Flask: only ``views`` knows it."""

from __future__ import annotations

from tests.test_layering import _offences


def test_only_the_syndication_view_module_knows_flask() -> None:
    assert _offences("oaiserver/syndication", ("flask", "werkzeug", "sqlalchemy"),
                     skip=("oaiserver/syndication/views.py",)) == []
