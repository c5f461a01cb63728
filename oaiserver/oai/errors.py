"""OAI-PMH error and exception conditions: one class per code, one root.

::

    OAIError
     +-- BadArgument              badArgument
     +-- BadResumptionToken       badResumptionToken
     +-- BadVerb                  badVerb
     +-- CannotDisseminateFormat  cannotDisseminateFormat
     +-- IdDoesNotExist           idDoesNotExist
     +-- NoRecordsMatch           noRecordsMatch
     +-- NoMetadataFormats        noMetadataFormats
     +-- NoSetHierarchy           noSetHierarchy

Each docstring is the sentence of the spec's table (section 3.6); the
message is what the response shows a person. These are protocol conditions,
not HTTP errors: they travel in a ``200 OK`` response.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ERRORS",
    "BadArgument",
    "BadResumptionToken",
    "BadVerb",
    "CannotDisseminateFormat",
    "IdDoesNotExist",
    "NoMetadataFormats",
    "NoRecordsMatch",
    "NoSetHierarchy",
    "OAIError",
]


class OAIError(Exception):
    """Root of every OAI-PMH error condition."""

    code: ClassVar[str] = ""

    def __init__(self, message: str = ""):
        self.message = message or (self.__doc__ or "").split("\n")[0].strip()
        super().__init__(self.message)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OAIError)
            and other.code == self.code
            and other.message == self.message
        )

    def __hash__(self) -> int:
        return hash((self.code, self.message))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadArgument(OAIError):
    """The request includes illegal arguments, is missing required arguments, includes a repeated argument, or values for arguments have an illegal syntax."""

    code = "badArgument"


class BadResumptionToken(OAIError):
    """The value of the resumptionToken argument is invalid or expired."""

    code = "badResumptionToken"


class BadVerb(OAIError):
    """Value of the verb argument is not a legal OAI-PMH verb, the verb argument is missing, or the verb argument is repeated."""

    code = "badVerb"


class CannotDisseminateFormat(OAIError):
    """The metadata format identified by the value given for the metadataPrefix argument is not supported by the item or by the repository."""

    code = "cannotDisseminateFormat"


class IdDoesNotExist(OAIError):
    """The value of the identifier argument is unknown or illegal in this repository."""

    code = "idDoesNotExist"


class NoRecordsMatch(OAIError):
    """The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list."""

    code = "noRecordsMatch"


class NoMetadataFormats(OAIError):
    """There are no metadata formats available for the specified item."""

    code = "noMetadataFormats"


class NoSetHierarchy(OAIError):
    """The repository does not support sets."""

    code = "noSetHierarchy"


#: Every error class by its code.
ERRORS: dict[str, type[OAIError]] = {
    cls.code: cls
    for cls in (
        BadArgument,
        BadResumptionToken,
        BadVerb,
        CannotDisseminateFormat,
        IdDoesNotExist,
        NoRecordsMatch,
        NoMetadataFormats,
        NoSetHierarchy,
    )
}
