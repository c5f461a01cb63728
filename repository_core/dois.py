"""DOIs as text: the one place that says how a DOI is spelled and compared.

A DOI arrives in many spellings (``https://doi.org/10.1/X``, ``doi:10.1/X``,
``10.1/X``); :func:`bare_doi` reduces each to ``10.1/X`` and keeps its case,
which is what exports print. DOIs are case-insensitive, so the store keeps
and compares :func:`doi_key`, the bare DOI in lower case.
"""

from __future__ import annotations

__all__ = ["DOI_RESOLVER", "bare_doi", "doi_key"]

DOI_RESOLVER = "https://doi.org/"

_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/",
                 "http://dx.doi.org/", "doi:", "info:doi/")


def bare_doi(value: str) -> str:
    """``10.1234/abc`` from any usual DOI spelling (URL, ``doi:`` prefix); case kept."""
    value = value.strip()
    lowered = value.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            return value[len(prefix):]
    return value


def doi_key(value: str) -> str:
    """The form a DOI is stored and compared in: bare and lower case."""
    return bare_doi(value).lower()
