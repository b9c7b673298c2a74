"""Who is asking, and may they: password hashes (argon2), web sessions with
a CSRF token each, API tokens, and the three roles.

Secrets are stored only as hashes: a session cookie or an API token that
leaks from a backup of the register opens nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kokdsl.errors import RequestRefused
from kokdsl.serve.db import ROLES, ApiToken, User, WebSession, utcnow

SESSION_HOURS = 10
READER, OFFICER, DECIDER = ROLES
# What each role may do beyond reading: casework is the officer's, deciding the decision-maker's.
PERMISSIONS = {
    READER: frozenset({"read"}),
    OFFICER: frozenset({"read", "casework"}),
    DECIDER: frozenset({"read", "decide"}),
}
_hasher = PasswordHasher()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may(user: User, permission: str) -> bool:
    return permission in PERMISSIONS.get(user.role, frozenset())


def add_user(db: Session, name: str, role: str, password: str | None) -> User:
    """A new local account; RequestRefused when the name is taken or the role unknown."""
    name = name.strip()
    if role not in ROLES:
        raise RequestRefused("serve.user.bad_role", role=role, roles=", ".join(ROLES))
    if not name:
        raise RequestRefused("serve.user.no_name")
    if db.scalar(sa.select(User).where(User.name == name)) is not None:
        raise RequestRefused("serve.user.exists", 409, name=name)
    user = User(name=name, role=role, password_hash=_hasher.hash(password) if password else None)
    db.add(user)
    db.flush()
    return user


def check_password(db: Session, name: str, password: str) -> User | None:
    """The user when the password is theirs; None otherwise (the same time either way)."""
    user = db.scalar(sa.select(User).where(User.name == name.strip()))
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if stored else None


_DUMMY_HASH = _hasher.hash("no user has this password")


def start_session(db: Session, user: User) -> tuple[str, WebSession]:
    """A new session: the cookie's token (returned once) and its row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_sha256=token_hash(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                     expires_at=utcnow() + datetime.timedelta(hours=SESSION_HOURS))
    db.add(row)
    db.flush()
    return token, row


def session_user(db: Session, token: str) -> tuple[User, WebSession] | None:
    row = db.scalar(sa.select(WebSession).where(WebSession.token_sha256 == token_hash(token)))
    if row is None or row.expires_at < utcnow():
        return None
    user = db.get(User, row.user_id)
    return (user, row) if user is not None else None


def end_session(db: Session, token: str) -> None:
    db.execute(sa.delete(WebSession).where(WebSession.token_sha256 == token_hash(token)))


def create_token(db: Session, user: User) -> str:
    """A new API token for `user`, returned once."""
    token = "kok_" + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_sha256=token_hash(token)))
    db.flush()
    return token


def token_user(db: Session, token: str) -> User | None:
    row = db.scalar(sa.select(ApiToken).where(ApiToken.token_sha256 == token_hash(token)))
    return db.get(User, row.user_id) if row is not None else None


def csrf_ok(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
