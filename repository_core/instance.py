"""Per-installation values made once and shared by every server process."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .db import write_engine
from .models import InstanceSettingRow

__all__ = ["instance_secret"]

SECRET_KEY = "signing-key"


def instance_secret(engine: Engine) -> str:
    """This installation's random signing key, made on first use.

    Two processes racing to make it both end up with the one that was
    committed first.
    """
    with Session(engine) as session:
        found = session.execute(
            select(InstanceSettingRow.value).where(InstanceSettingRow.key == SECRET_KEY)
        ).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with Session(write_engine(engine)) as session, session.begin():
            session.add(InstanceSettingRow(key=SECRET_KEY, value=secrets.token_urlsafe(32)))
    except IntegrityError:
        pass
    return instance_secret(engine)
