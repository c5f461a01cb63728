"""OAI-PMH 2.0: the endpoint aggregators harvest.

Layers, from the edge inwards::

    views.py       Flask blueprint ``bp`` at /oai: GET/POST, gzip, 503 + Retry-After
    endpoint.py    the wired parts of one server (repository, formats, token key)
    verbs.py       the six verbs, pure: arguments in, a Reply out
    xml.py         Reply -> XML bytes (lxml)
    arguments.py   verb and argument checking, all errors together
    dates.py       UTCdatetime granularities
    tokens.py      stateless signed resumption tokens
    repository.py  the read interface over the store and sets (the only SQL)
    errors.py      one class per OAI-PMH error code
"""

from __future__ import annotations

from .endpoint import OAIEndpoint, endpoint_from_services
from .errors import OAIError
from .repository import Repository, SQLRepository
from .verbs import Reply, handle
from .views import bp

__all__ = [
    "OAIEndpoint",
    "OAIError",
    "Reply",
    "Repository",
    "SQLRepository",
    "bp",
    "endpoint_from_services",
    "handle",
]
