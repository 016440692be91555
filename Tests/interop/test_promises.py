"""README and Documentation promises that only a running binary can show: the store going away
under a running server, and the CLI's configuration, password and listing behaviour."""
import json
import os
import socket
import threading
import time

import pytest
import requests

from conftest import fresh_postgres_database, require
from server import Server

PASSWORD = "a long enough password"
FAST = {"TESSERA_PASSWORD_SCRYPT_LN": "10", "TESSERA_HTTP_LOGIN_CLIENT_ID": "web", "TESSERA_HTTP_RATE_LIMIT_PER_SECOND": "0"}


class Proxy:
    """A TCP forwarder on loopback that can be cut, so the store goes away under the server."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut.is_set():
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def close(self):
        """Refuses new connections and drops the open ones."""
        self.cut.set()
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def test_store_down_readyz_503_verify_still_200_token_503(tessera):
    pg_port, database = fresh_postgres_database("down_")
    proxy = Proxy(pg_port)
    store = f"postgres://postgres@127.0.0.1:{proxy.port}/{database}"
    env = {**tessera.env, **FAST}
    assert tessera.run("user", "add", "alice", "--store", store, stdin=PASSWORD + "\n", env=env).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--store", store, env=env).returncode == 0
    server = Server(tessera.binary, tessera.workdir, env, store=store)
    try:
        assert requests.get(server.url + "/readyz", timeout=10).status_code == 200
        token = requests.post(server.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=30).json()["access_token"]
        proxy.close()
        # The store is gone: readiness says so once its one-second cache runs out, verification
        # needs no store, a login is 503 with Retry-After.
        deadline = time.monotonic() + 10
        while (ready := requests.get(server.url + "/readyz", timeout=30)).status_code == 200:
            assert time.monotonic() < deadline, "readiness still cached after 10 s"
            time.sleep(0.2)
        assert ready.status_code == 503, ready.text
        assert requests.get(server.url + "/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
        login = requests.post(server.url + "/oauth/token", data={"grant_type": "password", "client_id": "web", "username": "alice",
                                                                 "password": PASSWORD}, timeout=30)
        assert login.status_code == 503 and "Retry-After" in login.headers, login.text
        assert "postgres" not in login.text.lower()
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("fail_open", [False, True])
def test_postgres_stopped_mid_run_fails_closed_unless_told_otherwise(tessera, fail_open):
    """The revocation view cannot be refreshed with the store away: after
    revocation.max_staleness_seconds, tokens are refused with 503 and /readyz fails, unless
    revocation.fail_open keeps verification going."""
    pg_port, database = fresh_postgres_database("stale_")
    proxy = Proxy(pg_port)
    store = f"postgres://postgres@127.0.0.1:{proxy.port}/{database}"
    env = {**tessera.env, **FAST, "TESSERA_REVOCATION_MAX_STALENESS_SECONDS": "4", "TESSERA_REVOCATION_FAIL_OPEN": str(fail_open).lower()}
    assert tessera.run("user", "add", "alice", "--store", store, stdin=PASSWORD + "\n", env=env).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--store", store, env=env).returncode == 0
    server = Server(tessera.binary, tessera.workdir, env, store=store)
    try:
        token = requests.post(server.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=30).json()["access_token"]
        verify = lambda: requests.get(server.url + "/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert verify().status_code == 200
        proxy.close()
        deadline = time.monotonic() + 15
        if fail_open:
            while time.monotonic() < deadline - 6:  # well past the 4 s limit
                assert verify().status_code == 200
                time.sleep(0.25)
        else:
            while (answer := verify()).status_code == 200:
                assert time.monotonic() < deadline, "still accepting tokens 15 s after the store went away"
                time.sleep(0.25)
            assert answer.status_code == 503 and "Retry-After" in answer.headers, answer.text
    finally:
        assert server.stop() == 0


def hold_connection(port: int, source: str) -> socket.socket | None:
    """A keep-alive connection from `source` that has been answered once and now sits idle; None
    when the server closed it instead."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        answer = s.recv(4096)
    except OSError:
        answer = b""
    if not answer.startswith(b"HTTP/1.1 200"):
        s.close()
        return None
    return s


def test_one_address_hoarding_connections_locks_nobody_out(tessera):
    server = Server(tessera.binary, tessera.workdir, tessera.env)
    held = []
    try:
        # 100 idle keep-alive connections from one address: 64 (http.max_connections_per_ip) stay.
        held = [hold_connection(server.port, "127.0.0.2") for _ in range(100)]
        assert sum(s is not None for s in held) == 64
        started = time.monotonic()
        other = hold_connection(server.port, "127.0.0.3")
        assert other is not None and time.monotonic() - started < 1.0
        other.close()
    finally:
        for s in held:
            if s:
                s.close()
        assert server.stop() == 0


