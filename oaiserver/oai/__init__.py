"""OAI-PMH 2.0: the endpoint aggregators harvest.

Layers, from the edge inwards::

    views.py       Flask blueprint at /oai: GET/POST, gzip, 503 + Retry-After
    endpoint.py    the parts of one endpoint (repository, formats, token key)
    verbs.py       the six verbs, pure: arguments in, a Reply out
    xml.py         Reply -> XML bytes (lxml)
    arguments.py   verb and argument checking, all errors together
    dates.py       UTCdatetime granularities
    tokens.py      stateless signed resumption tokens
    repository.py  the Repository protocol the verbs read, with Entry and SetInfo
    sql.py         SQLRepository: that protocol over the database (the only SQL)
    errors.py      one class per OAI-PMH error code

The core (everything but ``views`` and ``sql``) imports neither Flask nor
SQLAlchemy; importing this package imports only the core.
"""

from __future__ import annotations

from .endpoint import OAIEndpoint
from .errors import OAIError
from .repository import Entry, Repository, SetInfo
from .verbs import Reply, handle

__all__ = ["Entry", "OAIEndpoint", "OAIError", "Reply", "Repository", "SetInfo", "handle"]
