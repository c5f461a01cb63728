"""Which DOI a record gets: prefix + suffix pattern, decided locally.

When to use: to mint the DOI of a record before anything is sent to
DataCite (the DOI is stored in the record first, so a crash can never mint
two), and to tell our DOIs from imported ones under other prefixes.

Patterns (``Config.datacite_suffix_pattern``):

- ``{id}`` (the default), or any text with ``{id}``, e.g. ``rec.{id}``: the
  suffix is built from the record's local id; ``{prefix}/...`` may be
  written out in full.
- ``random``: a random Crockford Base32 suffix with a check symbol, in the
  shape DataCite itself mints (``abcd-ef12``: seven random symbols, 35 bits,
  then ``value mod 37`` as a check symbol). We only emit suffixes whose check
  symbol is a letter or digit (values 32..36 would give ``*~$=u``), and we
  verify the check symbol whenever we read one of our DOIs back.

Not for: talking to DataCite, or checking metadata.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from .errors import InvalidDOI

__all__ = ["PREFIX_PATTERN", "DOIPolicy", "check_suffix", "random_suffix"]

PREFIX_PATTERN = re.compile(r"^10\.\d{4,9}$")
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CHECK_SYMBOLS = ALPHABET + "*~$=u"
_DECODE = {c: i for i, c in enumerate(ALPHABET)}
_DECODE.update({"i": 1, "l": 1, "o": 0})
SUFFIX_SYMBOLS = 7


def _encode(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def random_suffix(randbits: object = secrets.randbits) -> str:
    """``xxxx-xxxx``: 7 random Crockford symbols and a mod-37 check symbol."""
    draw = randbits  # injectable for tests (a callable like secrets.randbits)
    while True:
        value = draw(5 * SUFFIX_SYMBOLS)  # type: ignore[operator]
        check = value % 37
        if check < 32:  # keep the suffix alphanumeric
            text = _encode(value, SUFFIX_SYMBOLS) + CHECK_SYMBOLS[check]
            return f"{text[:4]}-{text[4:]}"


def check_suffix(suffix: str) -> str | None:
    """None if ``suffix`` is a valid checked Crockford suffix, else the reason."""
    text = suffix.replace("-", "").lower()
    if len(text) < 2:
        return "too short for a checked Base32 suffix"
    body, check = text[:-1], text[-1]
    value = 0
    for ch in body:
        if ch not in _DECODE:
            return f"{ch!r} is not a Crockford Base32 symbol"
        value = value * 32 + _DECODE[ch]
    if check not in CHECK_SYMBOLS:
        return f"{check!r} is not a Crockford check symbol"
    if CHECK_SYMBOLS.index(check) != value % 37:
        return "check symbol does not match (a typo in the DOI?)"
    return None


@dataclass(frozen=True)
class DOIPolicy:
    """The repository's DOI prefix and how it builds suffixes."""

    prefix: str
    suffix_pattern: str = "{id}"

    def __post_init__(self) -> None:
        if not PREFIX_PATTERN.match(self.prefix):
            raise ValueError(f"{self.prefix!r} is not a DOI prefix (10.NNNN)")
        pattern = self.suffix_pattern
        if pattern != "random" and "{id}" not in pattern:
            raise ValueError(f"suffix pattern {pattern!r} needs {{id}}, or is 'random'")
        try:
            pattern.format(prefix=self.prefix, id="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"suffix pattern {pattern!r}: {exc}") from None

    @property
    def random(self) -> bool:
        return self.suffix_pattern == "random"

    def mint(self, record_id: str) -> str:
        """The DOI for this record (lower case, as the store keeps DOIs)."""
        if self.random:
            return f"{self.prefix}/{random_suffix()}".lower()
        text = self.suffix_pattern.format(prefix=self.prefix, id=record_id)
        doi = text if text.startswith(self.prefix + "/") else f"{self.prefix}/{text}"
        return doi.lower()

    def is_own(self, doi: str) -> bool:
        return doi.strip().lower().startswith(self.prefix.lower() + "/")

    def check(self, doi: str) -> None:
        """Raise ``InvalidDOI`` if one of our DOIs does not fit the pattern."""
        if not self.is_own(doi):
            return
        suffix = doi.strip().split("/", 1)[1]
        if not suffix:
            raise InvalidDOI(doi, "empty suffix")
        if self.random:
            reason = check_suffix(suffix)
            if reason is not None:
                raise InvalidDOI(doi, reason)