def test_config_file_flag_and_environment_variable(tessera):
    tessera.ok("keys", "generate")
    (tessera.workdir / "a.json").write_text(json.dumps({"issuer": "https://from-flag-file"}))
    (tessera.workdir / "b.json").write_text(json.dumps({"issuer": "https://from-env-file"}))
    mint = lambda *extra, env=None: json.loads(tessera.ok("token", "decode", tessera.ok("token", "mint", "--sub", "a", *extra, env=env)))
    assert mint("--config", "a.json")["claims"]["iss"] == "https://from-flag-file"
    assert mint(env={"TESSERA_CONFIG": "b.json"})["claims"]["iss"] == "https://from-env-file"
    assert mint("--config", "a.json", env={"TESSERA_CONFIG": "b.json"})["claims"]["iss"] == "https://from-flag-file"
    # A wrong type in the file is exit 2, never a silent default; so is a missing named file.
    (tessera.workdir / "bad.json").write_text(json.dumps({"token": {"ttl_seconds": "fifteen minutes"}}))
    bad = tessera.run("token", "mint", "--sub", "a", "--config", "bad.json")
    assert bad.returncode == 2 and bad.stderr.strip()
    assert tessera.run("token", "mint", "--sub", "a", env={"TESSERA_CONFIG": "missing.json"}).returncode == 2


@pytest.mark.parametrize("key,value", [("TESSERA_PASSWORD_SCRYPT_LN", "16"), ("TESSERA_PASSWORD_SCRYPT_R", "4"),
                                       ("TESSERA_PASSWORD_PBKDF2_ROUNDS", "599999")])
def test_hashing_costs_below_owasp_are_refused_at_start_unless_allowed(tessera, key, value):
    refused = tessera.run("serve", "--port", "0", env={"TESSERA_PASSWORD_ALLOW_WEAK_COST": "false", key: value})
    assert refused.returncode == 2 and "below the OWASP minimum" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1, refused.stderr


def test_password_verify_notes_a_weak_hash(tessera):
    weak = tessera.run("password", "hash", stdin=PASSWORD + "\n", env={"TESSERA_PASSWORD_SCHEME": "pbkdf2-sha256",
                                                                       "TESSERA_PASSWORD_PBKDF2_ROUNDS": "1000"}).stdout.strip()
    checked = tessera.run("password", "verify", weak, stdin=PASSWORD + "\n")
    assert checked.returncode == 0 and "weaker than the configured policy" in checked.stderr
    strong = tessera.run("password", "hash", stdin=PASSWORD + "\n", env={"TESSERA_PASSWORD_SCRYPT_LN": "17"}).stdout.strip()
    assert "weaker" not in tessera.run("password", "verify", strong, stdin=PASSWORD + "\n").stderr
    assert tessera.run("password", "verify", strong, stdin="the wrong password\n").returncode == 1


def test_generated_key_lengths(tessera):
    for alg, length in (("HS256", 32), ("HS384", 48), ("HS512", 64)):
        tessera.ok("keys", "generate", "--kid", alg, "--alg", alg)
        key = next(k for k in json.loads(tessera.keys.read_text())["keys"] if k["kid"] == alg)
        assert len(__import__("base64").urlsafe_b64decode(key["k"] + "=" * (-len(key["k"]) % 4))) == length


def test_user_list_pages_and_client_default_grants(tessera):
    store = f"sqlite:{tessera.workdir / 'data' / 'tessera.db'}"
    cli = lambda *a, **k: tessera.run(*a, "--store", store, env={"TESSERA_PASSWORD_SCRYPT_LN": "4"}, **k)
    for name in ("ann", "ben", "cat", "dan"):
        assert cli("user", "add", name, stdin=PASSWORD + "\n").returncode == 0
    names = lambda out: [line.split("\t")[1] for line in out.splitlines()]
    assert names(cli("user", "list", "--limit", "2").stdout) == ["ann", "ben"]
    assert names(cli("user", "list", "--limit", "2", "--after", "ben").stdout) == ["cat", "dan"]
    assert cli("user", "list", "--limit", "0").returncode == 2
    assert cli("client", "add", "spa", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    assert cli("client", "add", "svc").returncode == 0
    listing = {line.split("\t")[0]: line.split("\t") for line in cli("client", "list").stdout.splitlines()}
    assert listing["spa"][1:3] == ["public", "password,refresh_token"]
    assert listing["svc"][1:3] == ["confidential", "client_credentials"]


def test_a_database_that_never_answers_is_exit_2_within_10_seconds(tessera):
    # A listener that completes TCP handshakes and then says nothing: the client hangs as it
    # would on an address that drops packets, until the store's 10 s deadline.
    import time
    silent = socket.create_server(("127.0.0.1", 0), backlog=16)
    try:
        port = silent.getsockname()[1]
        start = time.monotonic()
        result = tessera.run("user", "list", "--store", f"postgres://nobody@127.0.0.1:{port}/none")
        elapsed = time.monotonic() - start
        assert result.returncode == 2, result.stderr
        assert elapsed < 12, f"took {elapsed:.1f} s"
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        silent.close()
