"""COUNTER user sessions without keeping anyone's address.

A client (IP address + user agent) is hashed with a random salt of the UTC
day: the same client gets the same hash all day, a different one the next
day, and once a day's salt is deleted (``forget_salts_before``, run by the
processor) nobody, not even the operator, can tell whose hash it was. The
salts live in ``instance_settings`` under ``usage-salt:<date>`` so that every
server process of an installation hashes alike.

COUNTER's user-session is "the same user in the same hour of the same day";
the hour is taken from the event's time when processing, so the stored
hash only names the client of the day.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import date

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from ..instance import instance_setting
from ..models import InstanceSettingRow

__all__ = ["SALT_PREFIX", "DailySalts", "client_hash", "forget_salts_before", "salt_key"]

SALT_PREFIX = "usage-salt:"


def salt_key(day: date) -> str:
    return f"{SALT_PREFIX}{day.isoformat()}"


def client_hash(salt: str, client_ip: str, user_agent: str) -> str:
    """32 hex digits naming a client for one day; the inputs cannot be recovered."""
    message = f"{client_ip}\x00{user_agent}".encode("utf-8", "surrogatepass")
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:32]


class DailySalts:
    """The salt of each UTC day, read (or made) once a day per process."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._day: date | None = None
        self._salt = ""

    def for_day(self, day: date) -> str:
        with self._lock:
            if day != self._day:
                self._salt = instance_setting(self._engine, salt_key(day))
                self._day = day
            return self._salt


def forget_salts_before(session: Session, day: date) -> int:
    """Delete the salts of days before ``day``; their hashes become anonymous."""
    result = session.execute(
        delete(InstanceSettingRow).where(
            InstanceSettingRow.key.startswith(SALT_PREFIX, autoescape=True),
            InstanceSettingRow.key < salt_key(day),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
