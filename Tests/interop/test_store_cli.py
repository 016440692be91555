"""`tessera migrate`, `user`, `client` and `session` on a real SQLite file and PostgreSQL server."""
import json
import os
import time

import jwt
import pytest
import requests
from conftest import REQUIRE_ALL, fresh_postgres_database, require
from server import Server


def stores():
    yield "sqlite"
    if os.environ.get("TESSERA_TEST_POSTGRES_URL") or REQUIRE_ALL:
        yield "postgres"


@pytest.fixture(params=list(stores()))
def store(request, tessera):
    if request.param == "sqlite":
        return f"sqlite:{tessera.workdir / 'data' / 'tessera.db'}"
    port, database = fresh_postgres_database("cli_")
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


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
    # The password policy, rule by rule: exit 2, the rule named, nothing created.
    for password, rule in [("fourteen chars", "min_length"), ("x" * 257, "max_length"), ("QWERTY123456789", "common_password"),
                           ("Bob The Builder", "matches_username")]:
        refused = cli("user", "add", "bob the builder", stdin=password + "\n")
        assert refused.returncode == 2 and refused.stderr.strip().endswith(f"(rule {rule})"), refused.stderr
        assert password not in refused.stderr
    listing = cli("user", "list").stdout.splitlines()
    assert listing == [f"{user_id}\talice\tactive\t"]
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
    public = json.loads(cli("client", "add", "spa", "--public", "--grant", "password", "--grant", "refresh_token").stdout)
    assert public == {"client_id": "spa"}
    listing = cli("client", "list").stdout
    assert "billing\tconfidential\tclient_credentials\tinvoices:read\tbilling-api\tno\tno" in listing
    assert body["client_secret"] not in listing
    assert cli("client", "add", "billing").returncode == 1
    assert cli("client", "add", "x", "--grant", "implicit").returncode == 2
    # A service's login backend may forward its users' addresses; a public client may not.
    assert cli("client", "add", "login-backend", "--grant", "password", "--forwards-client-ip").returncode == 0
    assert "login-backend\tconfidential\tpassword\t\t\tno\tyes" in cli("client", "list").stdout
    assert cli("client", "update", "login-backend", "--no-forwards-client-ip", "--introspect").returncode == 0
    assert "login-backend\tconfidential\tpassword\t\t\tyes\tno" in cli("client", "list").stdout
    assert cli("client", "update", "login-backend").returncode == 2
    assert cli("client", "add", "spa2", "--public", "--grant", "password", "--grant", "refresh_token", "--forwards-client-ip").returncode == 2
    assert cli("client", "update", "spa", "--forwards-client-ip").returncode == 2
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
    assert cli("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    assert cli("session", "list", "carol").stdout == ""
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST}, store=store)
    try:
        token = login(server, "carol", "a long enough password").json()
        listed = cli("session", "list", "carol").stdout.strip().split("\t")
        assert listed[0] == jwt.decode(token["access_token"], options={"verify_signature": False})["sid"]
        assert (listed[1], listed[5]) == ("web", "active")
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
    assert cli("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    assert cli("user", "set-password", "dana", stdin="the second password\n").returncode == 0
    for password, rule in [("short", "min_length"), ("1qaz2wsx3edc4rfv", "common_password"), ("dana, yes, that is me", None)]:
        refused = cli("user", "set-password", "dana", stdin=password + "\n")
        assert refused.returncode == (2 if rule else 0) and (rule is None or refused.stderr.strip().endswith(f"(rule {rule})")), refused.stderr
    assert cli("user", "set-password", "dana", stdin="the second password\n").returncode == 0
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST}, store=store)
    try:
        assert login(server, "dana", "the second password").status_code == 200
        assert login(server, "dana", "the first password").status_code == 400
    finally:
        assert server.stop() == 0


