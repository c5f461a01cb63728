"""Per-installation values made once and shared by every server process."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import write_engine
from .models import InstanceSettingRow

__all__ = ["instance_secret", "instance_setting"]

SECRET_KEY = "signing-key"


def instance_secret(engine: Engine) -> str:
    """This installation's random signing key, made on first use."""
    return instance_setting(engine, SECRET_KEY)


def instance_setting(engine: Engine, key: str) -> str:
    """The random value stored under ``key``, made on first use.

    Two processes racing to make it both end up with the one that was
    committed first.
    """
    with Session(engine) as session:
        found = session.execute(
            select(InstanceSettingRow.value).where(InstanceSettingRow.key == key)
        ).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with Session(write_engine(engine)) as session, session.begin():
            session.add(InstanceSettingRow(key=key, value=secrets.token_urlsafe(32)))
    except IntegrityError:
        pass
    return instance_setting(engine, key)
