"""Records and queries the query tests share: a hand-made corpus, and generators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from repository_core.records import Record

BASE = datetime(2024, 3, 1, tzinfo=UTC)

WORDS = ["climate", "change", "Klima", "Wandel", "café", "CAFE", "naïve", "Straße",
         "strasse", "ocean", "data", "日本", "Ωmega", "x-ray", "co2", "ice", "Ice"]
TYPES = ["Dataset", "Software", "Text", "Image", "dataset"]
SUBJECTS = ["climate", "Climate Change", "oceanography", "Ökologie", "ice cores", "test"]
LANGS = ["en", "de", "fr", "EN", "ja"]
AFFILIATIONS = ["University of Oslo", "CERN", "Université de Genève", "ETH Zürich",
                "Max Planck Institute"]
COLLECTIONS = ["physics", "earth", "Earth", "test-set"]
YEARS = ["1999", "2000", "2010", "2015", "2021", "2024", "abc"]


def make_record(i: int, metadata: dict[str, Any], collections: tuple[str, ...] = (),
                created_days: int = 0, deleted: bool = False, prefix: str = "r") -> Record:
    created = BASE + timedelta(days=created_days, seconds=i)
    # records pair up as versions 1 and 2 of a concept (the version query fields)
    return Record(id=f"{prefix}{i:04d}", metadata=metadata, created=created, datestamp=created,
                  doi=metadata.get("doi"), collections=collections, deleted=deleted,
                  concept_id=f"c-{prefix}{i // 2:04d}", version_index=i % 2 + 1,
                  is_latest=i % 2 == 1)


def _creator(name: str, affs: list[str], orcid: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "nameType": "Personal",
                         "affiliation": [{"name": a} for a in affs]}
    if orcid:
        c["nameIdentifiers"] = [{"nameIdentifier": orcid, "nameIdentifierScheme": "ORCID"}]
    return c


CORPUS: list[Record] = [
    make_record(1, {
        "doi": "10.1234/abc-1", "types": {"resourceTypeGeneral": "Dataset",
                                          "resourceType": "Ice core data"},
        "titles": [{"title": "Climate change in the Arctic", "lang": "en"},
                   {"title": "Klimawandel in der Arktis", "lang": "de"}],
        "creators": [_creator("Doe, Jane", ["University of Oslo"],
                              "https://orcid.org/0000-0002-1825-0097")],
        "publisher": {"name": "Zenodo"}, "publicationYear": "2021",
        "subjects": [{"subject": "climate"}, {"subject": "ice cores"}], "language": "en",
        "descriptions": [{"description": "Ice cores from Svalbard; CO2 and δ18O.",
                          "descriptionType": "Abstract"}],
        "dates": [{"date": "2020-05-03", "dateType": "Collected"}],
    }, ("earth",), 0),
    make_record(2, {
        "types": {"resourceTypeGeneral": "Software"},
        "titles": [{"title": "Ocean model — naïve café edition"}],
        "creators": [_creator("Müller, Jörg", ["ETH Zürich", "CERN"])],
        "publisher": {"name": "GitHub"}, "publicationYear": 2015,
        "subjects": [{"subject": "oceanography"}, {"subject": "Ökologie"}], "language": "de",
        "dates": [{"date": "2014-01/2014-12", "dateType": "Created"}],
    }, ("physics", "earth"), 10),
    make_record(3, {
        "types": {"resourceTypeGeneral": "Text"},
        "titles": [{"title": "Straße und Strasse: 日本 の データ"}],
        "creators": [_creator("Tanaka, Yuki", ["Université de Genève"])],
        "publicationYear": "1999", "language": "ja",
        "descriptions": [{"description": "change climate, not climate change"}],
    }, (), 20),
    make_record(4, {
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Survey"},
        "titles": [{"title": "The 100% _sample_ of data*"}],
        "creators": [{"name": "CERN", "nameType": "Organizational"}],
        "publicationYear": "2024", "subjects": [{"subject": "Climate Change"}],
        "language": "EN", "formats": ["text/csv", "application/zip"], "version": "1.0",
    }, ("test-set",), 30),
    make_record(5, {"titles": [{"title": "Untitled"}]}, (), 40),
    make_record(6, {
        "types": {"resourceTypeGeneral": "Image"},
        "titles": [{"title": "Ωmega ICE x-ray"}],
        "creators": [_creator("Smith, A.", ["Max Planck Institute", "University of Oslo"])],
        "publicationYear": "2010", "subjects": [{"subject": "test"}], "language": "fr",
        "relatedIdentifiers": [{"relatedIdentifier": "10.5281/zenodo.1",
                                "relatedIdentifierType": "DOI", "relationType": "IsPartOf"}],
    }, ("Earth",), 50),
    make_record(7, {
        "doi": "10.1234/ABC-7", "types": {"resourceTypeGeneral": "dataset"},
        "titles": [{"title": "climate"}, {"title": "change"}],
        "publicationYear": "abc", "subjects": [{"subject": "CLIMATE"}],
    }, (), 60),
]

QUERIES: list[str] = [
    # the version fields (envelope)
    "versions.is_latest:true",
    "versions.is_latest:FALSE",
    "parent.id:c-r0001",
    "parent.id:c-r000*",
    "versions.index:2",
    "versions.index:[1 TO 2}",
    "versions.index:>1 AND types.resourceTypeGeneral:Dataset",
    "_exists_:parent.id",
    # keyword terms, case and Unicode
    "types.resourceTypeGeneral:Dataset",
    "types.resourceTypeGeneral:dataset",
    'types.resourceTypeGeneral:"DATASET"',
    "types.resourceTypeGeneral:Software OR types.resourceTypeGeneral:Image",
    "types.resourceTypeGeneral:(Dataset OR Text)",
    "language:en",
    "language:(de OR ja)",
    "subjects.subject:climate",
    'subjects.subject:"climate change"',
    "subjects.subject:ökologie",
    "subjects.subject:climate*",
    "subjects.subject:*change",
    "subjects.subject:?limate",
    "subjects.subject:*o*",
    "collections:earth",
    "collections:test-set",
    "doi:10.1234/abc-7",
    "doi:10.1234*",
    "id:r0003",
    "formats:text/csv",
    "types.resourceType:survey",
    # text fields: tokens, phrases, wildcards
    "titles.title:climate",
    'titles.title:"climate change"',
    'titles.title:"change climate"',
    'titles.title:"CLIMATE change in"',
    "titles.title:café",
    "titles.title:cafe",
    "titles.title:strasse",
    "titles.title:straße",
    "titles.title:日本",
    "titles.title:ωmega",
    "titles.title:x-ray",
    "titles.title:clim*",
    "titles.title:c?ange",
    "titles.title:klimawandel",
    "creators.affiliation.name:oslo",
    'creators.affiliation.name:"university of oslo"',
    "creators.affiliation.name:zürich",
    "creators.affiliation.name:univ*",
    'creators.name:"doe jane"',
    "descriptions.description:co2",
    'descriptions.description:"climate change"',
    "publisher.name:zenodo",
    'publisher:"ZENODO"',
    "publisher:git*",
    "NOT publisher:zenodo",
    # bare terms (full text)
    "climate",
    "climate change",
    '"climate change"',
    "clim*",
    "café OR ocean",
    "ökologie",
    # numbers and dates
    "publicationYear:2021",
    "publicationYear:[2000 TO 2015]",
    "publicationYear:{2000 TO 2015}",
    "publicationYear:[2010 TO *]",
    "publicationYear:>=2015",
    "publicationYear:>2015",
    "publicationYear:<2010",
    "publicationYear:<=2010",
    "created:2024-03",
    "created:[2024-03-11 TO 2024-04-01}",
    "created:>2024-03-31",
    "dates.date:2020",
    "dates.date:[2014-06 TO 2014-12]",
    "dates.date:2014-12",
    # exists
    "_exists_:language",
    "_exists_:doi",
    "NOT _exists_:subjects.subject",
    "publicationYear:*",
    "_exists_:dates.date AND _exists_:descriptions.description",
    # boolean structure
    "*",
    "*:*",
    "NOT types.resourceTypeGeneral:Dataset",
    "-language:en",
    "+collections:earth -types.resourceTypeGeneral:software",
    "types.resourceTypeGeneral:Dataset AND NOT subjects.subject:test",
    "(language:en OR language:de) AND (collections:earth OR publicationYear:>=2020)",
    "NOT (titles.title:climate OR titles.title:ocean) AND _exists_:creators.name",
    "language:en OR (types.resourceTypeGeneral:software AND NOT creators.affiliation.name:cern)",
    "((a OR climate) AND (change OR ocean)) OR NOT _exists_:types.resourceTypeGeneral",
    "titles.title:climate AND titles.title:change",
    "titles.title:climate^2 OR language:ja",
    # string ranges
    "language:[de TO en]",
    "language:{de TO fr}",
    "subjects.subject:[a TO d}",
    "titles.title:[x TO z]",
]
assert len(QUERIES) >= 50


# -- generators ---------------------------------------------------------------

_word = st.sampled_from(WORDS)


@st.composite
def metadata(draw: Any) -> dict[str, Any]:
    md: dict[str, Any] = {}
    if draw(st.booleans()):
        md["types"] = {"resourceTypeGeneral": draw(st.sampled_from(TYPES))}
    md["titles"] = [{"title": " ".join(draw(st.lists(_word, min_size=1, max_size=4)))}
                    for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        md["subjects"] = [{"subject": s} for s in draw(st.lists(st.sampled_from(SUBJECTS),
                                                                  max_size=3))]
    if draw(st.booleans()):
        md["language"] = draw(st.sampled_from(LANGS))
    if draw(st.booleans()):
        md["publicationYear"] = draw(st.sampled_from(YEARS))
    if draw(st.booleans()):
        md["creators"] = [{"name": draw(_word) + ", " + draw(_word),
                           "affiliation": [{"name": a} for a in
                                           draw(st.lists(st.sampled_from(AFFILIATIONS),
                                                         max_size=2))]}
                          for _ in range(draw(st.integers(1, 2)))]
    return md


@st.composite
def records(draw: Any) -> list[Record]:
    mds = draw(st.lists(metadata(), min_size=1, max_size=6))
    return [make_record(i, md, tuple(draw(st.lists(st.sampled_from(COLLECTIONS),
                                                      max_size=2))),
                        draw(st.integers(0, 60)), prefix="g")
            for i, md in enumerate(mds)]


def _leaf() -> st.SearchStrategy[str]:
    kw_field = st.sampled_from(["types.resourceTypeGeneral", "language", "subjects.subject",
                                "collections"])
    kw_value = st.sampled_from(TYPES + LANGS + SUBJECTS + COLLECTIONS)
    txt_field = st.sampled_from(["titles.title", "creators.name",
                                 "creators.affiliation.name"])

    def quote(v: str) -> str:
        return '"' + v + '"'

    def esc(v: str) -> str:
        return "".join("\\" + c if c in '+-&|!(){}[]^"~*?:\\/ ' else c for c in v)

    return st.one_of(
        st.builds(lambda f, v: f"{f}:{quote(v)}", kw_field, kw_value),
        st.builds(lambda f, v: f"{f}:{esc(v)}", kw_field, kw_value),
        st.builds(lambda f, v, n: f"{f}:{esc(v[:n])}*", kw_field, kw_value, st.integers(0, 4)),
        st.builds(lambda f, v: f"{f}:{esc(v)}", txt_field, _word),
        st.builds(lambda f, a, b: f"{f}:{quote(a + ' ' + b)}", txt_field, _word, _word),
        st.builds(lambda f, v, n: f"{f}:{esc(v[:n])}*", txt_field,
                  st.sampled_from(["climate", "change", "ocean", "data", "ice", "strasse"]),
                  st.integers(1, 4)),
        st.builds(lambda v: esc(v), _word),
        st.builds(lambda a, b: f"publicationYear:[{a} TO {b}]",
                  st.integers(1998, 2025), st.integers(1998, 2025)),
        st.builds(lambda op, a: f"publicationYear:{op}{a}",
                  st.sampled_from([">", ">=", "<", "<="]), st.integers(1998, 2025)),
        st.builds(lambda d: f"created:>=2024-03-{d:02d}", st.integers(1, 31)),
        st.builds(lambda f: f"_exists_:{f}", st.sampled_from(
            ["language", "publicationYear", "subjects.subject", "types.resourceTypeGeneral",
             "creators.affiliation.name", "collections"])),
    )


def queries() -> st.SearchStrategy[str]:
    return st.recursive(
        _leaf(),
        lambda inner: st.one_of(
            st.builds(lambda a, b: f"({a} AND {b})", inner, inner),
            st.builds(lambda a, b: f"({a} OR {b})", inner, inner),
            st.builds(lambda a: f"NOT ({a})", inner),
            st.builds(lambda a, b: f"({a} -{b})", inner, inner),
        ),
        max_leaves=6,
    )
