"""Accounts made from the command line: the first admin of a site, and any user by hand.

`shopdb up` on a site without an admin makes one named `admin`; its password comes from
SHOPDB_ADMIN_PASSWORD or is generated and printed once. The command line also signs a
short-lived admin token for itself: it runs beside core with core's database and secret key,
which can do anything anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from shopdb_contract.db import Database
from shopdb_contract.outbox import Actor
from shopdb_core.identity import keys, service
from shopdb_core.identity.models import User

FIRST_ADMIN = "admin"


@dataclass
class FirstAdmin:
    username: str
    # Only when generated: the caller prints it once, it is stored nowhere in clear.
    generated_password: str | None


def ensure_first_admin(database_url: str, *, password: str | None) -> FirstAdmin | None:
    """Make the `admin` account when the site has no admin; None when it has one."""
    database = Database(database_url)
    try:
        with database.transaction() as session:
            session.info["actor"] = Actor(kind="system", name="shopdb up")
            if service.count_admins(session) > 0:
                return None
            generated = None if password else secrets.token_urlsafe(15)
            service.create_user(session, username=FIRST_ADMIN, password=password or generated, role="admin",
                                displayname="Administrator")
            return FirstAdmin(FIRST_ADMIN, generated)
    finally:
        database.dispose()


def create_account(database_url: str, *, username: str, password: str, role: str) -> None:
    database = Database(database_url)
    try:
        with database.transaction() as session:
            session.info["actor"] = Actor(kind="system", name="shopdb user create")
            service.create_user(session, username=username, password=password, role=role)
    finally:
        database.dispose()


def command_line_token(database_url: str, *, secret_key: str) -> str:
    """A two-minute admin token for the `shopdb` command, signed with core's own key."""
    database = Database(database_url)
    try:
        with database.transaction() as session:
            admin = session.scalars(select(User).where(User.role == "admin", User.active.is_(True))).first()
            subject, name = (str(admin.id), admin.username) if admin else ("shopdb-cli", "shopdb-cli")
            token, _ = keys.sign_access_token(
                session, secret_key=secret_key, lifetime=timedelta(minutes=2), subject=subject, name=name, role="admin",
            )
            return token
    finally:
        database.dispose()
