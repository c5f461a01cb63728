"""DCAT-AP 3.0.0 SHACL validation for the tests (pySHACL, offline).

The shapes graph is parsed once per process (``shapes()``) and shared:
pySHACL only reads it. ``conformance(data)`` returns the violations as text
(``[]``: the graph conforms). See ``dcat-ap-3.0.0/SOURCES.md`` for what the
shapes cover and why ``range.ttl`` is left out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyshacl
from lxml import etree
from rdflib import Graph

SHAPES = Path(__file__).with_name("dcat-ap-3.0.0") / "shapes.ttl"


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def violations(data: Graph) -> list[str]:
    """Every SHACL result of ``data`` against the DCAT-AP shapes, as text; [] if it conforms."""
    conforms, _graph, text = pyshacl.validate(
        data, shacl_graph=shapes(), inference="none", do_owl_imports=False,
        allow_warnings=False, advanced=False)
    return [] if conforms else [text]


def rdfxml_violations(payload: etree._Element) -> list[str]:
    """``violations`` of an RDF/XML element (an OAI-PMH ``dcat`` payload)."""
    return violations(Graph().parse(data=etree.tostring(payload), format="xml"))