def test_roles_the_first_administrator_and_the_introspection_permission(tessera, store):
    """The README's way to the first administrator, and the escalation the roles close, through
    the real binary: a public client with tessera:admin is refused, a user without the role never
    gets the scope, revoking the role refuses the old token at once, only --introspect clients
    may introspect, and removing a client ends what it holds."""
    cli = lambda *a, **k: tessera.run(*a, "--store", store, env=FAST, **k)
    hole = cli("client", "add", "admin-ui", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "tessera:admin")
    assert hole.returncode == 2 and hole.stderr.count("\n") == 1 and "restricted scope tessera:admin" in hole.stderr
    assert cli("client", "add", "spa", "--public", "--grant", "password", "--grant", "refresh_token", "--introspect").returncode == 2
    assert cli("user", "add", "root", "--role", "admin", stdin="the root password\n").returncode == 0
    assert cli("user", "add", "mallory", stdin="mallory's password\n").returncode == 0
    assert cli("user", "add", "eve", "--role", "Admin", stdin="eve's long password\n").returncode == 2
    console = json.loads(cli("client", "add", "console", "--grant", "password", "--grant", "refresh_token",
                             "--scope", "read", "--scope", "tessera:admin").stdout)
    gateway = json.loads(cli("client", "add", "gateway", "--introspect").stdout)
    assert "gateway\tconfidential\tclient_credentials\t\t\tyes\tno" in cli("client", "list").stdout
    listing = {line.split("\t")[1]: line.split("\t")[3] for line in cli("user", "list").stdout.splitlines()}
    assert listing == {"root": "admin", "mallory": ""}
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST}, store=store)
    try:
        def password_grant(username, password, scope=None):
            data = {"grant_type": "password", "username": username, "password": password}
            if scope:
                data["scope"] = scope
            return requests.post(server.url + "/oauth/token", auth=(console["client_id"], console["client_secret"]), data=data, timeout=30)

        for scope in (None, "tessera:admin"):
            mallory = password_grant("mallory", "mallory's password", scope)
            assert mallory.status_code == 200 and "tessera:admin" not in mallory.json()["scope"]
            users = requests.get(server.url + "/v1/users", headers={"Authorization": "Bearer " + mallory.json()["access_token"]}, timeout=10)
            assert users.status_code == 403 and "insufficient_scope" in users.headers["WWW-Authenticate"]
        root = password_grant("root", "the root password").json()
        assert root["scope"] == "read tessera:admin"
        admin = {"Authorization": "Bearer " + root["access_token"]}
        users = requests.get(server.url + "/v1/users", headers=admin, timeout=10)
        assert users.status_code == 200
        assert {u["username"]: u["roles"] for u in users.json()["users"]} == {"mallory": [], "root": ["admin"]}

        introspect = lambda auth: requests.post(server.url + "/oauth/introspect", auth=auth, data={"token": root["access_token"]}, timeout=10)
        allowed = introspect((gateway["client_id"], gateway["client_secret"]))
        assert allowed.status_code == 200 and allowed.json()["active"] is True and allowed.json()["sub"]
        refused = introspect((console["client_id"], console["client_secret"]))
        assert refused.status_code == 403 and refused.json()["error"] == "unauthorized_client" and "active" not in refused.json()
        # The permission changes without a new secret; public clients never get it.
        assert cli("client", "update", "console", "--introspect").returncode == 0
        assert introspect((console["client_id"], console["client_secret"])).status_code == 200
        assert cli("client", "update", "console", "--no-introspect").returncode == 0
        # Introspection may use the client's record for up to a second (http.md): withdrawn within it.
        deadline = time.monotonic() + 3
        while introspect((console["client_id"], console["client_secret"])).status_code != 403:
            assert time.monotonic() < deadline, "the withdrawn permission still works after 3 s"
            time.sleep(0.1)
        assert cli("client", "update", "nobody", "--introspect").returncode == 1
        assert cli("client", "add", "spa", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
        assert cli("client", "update", "spa", "--introspect").returncode == 2

        # The CLI takes the role away while the server runs: the old token is refused at once.
        assert cli("user", "revoke", "root", "admin").returncode == 0
        assert requests.get(server.url + "/v1/users", headers=admin, timeout=10).status_code == 401
        assert cli("user", "revoke", "root", "admin").returncode == 0
        assert cli("user", "grant", "nobody", "admin").returncode == 1
        assert cli("user", "grant", "root", "Admin").returncode == 2
        assert password_grant("root", "the root password").json()["scope"] == "read"
        assert cli("user", "grant", "root", "admin").returncode == 0
        again = password_grant("root", "the root password").json()
        assert again["scope"] == "read tessera:admin"

        # Removing the client ends its sessions; adding it again revives nothing.
        assert cli("client", "remove", "console").returncode == 0
        console = json.loads(cli("client", "add", "console", "--grant", "password", "--grant", "refresh_token").stdout)
        refreshed = requests.post(server.url + "/oauth/token", auth=(console["client_id"], console["client_secret"]),
                                  data={"grant_type": "refresh_token", "refresh_token": again["refresh_token"]}, timeout=10)
        assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    finally:
        assert server.stop() == 0


def test_unreachable_or_bad_store_is_exit_2(tessera):
    assert tessera.run("user", "list", "--store", "postgres://nobody@127.0.0.1:1/none").returncode == 2
    assert tessera.run("user", "list", "--store", "mysql://x").returncode == 2
    assert tessera.run("user", "list", "--store", "sqlite:").returncode == 2


def test_migration_3_keeps_a_v2_database_and_backfills_session_scopes(tessera):
    """A database at schema 2 (before roles) upgrades in place: each session's grant is its first
    refresh token's scope, users hold no roles and no client may introspect until allowed. A
    session granted a tessera: scope without any role check is ended, with its refresh tokens."""
    import sqlite3
    path = tessera.workdir / "data" / "old.db"
    store = f"sqlite:{path}"
    assert tessera.run("migrate", "--store", store).returncode == 0
    db = sqlite3.connect(path)
    # Back to schema 2: what versions 3 and later added goes away.
    db.executescript("""
        DROP INDEX sessions_by_client;
        ALTER TABLE users DROP COLUMN roles;
        ALTER TABLE clients DROP COLUMN introspect;
        ALTER TABLE sessions DROP COLUMN scope;
        ALTER TABLE clients DROP COLUMN forwards_client_ip;
        DROP TABLE login_sources;
        DROP TABLE throttled_logins;
        DROP TABLE revoked_tokens;
        DROP TABLE key_usage;
        DROP INDEX sessions_by_parent;
        ALTER TABLE sessions DROP COLUMN parent_id;
        ALTER TABLE clients DROP COLUMN redirect_uris;
        ALTER TABLE clients DROP COLUMN post_logout_redirect_uris;
        ALTER TABLE clients DROP COLUMN first_party;
        DROP TABLE authorization_requests;
        DROP TABLE authorization_codes;
        DROP TABLE consents;
        ALTER TABLE users DROP COLUMN email;
        DELETE FROM schema_migrations WHERE version >= 3;
        INSERT INTO users VALUES ('u1', 'old', '$scrypt$x', 'active', 1, 1, 1);
        INSERT INTO clients VALUES ('gw', 'h', 'confidential', 'client_credentials', '', '', 1);
        INSERT INTO sessions VALUES ('s1', 'u1', 'web', 1, 1, 9999999999, 9999999999, NULL, NULL);
        INSERT INTO refresh_tokens VALUES ('h1', 'f', 's1', 'web', NULL, 'read write', 10, 99, 20, NULL);
        INSERT INTO refresh_tokens VALUES ('h2', 'f', 's1', 'web', 'h1', 'read', 20, 99, NULL, NULL);
        INSERT INTO sessions VALUES ('s2', 'u1', 'web', 1, 1, 9999999999, 9999999999, NULL, NULL);
        INSERT INTO refresh_tokens VALUES ('h3', 'g', 's2', 'web', NULL, 'read tessera:admin', 10, 99, NULL, NULL);
    """)
    db.commit()
    db.close()
    assert tessera.run("migrate", "--store", store).returncode == 0
    db = sqlite3.connect(path)
    assert db.execute("SELECT scope, revoked_at FROM sessions WHERE id = 's1'").fetchone() == ("read write", None)
    scope, revoked = db.execute("SELECT scope, revoked_at FROM sessions WHERE id = 's2'").fetchone()
    assert scope == "read tessera:admin" and revoked is not None
    assert db.execute("SELECT revoked_at IS NOT NULL FROM refresh_tokens WHERE hash = 'h3'").fetchone() == (1,)
    assert db.execute("SELECT revoked_at FROM refresh_tokens WHERE hash = 'h2'").fetchone() == (None,)
    assert db.execute("SELECT roles FROM users WHERE id = 'u1'").fetchone() == ("",)
    assert db.execute("SELECT introspect FROM clients WHERE id = 'gw'").fetchone() == (0,)
    assert [v for (v,) in db.execute("SELECT version FROM schema_migrations ORDER BY version")] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    db.close()


def test_sqlite_files_are_private(tessera):
    """The database holds password hashes: data/ is 0700 and the database, -wal and -shm 0600;
    a database left readable by others is made owner-only at the next open."""
    import stat
    assert tessera.run("user", "add", "alice", stdin="a long enough password\n", env=FAST).returncode == 0
    data = tessera.workdir / "data"
    mode = lambda path: stat.S_IMODE(os.stat(path).st_mode)
    assert mode(data) == 0o700
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST})
    try:
        for name in ("tessera.db", "tessera.db-wal", "tessera.db-shm"):
            assert mode(data / name) == 0o600, name
    finally:
        assert server.stop() == 0
    os.chmod(data / "tessera.db", 0o644)
    assert tessera.run("user", "list").returncode == 0
    assert mode(data / "tessera.db") == 0o600


