"""A real `kok serve` for the tests: uvicorn on a free port of 127.0.0.1 in
a thread, a fresh register (SQLite in a temporary folder, or the PostgreSQL
database named by KOK_TEST_DATABASE_URL), and one user per role.

PostgreSQL tests skip when KOK_TEST_DATABASE_URL is unset, except under
CI=true, where .ci/run starts PostgreSQL and a missing one is a failure.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="kokdsl[serve] is not installed")

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import uvicorn  # noqa: E402

from kokdsl.cli import _serve_engine  # noqa: E402
from kokdsl.serve.server import add_user, create_app, create_token, open_state  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PASSWORDS = {"lisa": "läs-lösen-1", "anna": "handl-lösen-2", "bo": "beslut-lösen-3", "cilla": "beslut-lösen-4"}
ROLES = {"lisa": "läsare", "anna": "handläggare", "bo": "beslutsfattare", "cilla": "handläggare"}
PG_ENV = "KOK_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but {PG_ENV} is not set: .ci/run must start PostgreSQL")
        pytest.skip(f"no PostgreSQL ({PG_ENV} unset)")
    return url


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


class Server:
    """A running server and its register."""

    def __init__(self, data_dir: Path, url: str | None, **options: object) -> None:
        self.state = open_state(_serve_engine(), data_dir, url, **options)
        self.clients: list[WebClient] = []
        for name, role in ROLES.items():
            add_user(self.state, name, role, PASSWORDS[name])
        self.token = create_token(self.state, None)[1]
        self.tokens = {name: create_token(self.state, name)[1] for name in ROLES}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.state), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        for client in self.clients:
            client.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.state.database.dispose()

    def api(self, name: str | None = None) -> httpx.Client:
        """A client with a Bearer token: the e-service's, or the named user's."""
        token = self.tokens[name] if name else self.token
        return httpx.Client(base_url=self.base, headers={"authorization": f"Bearer {token}"}, timeout=60)

    def browser_session(self, name: str) -> WebClient:
        client = WebClient(self.base)
        self.clients.append(client)
        client.sign_in(name, PASSWORDS[name])
        return client


class WebClient:
    """A form-posting client like a browser without scripts: the session
    cookie (Secure, so sent by hand over the test's plain HTTP) and the
    page's CSRF token."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.cookie = ""
        self.csrf = ""

    def sign_in(self, name: str, password: str) -> httpx.Response:
        response = self.http.post("/signin", data={"name": name, "password": password, "next": "/"})
        found = re.search(r"kok_session=([^;]+)", response.headers.get("set-cookie", ""))
        if found:
            self.cookie = found.group(1)
            self.csrf = re.search(r'name="csrf" value="([^"]+)"', self.get("/").text).group(1)  # type: ignore
        return response

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path, headers={"cookie": f"kok_session={self.cookie}"})

    def post(self, path: str, data: dict[str, str] | None = None, files: object = None,
             csrf: bool = True) -> httpx.Response:
        data = dict(data or {})
        if csrf:
            data["csrf"] = self.csrf
        return self.http.post(path, data=data, files=files,  # type: ignore[arg-type]
                              headers={"cookie": f"kok_session={self.cookie}"})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def server(request, tmp_path):
    """A server on SQLite, and (slow) on PostgreSQL."""
    url = None
    if request.param == "postgresql":
        url = postgres_url()
        reset_postgres(url)
    running = Server(tmp_path / "data", url)
    yield running
    running.stop()


@pytest.fixture
def sqlite_server(tmp_path):
    running = Server(tmp_path / "data", None)
    yield running
    running.stop()


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()
