"""Every key of Config/tessera.json, set to a value other than its default through TESSERA_*
environment variables, observed in the running `tessera serve` or in the CLI: the table
asserts that it covers the file, so a new key without an observation here fails."""
import json
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import jwt
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"


def flatten(obj, prefix=""):
    for key, value in obj.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def env_name(key: str) -> str:
    return "TESSERA_" + key.upper().replace(".", "_")


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *args], capture_output=True, text=True, timeout=30)


def test_every_key_reaches_serve_or_the_cli(tessera):
    host = "127.0.0.2"
    port = free_port(host)
    metrics_port = free_port(host)
    issuer = f"http://{host}:{port}"
    values = {
        "issuer": issuer,
        "keys.file": "secrets/ring.json",
        "keys.publish_ahead_seconds": "7",
        "store": "sqlite:state/tessera.sqlite",
        "database.tls": "verify-full",
        "database.tls_ca_file": "not-a-ca.pem",
        "token.audience": "aud-a,aud-b",
        "token.type": "example+jwt",
        "token.ttl_seconds": "120",
        "token.max_ttl_seconds": "600",
        "token.leeway_seconds": "0",
        "token.max_bytes": "512",
        "token.client_id": "ops-cli",
        "password.scheme": "pbkdf2-sha256",
        "password.pbkdf2_rounds": "1000",
        "password.scrypt_ln": "4",
        "password.scrypt_r": "4",
        "password.scrypt_p": "2",
        "password.max_bytes": "256",
        "password.min_length": str(len(PASSWORD)),
        "password.allow_weak_cost": "true",
        "auth.scope_roles": "tessera:admin=root,billing:write=billing",
        "session.refresh_idle_seconds": "3000",
        "session.refresh_absolute_seconds": "5000",
        "session.cookie_idle_seconds": "700",
        "session.cookie_absolute_seconds": "900",
        "http.hosts": host,
        "http.port": str(port),
        "http.threads": "5",
        "http.cors_origins": "https://app.example",
        "http.login_client_id": "web",
        "http.signup": "true",
        "http.rate_limit_burst": "40",
        "http.rate_limit_per_second": "1",
        "http.client_rate_limit_burst": "3",
        "http.client_rate_limit_per_second": "1",
        "http.max_connections_per_ip": "16",
        "http.trusted_proxies": "127.0.0.4/32",
        "http.forwarded_header": "forwarded",
        "http.metrics_address": f"{host}:{metrics_port}",
        "http.metrics_scope": "billing:write",
        "revocation.poll_seconds": "2",
        "revocation.max_staleness_seconds": "45",
        "revocation.fail_open": "false",
        "retention.ended_days": "2",
        "retention.audit_days": "3",
        "log.level": "debug",
        "http.access_log": "json",
    }
    shipped = set(flatten(json.loads((ROOT / "Config" / "tessera.json").read_text())))
    assert set(values) == shipped, "every key of Config/tessera.json needs a value and an observation here"
    env = {**tessera.env, **{env_name(key): value for key, value in values.items()}}
    scrypt_env = {**env, "TESSERA_PASSWORD_SCHEME": "scrypt"}
    workdir = tessera.workdir
    (workdir / "not-a-ca.pem").write_text("no certificate here\n")  # database.tls_ca_file must exist

    # keys.publish_ahead_seconds: a second ES256 key (in another key file) may not sign for 7 s.
    for kid in ("first", "second"):
        assert tessera.run("keys", "generate", "--alg", "ES256", "--kid", kid, "--keys", "ahead.json", env=env).returncode == 0
    early = tessera.run("keys", "rotate", "--keys", "ahead.json", env=env)
    assert early.returncode == 2 and "keys.publish_ahead_seconds (7 s)" in early.stderr, early.stderr

    # password.*: the CLI hashes with the configured scheme and cost, and refuses long passwords.
    assert tessera.run("password", "hash", stdin=PASSWORD + "\n", env=env).stdout.startswith("$pbkdf2-sha256$1000$")
    assert tessera.run("password", "hash", stdin=PASSWORD + "\n", env=scrypt_env).stdout.startswith("$scrypt$ln=4,r=4,p=2$")
    assert tessera.run("user", "add", "toolong", stdin="x" * 257 + "\n", env=env).returncode == 2
    short = tessera.run("user", "add", "short", stdin=PASSWORD[1:] + "\n", env=env)
    assert short.returncode == 2 and "(rule min_length)" in short.stderr, short.stderr
    # password.allow_weak_cost: without it, 1,000 PBKDF2 rounds are refused (and serve warns below).
    weak = tessera.run("password", "hash", stdin=PASSWORD + "\n", env={**env, "TESSERA_PASSWORD_ALLOW_WEAK_COST": "false"})
    assert weak.returncode == 2 and "below the OWASP minimum" in weak.stderr, weak.stderr
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env=env).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "read", env=env).returncode == 0
    # auth.scope_roles: billing:write is restricted (a public client cannot carry it), tessera:admin needs role root.
    assert tessera.run("client", "add", "ui", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "billing:write", env=env).returncode == 2
    assert tessera.run("user", "add", "rooty", "--role", "root", stdin=PASSWORD + "\n", env=env).returncode == 0
    console = json.loads(tessera.run("client", "add", "console", "--grant", "password", "--scope", "tessera:admin", env=env).stdout)
    # database.tls / tls_ca_file: a PostgreSQL store would be checked against that CA file, which
    # here holds no certificate: the CLI says so before connecting anywhere.
    pg = tessera.run("user", "list", "--store", "postgres://tessera@192.0.2.1:5432/tessera", env=env)
    assert pg.returncode == 2 and "cannot read the CA certificates in not-a-ca.pem" in pg.stderr, pg.stderr
    # store: the SQLite file is where the key says.
    assert (workdir / "state" / "tessera.sqlite").exists()
    # retention.*: rows that ended 2+ days ago (sessions) and 3+ days ago (audit) go at `tessera prune`.
    import sqlite3
    db = sqlite3.connect(workdir / "state" / "tessera.sqlite")
    day = 86400
    now = int(time.time())
    db.executescript(f"""
        INSERT INTO sessions (id, user_id, client_id, created_at, last_seen_at, idle_expires_at, absolute_expires_at, revoked_at, scope)
            VALUES ('gone', 'u', 'web', {now - 9 * day}, {now - 9 * day}, {now + day}, {now + day}, {now - 2 * day - 60}, ''),
                   ('kept', 'u', 'web', {now - 9 * day}, {now - 9 * day}, {now + day}, {now + day}, {now - 2 * day + 3600}, '');
        INSERT INTO audit_events (at, kind, detail) VALUES ({now - 3 * day - 60}, 'logout', 'old'), ({now - 3 * day + 3600}, 'logout', 'recent');
    """)
    db.commit()
    db.close()
    assert tessera.run("prune", env=env).stdout.strip() == "deleted 1 sessions, 0 refresh tokens, 1 audit events"

    # http.metrics_scope: billing:write is restricted by auth.scope_roles above, so it may guard the
    # metrics; an unrestricted scope could be granted to anyone and is refused.
    open_scope = tessera.run("serve", env={**env, "TESSERA_HTTP_METRICS_SCOPE": "billing:read"})
    assert open_scope.returncode == 2 and "http.metrics_scope must be one restricted scope" in open_scope.stderr, open_scope.stderr

    log_path = workdir / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([tessera.binary, "serve"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while curl(f"{issuer}/healthz").stdout != "200":
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        # http.hosts and http.port: listening there and not on 127.0.0.1.
        assert curl(f"http://127.0.0.1:{port}/healthz").stdout == "000"
        # http.metrics_address: its own listener serves /metrics; the main port has none.
        assert curl(f"http://{host}:{metrics_port}/metrics").stdout == "200"
        assert curl(f"{issuer}/metrics").stdout == "404"
        # keys.file: created at first start (one ES256 key), private.
        ring = workdir / "secrets" / "ring.json"
        assert stat.S_IMODE(ring.stat().st_mode) == 0o600
        key = json.loads(ring.read_text())["keys"][0]
        assert key["alg"] == "ES256" and "d" in key
        private = jwt.PyJWK(key).key
        public = private.public_key()
        # issuer: the metadata names it.
        assert requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=10).json()["issuer"] == issuer
        # http.login_client_id: /v1/login without client_id logs in through web.
        login = requests.post(f"{issuer}/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, login.text
        issued = login.json()
        # token.ttl_seconds, token.type, token.audience: in what the server issues.
        assert issued["expires_in"] == 120
        header = jwt.get_unverified_header(issued["access_token"])
        assert header["typ"] == "example+jwt"
        claims = jwt.decode(issued["access_token"], public, algorithms=["ES256"], audience="aud-a", issuer=issuer)
        assert claims["aud"] == ["aud-a", "aud-b"]

        def verify(token: str) -> int:
            return requests.get(f"{issuer}/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code

        def sign(exp_offset: int, **extra) -> str:
            now = int(time.time())
            body = {"iss": issuer, "sub": "s", "aud": "aud-a", "client_id": "web", "jti": "j", "iat": now - 60, "exp": now + exp_offset, **extra}
            return jwt.encode(body, private, algorithm="ES256", headers={"kid": key["kid"], "typ": "example+jwt"})

        assert verify(issued["access_token"]) == 200
        # token.leeway_seconds=0: expired 5 s ago is refused (the default 60 s would accept it).
        assert verify(sign(-5)) == 401 and verify(sign(60)) == 200
        # token.max_bytes=512: a longer token is refused.
        assert verify(sign(60, pad="x" * 600)) == 401
        # token.max_ttl_seconds and token.client_id: the CLI mints with them, against the same key file.
        assert tessera.run("token", "mint", "--sub", "a", "--ttl", "601", env=env).returncode == 2
        minted = tessera.run("token", "mint", "--sub", "a", "--ttl", "600", env=env)
        assert minted.returncode == 0, minted.stderr
        assert jwt.decode(minted.stdout.strip(), public, algorithms=["ES256"], audience="aud-a", issuer=issuer)["client_id"] == "ops-cli"
        assert verify(minted.stdout.strip()) == 200
        # auth.scope_roles: the holder of role root receives tessera:admin, alice does not.
        for user, granted in (("rooty", "tessera:admin"), ("alice", "")):
            answer = requests.post(f"{issuer}/oauth/token", auth=(console["client_id"], console["client_secret"]),
                                   data={"grant_type": "password", "username": user, "password": PASSWORD}, timeout=30)
            assert answer.json()["scope"] == granted, answer.text
        # http.client_rate_limit_*: the console client's own bucket (burst 3, two used above) runs dry
        # whatever the address, while the address buckets are untouched.
        console_grant = lambda source: curl("--interface", source, "-u", f"{console['client_id']}:{console['client_secret']}",
                                            "-d", "grant_type=password", "-d", "username=rooty", "-d", f"password={PASSWORD}",
                                            f"{issuer}/oauth/token").stdout
        assert [console_grant("127.0.0.6"), console_grant("127.0.0.7")] == ["200", "429"]
        # http.cors_origins: the listed origin is allowed, another is not.
        allowed = requests.get(f"{issuer}/healthz", headers={"Origin": "https://app.example"}, timeout=10)
        assert allowed.headers.get("Access-Control-Allow-Origin") == "https://app.example"
        assert "Access-Control-Allow-Origin" not in requests.get(f"{issuer}/healthz", headers={"Origin": "https://evil.example"}, timeout=10).headers
        # http.signup: open.
        assert requests.post(f"{issuer}/v1/signup", json={"username": "bob", "password": PASSWORD}, timeout=30).status_code == 201
        # session.*: a cookie session's Max-Age and expiry, a refresh token's lifetime.
        browser = requests.post(f"{issuer}/v1/login", json={"username": "alice", "password": PASSWORD, "session": True}, timeout=30)
        assert "Max-Age=900" in browser.headers["Set-Cookie"]
        listed = tessera.run("session", "list", "alice", env=env).stdout.splitlines()
        expiries = sorted(int(__import__("datetime").datetime.fromisoformat(line.split("\t")[4].replace("Z", "+00:00")).timestamp()) - int(time.time())
                          for line in listed if line.endswith("active"))
        assert abs(expiries[0] - 700) < 30 and abs(expiries[-1] - 3000) < 30, expiries
        too_short = tessera.run("user", "list", env={**env, "TESSERA_SESSION_REFRESH_ABSOLUTE_SECONDS": "2000"})
        assert too_short.returncode == 2 and "session.refresh_idle_seconds" in too_short.stderr
        # revocation.poll_seconds: a revocation by the CLI (another process) is refused within one poll.
        sid = jwt.decode(issued["access_token"], options={"verify_signature": False})["sid"]
        assert tessera.run("session", "revoke", sid, env=env).returncode == 0
        start = time.monotonic()
        while verify(issued["access_token"]) == 200:
            assert time.monotonic() - start < 3.5, "not refused within poll_seconds (2) plus margin"
            time.sleep(0.1)
        # http.threads: five event loop threads in the HTTP group.
        names = [(Path(f"/proc/{process.pid}/task") / task / "comm").read_text().strip() for task in os.listdir(f"/proc/{process.pid}/task")]
        groups = {}
        for name in names:
            if name.startswith("NIO-ELT-"):
                group = name.split("-#")[0]
                groups[group] = groups.get(group, 0) + 1
        assert 5 in groups.values(), names
        # http.rate_limit_burst / _per_second: from one new source address, a burst of 40 POSTs, then 429.
        codes = [curl("--interface", "127.0.0.3", "-X", "POST", f"{issuer}/v1/logout").stdout for _ in range(41)]
        assert "429" not in codes[:40] and codes[40] == "429", codes
        # http.trusted_proxies / forwarded_header: behind the proxy at 127.0.0.4 each client named in
        # Forwarded has its own bucket; X-Forwarded-For (not the configured header) is not read.
        post = lambda source, header: curl("--interface", source, "-H", header, "-X", "POST", f"{issuer}/v1/logout").stdout
        codes = [post("127.0.0.4", f"Forwarded: for=198.51.100.{i}") for i in range(41)]
        assert "429" not in codes, codes
        codes = [post("127.0.0.4", f"X-Forwarded-For: 198.51.100.{i}") for i in range(41)]
        assert "429" not in codes[:40] and codes[40] == "429", codes
        # revocation.max_staleness_seconds / fail_open: serve says how it treats a stale view (the
        # effect, with the store stopped mid-run, is test_promises.py's).
        assert "when_stale=fail closed after 45 s" in log_path.read_text()
        assert "password.allow_weak_cost is set" in log_path.read_text()
        # http.max_connections_per_ip=16: a 17th connection from one address is closed at once.
        connections = [socket.create_connection((host, port), timeout=5, source_address=("127.0.0.9", 0)) for _ in range(17)]
        answers = []
        for connection in connections:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answers.append(connection.recv(4096)[:12])
            except OSError:
                answers.append(b"")
        # (all 17 are open before any is asked, so which one was refused depends on accept order)
        assert sorted(answers) == [b""] + [b"HTTP/1.1 200"] * 16, answers
        for connection in connections:
            connection.close()
        # log.level=debug: refusals are logged at debug level (never the token).
        assert "request refused" in log_path.read_text()
        assert issued["access_token"] not in log_path.read_text()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    # http.access_log=json: one JSON object per request (written by the log's own thread, all of
    # it by the time serve exits), never a query string.
    access = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith('{"ts":')]
    healthz = [line for line in access if line["route"] == "/healthz"]
    assert healthz and set(healthz[0]) == {"ts", "method", "path", "route", "status", "duration_us", "request_id"}, access[:3]
    assert healthz[0]["status"] == 200 and healthz[0]["method"] == "GET" and healthz[0]["ts"].endswith("Z")
    assert not any("?" in line["path"] for line in access)
