"""The register's storage: the migrations make exactly the models' schema,
the records are append-only in the database itself, and the commands that
manage accounts and tokens."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from conftest import example

from kokdsl.cli import main
from kokdsl.serve.db import Base


def test_the_migrations_make_the_models_schema(server):
    with server.state.database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


@pytest.mark.parametrize("table", ["versions", "audit_log", "proposals", "supplement_requests"])
def test_the_records_are_append_only_in_the_database(server, table):
    with server.api("anna") as api:
        case = api.post("/api/v1/cases", json={"reference": "RS 1", "provider": "P", "centre": "C",
                                               "received": "2026-11-01"}).json()
        api.post(f"/api/v1/cases/{case['id']}/versions", content=example("godkand.yaml"),
                 headers={"content-type": "application/yaml"})
        api.post(f"/api/v1/cases/{case['id']}/proposals", json={"version": 1, "kind": "approved"})
        api.post(f"/api/v1/cases/{case['id']}/supplement-requests", json={"deadline": "2026-12-01"})
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError), server.state.database.begin() as connection:
            connection.execute(sa.text(statement))
    with server.state.database.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM versions")).scalar() == 1


def test_token_create_prints_the_token_on_its_last_line_and_it_works(tmp_path, sqlite_server):
    data = tmp_path / "other"
    result = CliRunner().invoke(main, ["serve", "token", "create", "--data", str(data)])
    assert result.exit_code == 0, result.output
    token = result.output.splitlines()[-1]
    assert token.startswith("kok_") and len(token) > 40
    again = CliRunner().invoke(main, ["serve", "token", "create", "--data", str(data)])
    assert again.output.splitlines()[-1] != token


def test_user_add_reads_the_password_from_standard_input(tmp_path):
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "kokdsl", "serve", "user", "add", "märta", "--role",
                           "beslutsfattare", "--data", str(data)], input="ett-lösenord\n", capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "märta" in done.stdout
    twice = subprocess.run([sys.executable, "-m", "kokdsl", "serve", "user", "add", "märta", "--role", "läsare",
                            "--data", str(data)], input="x\n", capture_output=True, text=True)
    assert twice.returncode == 2 and "märta" in twice.stderr and "Traceback" not in twice.stderr
    empty = subprocess.run([sys.executable, "-m", "kokdsl", "serve", "user", "add", "nils", "--role", "läsare",
                            "--data", str(data)], input="\n", capture_output=True, text=True)
    assert empty.returncode == 2


def test_serve_without_a_register_is_a_clear_error():
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "--data" in result.output
