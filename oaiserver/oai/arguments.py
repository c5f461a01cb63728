"""Checking a request's verb and arguments, every error found at once.

``check_request(params)`` turns the raw ``key -> [values]`` of a GET query
or a POST form into a :class:`OAIRequest`, or into the list of every
``badVerb`` / ``badArgument`` condition it has (spec 3.6: repositories
should report all errors). It knows nothing of the repository: whether a
metadataPrefix exists or an identifier is known is decided later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from repository_core.metadata.validation import INVALID_XML_CHARACTERS
from repository_core.set_specs import SPEC_PATTERN

from .dates import UTCDate, parse_utc_date
from .errors import BadArgument, BadVerb, OAIError
from .namespaces import VERBS

__all__ = ["MAX_ARGUMENT_LENGTH", "RULES", "ArgumentRules", "OAIRequest", "check_request"]

#: metadataPrefixType of OAI-PMH.xsd (URI unreserved characters); setSpecType is
#: ``SPEC_PATTERN``, the one pattern sets are defined with. Both with ``fullmatch``.
_PREFIX = re.compile(r"[A-Za-z0-9\-_\.!~\*'\(\)]+")

#: a URI reference by RFC 3986's characters: unreserved, reserved and
#: percent-encoded ones only. ``identifier`` is ``xs:anyURI`` in OAI-PMH.xsd and
#: is echoed in ``<request>``; a value that is no URI at all (``${jndi:...}``,
#: a stray ``%``) is a badArgument, one that is a URI but not ours stays an
#: idDoesNotExist ("unknown or illegal in this repository").
_URI = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})+", re.ASCII)

#: No argument this server understands is longer (resumption tokens are a few
#: hundred characters); longer values are refused before any parsing.
MAX_ARGUMENT_LENGTH = 2048


@dataclass(frozen=True)
class ArgumentRules:
    """The arguments of one verb, as section 4 of the spec lists them."""

    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    exclusive: frozenset[str] = frozenset()

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional | self.exclusive


_LIST = ArgumentRules(
    required=frozenset({"metadataPrefix"}),
    optional=frozenset({"from", "until", "set"}),
    exclusive=frozenset({"resumptionToken"}),
)
RULES: dict[str, ArgumentRules] = {
    "GetRecord": ArgumentRules(required=frozenset({"identifier", "metadataPrefix"})),
    "Identify": ArgumentRules(),
    "ListIdentifiers": _LIST,
    "ListMetadataFormats": ArgumentRules(optional=frozenset({"identifier"})),
    "ListRecords": _LIST,
    "ListSets": ArgumentRules(exclusive=frozenset({"resumptionToken"})),
}
assert set(RULES) == set(VERBS)


@dataclass(frozen=True)
class OAIRequest:
    """A request whose verb and arguments are syntactically legal."""

    verb: str
    arguments: tuple[tuple[str, str], ...]  # verbatim, in request order, for <request>
    identifier: str | None = None
    metadata_prefix: str | None = None
    from_: UTCDate | None = None
    until: UTCDate | None = None
    set_spec: str | None = None
    resumption_token: str | None = None


def check_request(params: Mapping[str, Sequence[str]]) -> OAIRequest | list[OAIError]:
    """The request, or every badVerb/badArgument error it has."""
    verbs = list(params.get("verb", ()))
    if not verbs:
        return [BadVerb("The verb argument is missing.")]
    if len(verbs) > 1:
        return [BadVerb("The verb argument is repeated.")]
    verb = verbs[0]
    if verb not in RULES:
        return [BadVerb(f"{verb!r} is not a legal OAI-PMH verb.")]
    rules = RULES[verb]

    errors: list[OAIError] = []
    values: dict[str, str] = {}
    for key, given in params.items():
        if key == "verb":
            continue
        if key not in rules.allowed:
            errors.append(BadArgument(f"{key!r} is not an argument of {verb}."))
            continue
        if len(given) > 1:
            errors.append(BadArgument(f"The argument {key!r} is repeated."))
            continue
        if not given or given[0] == "":
            errors.append(BadArgument(f"The argument {key!r} has an empty value."))
            continue
        if len(given[0]) > MAX_ARGUMENT_LENGTH:
            errors.append(BadArgument(
                f"The argument {key!r} is longer than {MAX_ARGUMENT_LENGTH} characters."))
            continue
        # a value XML 1.0 cannot carry could not be echoed in <request>
        if INVALID_XML_CHARACTERS.search(given[0]):
            errors.append(BadArgument(f"The argument {key!r} has characters XML cannot carry."))
            continue
        values[key] = given[0]

    present = {k for k in params if k != "verb"}
    if present & rules.exclusive:
        others = sorted(present - rules.exclusive)
        if others:
            errors.append(
                BadArgument(
                    "resumptionToken is an exclusive argument; "
                    f"it cannot be combined with {', '.join(others)}."
                )
            )
    else:
        for key in sorted(rules.required - present):
            errors.append(BadArgument(f"The required argument {key!r} is missing."))

    if "metadataPrefix" in values and not _PREFIX.fullmatch(values["metadataPrefix"]):
        errors.append(BadArgument("The metadataPrefix has an illegal syntax."))
    if "identifier" in values and not _URI.fullmatch(values["identifier"]):
        errors.append(BadArgument("The identifier argument is not a URI."))
    if "set" in values and not SPEC_PATTERN.fullmatch(values["set"]):
        errors.append(BadArgument("The set argument is not a legal setSpec."))

    dates: dict[str, UTCDate] = {}
    for key in ("from", "until"):
        if key in values:
            try:
                dates[key] = parse_utc_date(values[key])
            except ValueError as exc:
                errors.append(BadArgument(f"The {key} argument: {exc}."))
    if "from" in dates and "until" in dates:
        if dates["from"].granularity is not dates["until"].granularity:
            errors.append(BadArgument("The from and until arguments have different granularities."))
        elif dates["from"].start > dates["until"].start:
            errors.append(BadArgument("The from argument is later than the until argument."))

    if errors:
        return errors
    order = [k for k in params if k != "verb"]
    return OAIRequest(
        verb=verb,
        arguments=(("verb", verb),) + tuple((k, values[k]) for k in order),
        identifier=values.get("identifier"),
        metadata_prefix=values.get("metadataPrefix"),
        from_=dates.get("from"),
        until=dates.get("until"),
        set_spec=values.get("set"),
        resumption_token=values.get("resumptionToken"),
    )
