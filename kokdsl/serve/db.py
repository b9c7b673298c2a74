"""The register's tables (SQLAlchemy 2) and opening a database: SQLite as a
file in the data folder, or PostgreSQL through a URL. The schema is made and
changed only by the Alembic migrations in migrations/, never by create_all
or a hand-written ALTER.

Append-only by design: versions, supplement requests, proposals, decisions
and the audit log are only ever inserted. A new decision names the one it
replaces; nothing is updated in place except a follow-up run's progress.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DATABASE_FILE = "kok.sqlite3"
ROLES = ("läsare", "handläggare", "beslutsfattare")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime.datetime]


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(100), unique=True)  # diarienummer
    provider: Mapped[str] = mapped_column(sa.String(300))  # vårdgivare
    centre: Mapped[str] = mapped_column(sa.String(300))  # vårdcentral
    received: Mapped[datetime.date]
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    rulebook: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class Version(Base):
    """One uploaded self-report, kept byte for byte with its hash."""

    __tablename__ = "versions"
    __table_args__ = (sa.UniqueConstraint("case_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    number: Mapped[int]
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class SupplementRequest(Base):
    """A request for a supplement: answered by the first version uploaded after it."""

    __tablename__ = "supplement_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    after_version: Mapped[int]  # the case's latest version number when asked
    deadline: Mapped[datetime.date]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class Proposal(Base):
    """A handläggare's proposed decision on one version."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    proposed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """A recorded decision, never edited: a new one names the one it replaces."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    proposed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    rulebook_sha256: Mapped[str] = mapped_column(sa.String(64))
    self_report_sha256: Mapped[str] = mapped_column(sa.String(64))
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), unique=True)
    letter_pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    letter_sha256: Mapped[str] = mapped_column(sa.String(64))


class FollowUpRun(Base):
    __tablename__ = "followup_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    rulebook: Mapped[str] = mapped_column(sa.String(200))
    run_date: Mapped[datetime.date]
    status: Mapped[str] = mapped_column(sa.String(20))  # queued, running, done, interrupted, failed
    lang: Mapped[str] = mapped_column(sa.String(2), server_default="sv")  # the overview's language
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("followup_runs.id"))
    started_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime.datetime | None]
    totals: Mapped[str] = mapped_column(sa.Text, default="{}")  # JSON: decision kind -> centres
    error: Mapped[str] = mapped_column(sa.Text, default="")
    summary_json: Mapped[str | None] = mapped_column(sa.Text)
    centres_csv: Mapped[str | None] = mapped_column(sa.Text)
    overview_html: Mapped[str | None] = mapped_column(sa.Text)


class Waiver(Base):
    __tablename__ = "waivers"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre: Mapped[str] = mapped_column(sa.String(200))
    requirement: Mapped[str] = mapped_column(sa.String(50))
    reason: Mapped[str] = mapped_column(sa.Text)
    reference: Mapped[str] = mapped_column(sa.String(100))
    granted_by: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[datetime.date]
    valid_to: Mapped[datetime.date]
    created_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when, to which case: only ever inserted."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    user_name: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(60))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    detail: Mapped[str] = mapped_column(sa.Text, default="")


def database_url(data_dir: str | Path, url: str | None = None) -> str:
    """The URL given, else the SQLite file in the data folder."""
    if url:
        return url
    return f"sqlite:///{Path(data_dir).resolve() / DATABASE_FILE}"


def open_database(url: str) -> SqlEngine:
    """An engine with the schema migrated to the newest revision."""
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def _sqlite_pragmas(connection: object, _record: ConnectionPoolEntry) -> None:
    """WAL: readers never wait for the writer; a crash leaves each
    transaction whole or absent. Foreign keys on, as PostgreSQL has them."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def migrate(engine: SqlEngine) -> None:
    """Bring the schema to Alembic's head revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: SqlEngine) -> sessionmaker[sa.orm.Session]:
    return sessionmaker(engine, expire_on_commit=False)
