"""`tessera migrate`, `user`, `client` and `session` on a real SQLite file and PostgreSQL server."""
import json
import os
import uuid

import jwt
import pytest
import requests
from conftest import REQUIRE_ALL, require
from server import Server


def stores():
    yield "sqlite"
    if os.environ.get("TESSERA_TEST_POSTGRES_URL") or REQUIRE_ALL:
        yield "postgres"


@pytest.fixture(params=list(stores()))
def store(request, tessera):
    if request.param == "sqlite":
        return f"sqlite:{tessera.workdir / 'data' / 'tessera.db'}"
    admin = require(os.environ.get("TESSERA_TEST_POSTGRES_URL"), "the throwaway PostgreSQL of scripts/test.sh")
    database = "cli_" + uuid.uuid4().hex[:12]
    import subprocess
    port = admin.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {database}"],
                   check=True, capture_output=True)
    return admin.rsplit("/", 1)[0] + "/" + database


FAST = {"TESSERA_PASSWORD_SCRYPT_LN": "10"}


def test_user_lifecycle(tessera, store):
    cli = lambda *a, **k: tessera.run(*a, "--store", store, env=FAST, **k)
    assert cli("migrate").returncode == 0
    added = cli("user", "add", "Alice", stdin="a long enough password\n")
    assert added.returncode == 0, added.stderr
    user_id = added.stdout.strip()
    duplicate = cli("user", "add", "alice", stdin="another password\n")
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    assert cli("user", "add", "bob", stdin="").returncode == 2
    assert cli("user", "add", "bob", stdin="short\n").returncode == 2
    listing = cli("user", "list").stdout.splitlines()
    assert listing == [f"{user_id}\talice\tactive"]
    assert cli("user", "disable", "ALICE").returncode == 0
    assert cli("user", "list").stdout.strip().endswith("disabled")
    assert cli("user", "enable", "alice").returncode == 0
    assert cli("user", "set-password", "alice", stdin="a different password\n").returncode == 0
    assert cli("user", "disable", "nobody").returncode == 1
    assert cli("user", "delete", "alice").returncode == 0
    assert cli("user", "delete", "alice").returncode == 1
    assert cli("user", "list").stdout == ""


def test_clients(tessera, store):
    cli = lambda *a, **k: tessera.run(*a, "--store", store, **k)
    created = cli("client", "add", "billing", "--grant", "client_credentials", "--scope", "invoices:read", "--audience", "billing-api")
    assert created.returncode == 0, created.stderr
    body = json.loads(created.stdout)
    assert body["client_id"] == "billing" and len(body["client_secret"]) == 43
    public = json.loads(cli("client", "add", "spa", "--public").stdout)
    assert public == {"client_id": "spa"}
    listing = cli("client", "list").stdout
    assert "billing\tconfidential\tclient_credentials\tinvoices:read\tbilling-api" in listing
    assert body["client_secret"] not in listing
    assert cli("client", "add", "billing").returncode == 1
    assert cli("client", "add", "x", "--grant", "implicit").returncode == 2
    assert cli("client", "remove", "spa").returncode == 0
    assert cli("client", "remove", "spa").returncode == 1


def login(server: Server, username: str, password: str) -> requests.Response:
    return requests.post(server.url + "/oauth/token", data={"grant_type": "password", "client_id": "web", "username": username,
                                                           "password": password}, timeout=30)


def test_sessions_listed_and_revoked(tessera, store):
    cli = lambda *a, **k: tessera.run(*a, "--store", store, env=FAST, **k)
    assert cli("session", "list", "nobody").returncode == 1
    assert cli("session", "revoke", "no-such-session").returncode == 1
    assert cli("user", "add", "carol", stdin="a long enough password\n").returncode == 0
    assert cli("client", "add", "web", "--public").returncode == 0
    assert cli("session", "list", "carol").stdout == ""
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST}, store=store)
    try:
        token = login(server, "carol", "a long enough password").json()
        listed = cli("session", "list", "carol").stdout.strip().split("\t")
        assert listed[0] == jwt.decode(token["access_token"], options={"verify_signature": False})["sid"]
        assert (listed[1], listed[4]) == ("web", "active")
        assert cli("session", "revoke", listed[0]).returncode == 0
        assert cli("session", "list", "carol").stdout.strip().endswith("\trevoked")
        refreshed = requests.post(server.url + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "web",
                                                                      "refresh_token": token["refresh_token"]}, timeout=30)
        assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    finally:
        assert server.stop() == 0


def test_set_password_changes_what_logs_in(tessera, store):
    cli = lambda *a, **k: tessera.run(*a, "--store", store, env=FAST, **k)
    assert cli("user", "add", "dana", stdin="the first password\n").returncode == 0
    assert cli("client", "add", "web", "--public").returncode == 0
    assert cli("user", "set-password", "dana", stdin="the second password\n").returncode == 0
    assert cli("user", "set-password", "dana", stdin="short\n").returncode == 2
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST}, store=store)
    try:
        assert login(server, "dana", "the second password").status_code == 200
        assert login(server, "dana", "the first password").status_code == 400
    finally:
        assert server.stop() == 0


def test_unreachable_or_bad_store_is_exit_2(tessera):
    assert tessera.run("user", "list", "--store", "postgres://nobody@127.0.0.1:1/none").returncode == 2
    assert tessera.run("user", "list", "--store", "mysql://x").returncode == 2
    assert tessera.run("user", "list", "--store", "sqlite:").returncode == 2
