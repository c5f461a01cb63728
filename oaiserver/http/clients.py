"""Who the client is: the socket peer, or the address trusted proxies forwarded for.

Used by the rate limiter and by usage statistics (the session hash):
behind a reverse proxy every request comes from the proxy, so the client
is the right-most ``X-Forwarded-For`` address that is not one of
``OAISERVER_TRUSTED_PROXIES``. ``X-Forwarded-For`` from anyone else is
ignored: a client could write anything there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from flask import request

from .current import current_services

__all__ = ["client_address", "request_client_address", "trusted_networks"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(proxies: tuple[str, ...]) -> list[_Network]:
    return [ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip()]


def _trusted(address: str, networks: list[_Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(remote_addr: str | None, forwarded_for: str | None,
                   trusted: list[_Network]) -> str:
    """The client's address: the peer, or what trusted proxies say it forwarded for."""
    peer = remote_addr or ""
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def trusted_networks(proxies: Sequence[str]) -> list[_Network]:
    """The configured proxies as networks (parsed once a configuration)."""
    return _parsed(tuple(proxies))


@lru_cache(maxsize=8)
def _parsed(proxies: tuple[str, ...]) -> list[_Network]:
    return _networks(proxies)


def request_client_address() -> str:
    """The current request's client address."""
    proxies = current_services().config.trusted_proxies
    return client_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                          trusted_networks(proxies))
