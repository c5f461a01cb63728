"""Content negotiation with real Accept headers."""

from __future__ import annotations

import pytest

from oaiserver.http.pages.negotiation import NotAcceptable, negotiate, parse_accept
from serializers.registry import FORMATS

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
          "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")

CASES = [
    # (Accept header, expected format name, "html" for the landing page)
    ("*/*", "html"),                                              # curl, wget
    (None, "html"),                                               # no header at all
    ("", "html"),
    (FIREFOX, "html"),
    (CHROME, "html"),
    ("application/x-bibtex;q=0.9, */*;q=0.1", "bibtex"),
    ("application/x-bibtex, */*", "bibtex"),                     # explicit beats wildcard at equal q
    ("application/vnd.datacite.datacite+xml", "datacite"),
    ("application/x-datacite+xml", "datacite"),                  # alias
    ("application/vnd.citationstyles.csl+json", "csl"),
    ("application/citeproc+json", "csl"),                        # alias
    ("application/ld+json", "json-ld"),
    ('application/ld+json; profile="https://schema.org"', "json-ld"),
    ("application/vnd.schemaorg.ld+json", "json-ld"),
    ("application/x-research-info-systems", "ris"),
    ("text/x-bibliography; style=ieee; locale=de-DE", "citation"),
    ("application/x-dc+xml", "dc"),
    ("application/vnd.datacite.datacite+json", "datacite-json"),
    ("application/vnd.codemeta.ld+json", "codemeta"),
    ("application/x-cff", "cff"),
    ("application/vnd.cff+yaml", "cff"),                         # alias
    ("application/json", "datacite-json"),                        # generic JSON: DataCite JSON
    ("application/xml", "datacite"),                              # generic XML: DataCite XML
    ("application/*", "datacite"),                                # ties: the server's preference
    ("text/*", "html"),
    ("application/ld+json;q=0.5, application/x-bibtex;q=0.8", "bibtex"),
    ("text/html;q=0.1, application/x-research-info-systems", "ris"),
    ("image/png, application/x-bibtex;q=0.2", "bibtex"),
    ("APPLICATION/X-BIBTEX", "bibtex"),                           # media types are case-insensitive
    ("application/x-bibtex;q=0, */*", "html"),                    # q=0 excludes
    ("*/*;q=0.5, text/html;q=0", "datacite"),
    ("application/x-bibtex;q=abc, application/x-research-info-systems;q=0.1", "ris"),  # bad q skipped
    ("text/turtle", "dcat-turtle"),                               # DCAT-AP
    ("application/rdf+xml", "dcat"),
    ("text/turtle;q=0.5, application/ld+json", "json-ld"),        # JSON-LD stays schema.org
    ("text/plain, text/turtle;q=0.9", "dcat-turtle"),
]


@pytest.mark.parametrize(("accept", "expected"), CASES)
def test_accept_header(accept: str | None, expected: str) -> None:
    choice = negotiate(accept)
    assert ("html" if choice.is_landing_page else choice.format.name) == expected


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, text/plain", "application/x-bibtex;q=0",
                                    "text/html;q=0, application/json;q=0, application/xml;q=0, foo/bar"])
def test_unknown_types_are_not_acceptable(accept: str) -> None:
    with pytest.raises(NotAcceptable) as info:
        negotiate(accept)
    assert "text/html" in info.value.available
    assert "application/x-bibtex" in info.value.available
    assert "bibtex" in info.value.names


def test_parameters_are_handed_back() -> None:
    choice = negotiate("text/x-bibliography; style=ieee; locale=de-DE; q=0.9")
    assert dict(choice.params) == {"style": "ieee", "locale": "de-DE"}
    assert dict(negotiate("text/*").params) == {}


def test_format_parameter_overrides_accept() -> None:
    assert negotiate("text/html", format_param="bibtex").format is FORMATS["bibtex"]
    assert negotiate("application/x-bibtex", format_param="html").is_landing_page
    assert negotiate(None, format_param="application/x-research-info-systems").format is FORMATS["ris"]
    with pytest.raises(NotAcceptable):
        negotiate(None, format_param="marcxml")
    with pytest.raises(NotAcceptable):       # OAI-only: no media type, not served over HTTP
        negotiate(None, format_param="oai_datacite")


def test_offer_can_be_restricted_to_a_records_formats() -> None:
    formats = [f for f in FORMATS.negotiable() if f.name != "datacite"]
    assert negotiate("application/*", formats=formats).format is FORMATS["datacite-json"]
    with pytest.raises(NotAcceptable):
        negotiate("application/vnd.datacite.datacite+xml", formats=formats)


def test_parse_accept_keeps_quoted_commas_and_skips_junk() -> None:
    ranges = parse_accept('application/ld+json; profile="a,b", nonsense, */*;q=0.1')
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("application", "ld+json", 1.0), ("*", "*", 0.1)]
    assert ranges[0].params["profile"] == "a,b"
