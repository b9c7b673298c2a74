"""Opening the register and starting the server; the account commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from kokdsl.errors import RequestRefused
from kokdsl.serve import auth, jobs
from kokdsl.serve.db import User, database_url, open_database, session_factory
from kokdsl.serve.engine import Engine
from kokdsl.serve.state import AppState, Settings

SERVICE_USER = "e-tjänst"


def open_state(engine: Engine, data_dir: str | Path, url: str | None = None, **options: object) -> AppState:
    """The register in `data_dir` (created when missing), migrated, with its settings."""
    folder = Path(data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=folder, database_url=database_url(folder, url), **options)  # type: ignore[arg-type]
    database = open_database(settings.database_url)
    return AppState(settings, database, session_factory(database), engine)


def add_user(state: AppState, name: str, role: str, password: str | None) -> User:
    with state.sessions.begin() as db:
        user = auth.add_user(db, name, role, password)
        from kokdsl.serve.register import audit

        audit(db, "kok serve user add", "user.added", None, name=user.name, role=role)
        return user


def create_token(state: AppState, user_name: str | None) -> tuple[User, str]:
    """A new API token for the named user, or for the reader account of the e-service."""
    with state.sessions.begin() as db:
        name = user_name or SERVICE_USER
        user = db.scalar(sa.select(User).where(User.name == name))
        if user is None:
            if user_name is not None:
                raise RequestRefused("serve.unknown_user", 404, name=name)
            user = auth.add_user(db, SERVICE_USER, auth.READER, None)
        token = auth.create_token(db, user)
        from kokdsl.serve.register import audit

        audit(db, "kok serve token create", "token.created", None, account=user.name)
        return user, token


def create_app(state: AppState) -> FastAPI:
    """The whole server as an ASGI application: the pages, the API at /api/v1, the static files."""
    from kokdsl.serve.api import create_api
    from kokdsl.serve.app import HERE, add_handlers, add_pages
    from kokdsl.serve.security import Guard

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.mark_interrupted(state)
        yield
        runner.shutdown()

    runner = jobs.Runner(state)
    app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
    app.mount("/api/v1", create_api(state, runner))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    add_handlers(app, state)
    add_pages(app, state, runner)
    app.add_middleware(Guard, max_body=state.settings.max_upload_bytes)
    return app


def run(state: AppState, host: str, port: int) -> None:
    """Serve until stopped (one process; follow-ups use their own worker pool)."""
    import uvicorn

    uvicorn.run(create_app(state), host=host, port=port, log_level="warning", access_log=False,
                proxy_headers=False, server_header=False)
