"""Bearer tokens for writes; reads are public."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request

from .current import current_services
from .problems import problem

__all__ = ["require_token", "token_problem"]

F = TypeVar("F", bound=Callable[..., Any])


def token_problem() -> Any:
    """None if the request carries a configured token, else a 401 problem."""
    tokens = current_services().config.api_tokens
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and given:
        for token in tokens:
            if hmac.compare_digest(token.encode(), given.strip().encode()):
                return None
    detail = (
        "writes need 'Authorization: Bearer <token>' with a token from OAISERVER_API_TOKENS"
        if tokens
        else "writes are disabled: no OAISERVER_API_TOKENS are configured"
    )
    return problem(401, "Unauthorized", detail,
                   headers={"WWW-Authenticate": 'Bearer realm="oaiserver"'})


def require_token(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        refused = token_problem()
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