def test_postgres_over_tls(tessera, tmp_path):
    """database.tls against the throwaway PostgreSQL (ssl=on, a test CA made by scripts/postgres.sh):
    verify-full with the right CA connects over TLS, with another CA it fails with one clear line;
    require encrypts without checking; a CA file that does not exist is a configuration error."""
    import subprocess
    from pathlib import Path
    ca = require(os.environ.get("TESSERA_TEST_POSTGRES_CA"), "the test CA of scripts/postgres.sh")
    log = Path(require(os.environ.get("TESSERA_TEST_POSTGRES_LOG"), "the server log of scripts/postgres.sh"))
    port, database = fresh_postgres_database("tls_")
    store = f"postgres://postgres@127.0.0.1:{port}/{database}"
    other_ca = tmp_path / "other-ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                    "-subj", "/CN=Someone else", "-keyout", str(tmp_path / "other-ca.key"), "-out", str(other_ca)], check=True, capture_output=True)
    migrate = lambda mode, ca_file="": tessera.run("migrate", "--store", store, env={"TESSERA_DATABASE_TLS": mode, "TESSERA_DATABASE_TLS_CA_FILE": ca_file})
    encrypted_before = log.read_text().count("SSL enabled")
    good = migrate("verify-full", ca)
    assert good.returncode == 0, good.stderr
    assert log.read_text().count("SSL enabled") > encrypted_before
    wrong = migrate("verify-full", str(other_ca))
    assert wrong.returncode == 2 and wrong.stderr.count("\n") == 1 and "certificate" in wrong.stderr.lower(), wrong.stderr
    assert migrate("require").returncode == 0
    missing = migrate("verify-full", str(tmp_path / "nowhere.crt"))
    assert missing.returncode == 2 and "tls_ca_file" in missing.stderr
    assert migrate("sometimes").returncode == 2
