"""The HTTP front through real clients: curl, Authlib's OAuth2 client, nginx auth_request, and two
instances on one PostgreSQL."""
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from conftest import require
from server import Server, free_port

FAST = {"TESSERA_PASSWORD_SCRYPT_LN": "10", "TESSERA_HTTP_LOGIN_CLIENT_ID": "web"}
PASSWORD = "a long enough password"


@pytest.fixture
def server(tessera):
    metrics_port = free_port()
    env = {**tessera.env, **FAST, "TESSERA_HTTP_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}"}
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env=FAST).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "read", "--scope", "write").returncode == 0
    running = Server(tessera.binary, tessera.workdir, env)
    running.metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    yield running
    assert running.stop() == 0, "SIGTERM must stop the server cleanly with exit 0"


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True, timeout=20)


def test_curl_token_verify_revoke(server):
    token = json.loads(curl("-X", "POST", server.url + "/oauth/token", "-d", "grant_type=password", "-d", "client_id=web",
                            "-d", "username=alice", "--data-urlencode", f"password={PASSWORD}").stdout)
    assert token["token_type"] == "Bearer" and token["scope"] == "read write"
    verified = curl("-i", server.url + "/v1/verify", "-H", f"Authorization: Bearer {token['access_token']}").stdout
    assert verified.startswith("HTTP/1.1 200") and "X-Tessera-Client: web" in verified
    bad = curl("-i", server.url + "/v1/verify", "-H", "Authorization: Bearer nope").stdout
    assert bad.startswith("HTTP/1.1 401") and 'error="invalid_token"' in bad
    assert curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", server.url + "/oauth/revoke",
                "-d", "client_id=web", "-d", f"token={token['refresh_token']}").stdout == "200"
    assert curl("-o", "/dev/null", "-w", "%{http_code}", server.url + "/v1/verify", "-H", f"Authorization: Bearer {token['access_token']}").stdout == "401"


def test_authlib_password_refresh_reuse_revoke(server):
    client = OAuth2Session(client_id="web", token_endpoint_auth_method="none", scope="read")
    token = client.fetch_token(server.url + "/oauth/token", username="alice", password=PASSWORD)
    assert token["token_type"] == "Bearer" and token["scope"] == "read"
    protected = client.get(server.url + "/v1/verify")
    assert protected.status_code == 200 and protected.headers["X-Tessera-Scope"] == "read"
    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(server.url + "/oauth/token", refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    reuse = requests.post(server.url + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "web", "refresh_token": old_refresh}, timeout=10)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # Reuse revoked the whole family and session: the refreshed pair is dead too.
    assert client.get(server.url + "/v1/verify").status_code == 401
    fresh = client.fetch_token(server.url + "/oauth/token", username="alice", password=PASSWORD)
    assert client.revoke_token(server.url + "/oauth/revoke", token=fresh["refresh_token"], token_type_hint="refresh_token").status_code == 200
    assert requests.get(server.url + "/v1/verify", headers={"Authorization": f"Bearer {fresh['access_token']}"}, timeout=10).status_code == 401


def test_login_endpoint_and_metadata(server):
    login = requests.post(server.url + "/v1/login", json={"username": "ALICE", "password": PASSWORD}, timeout=10)
    assert login.status_code == 200 and login.headers["Cache-Control"] == "no-store"
    me = requests.get(server.url + "/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}, timeout=10)
    assert me.json()["username"] == "alice"
    metadata = requests.get(server.url + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert metadata["token_endpoint"].endswith("/oauth/token")


def test_nginx_auth_request(server, tmp_path):
    # Debian installs nginx in /usr/sbin, which is not on every PATH.
    binary = require(shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin"), "nginx (scripts/setup.sh --venv installs it)")
    port, upstream = free_port(), free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
error_log {tmp_path}/error.log warn;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /_tessera {{
            internal;
            proxy_pass {server.url}/v1/verify;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }}
        location /api/ {{
            auth_request /_tessera;
            auth_request_set $subject $upstream_http_x_tessera_subject;
            proxy_set_header X-Subject $subject;
            proxy_pass http://127.0.0.1:{upstream}/;
        }}
    }}
    server {{
        listen 127.0.0.1:{upstream};
        location / {{ return 200 "upstream says hello to $http_x_subject\\n"; }}
    }}
}}
""")
    nginx = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/api/", timeout=1)
                break
            except requests.ConnectionError:
                if nginx.poll() is not None:
                    raise RuntimeError(nginx.stderr.read().decode())
                import time
                time.sleep(0.05)
        token = requests.post(server.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=10).json()["access_token"]
        good = requests.get(f"http://127.0.0.1:{port}/api/data", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        subject = requests.get(server.url + "/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["id"]
        assert good.status_code == 200 and good.text == f"upstream says hello to {subject}\n"
        bad = requests.get(f"http://127.0.0.1:{port}/api/data", headers={"Authorization": "Bearer forged"}, timeout=10)
        assert bad.status_code == 401
        assert requests.get(f"http://127.0.0.1:{port}/api/data", timeout=10).status_code == 401
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_two_instances_share_postgres_state(tessera):
    admin = require(os.environ.get("TESSERA_TEST_POSTGRES_URL"), "the throwaway PostgreSQL of scripts/test.sh")
    database = "serve_" + uuid.uuid4().hex[:12]
    port = admin.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {database}"],
                   check=True, capture_output=True)
    store = admin.rsplit("/", 1)[0] + "/" + database
    env = {**tessera.env, **FAST}
    assert tessera.run("user", "add", "alice", "--store", store, stdin=PASSWORD + "\n", env=FAST).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--store", store).returncode == 0
    assert tessera.run("keys", "generate").returncode == 0
    first = Server(tessera.binary, tessera.workdir, env, store=store)
    second = Server(tessera.binary, tessera.workdir, env, store=store)
    try:
        token = requests.post(first.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=10).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        assert requests.get(second.url + "/v1/verify", headers=auth, timeout=10).status_code == 200
        # A refresh token issued by one instance rotates on the other.
        refreshed = requests.post(second.url + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "web",
                                                                     "refresh_token": token["refresh_token"]}, timeout=10)
        assert refreshed.status_code == 200
        assert requests.post(first.url + "/v1/logout", headers=auth, timeout=10).status_code == 204
        # The other instance learns of the revocation at its next poll: every second, so within
        # 1.5 s (one interval, one query, and scheduling slack).
        import time
        start = time.monotonic()
        status = 200
        while status == 200 and time.monotonic() - start < 1.5:
            status = requests.get(second.url + "/v1/verify", headers=auth, timeout=10).status_code
            time.sleep(0.05)
        assert status == 401, f"still accepted {time.monotonic() - start:.2f} s after the logout"
    finally:
        assert first.stop() == 0
        assert second.stop() == 0


def test_metrics_are_prometheus_text(server):
    requests.post(server.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=10)
    requests.post(server.url + "/v1/login", json={"username": "alice", "password": "wrong password"}, timeout=10)
    requests.get(server.url + "/nope/at/all", timeout=10)
    metrics = requests.get(server.metrics_url, timeout=10)
    assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith("text/plain")
    text = metrics.text
    assert 'tessera_logins_total{result="success"} 1' in text
    assert 'tessera_logins_total{result="failure"} 1' in text
    assert 'tessera_http_requests_total{route="/v1/login",method="POST",status="200"} 1' in text
    assert 'route="unmatched"' in text and "/nope/at/all" not in text
    assert "tessera_http_request_duration_seconds_bucket" in text
    assert "tessera_hashing_queue_depth" in text


def test_metrics_listener_is_the_only_way_in_when_set(server):
    # The metrics listener answers /metrics alone; the public port has no /metrics at all.
    assert requests.get(server.url + "/metrics", timeout=10).status_code == 404
    other = server.metrics_url.replace("/metrics", "/oauth/token")
    assert requests.post(other, data={"grant_type": "password"}, timeout=10).status_code == 404


def test_metrics_on_the_main_port_need_the_scope(tessera):
    """Without http.metrics_address: Prometheus-style scraping with client_credentials works;
    anonymous, another scope and an ordinary user are refused."""
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env=FAST).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "read").returncode == 0
    scraper = json.loads(tessera.run("client", "add", "prometheus", "--grant", "client_credentials", "--scope", "tessera:metrics").stdout)
    other = json.loads(tessera.run("client", "add", "svc", "--grant", "client_credentials", "--scope", "tessera:admin").stdout)
    running = Server(tessera.binary, tessera.workdir, {**tessera.env, **FAST})
    try:
        token = lambda c: requests.post(running.url + "/oauth/token", auth=(c["client_id"], c["client_secret"]),
                                        data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
        anonymous = requests.get(running.url + "/metrics", timeout=10)
        assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        user = requests.post(running.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=10).json()["access_token"]
        for refused in (token(other), user):
            answer = requests.get(running.url + "/metrics", headers={"Authorization": f"Bearer {refused}"}, timeout=10)
            assert answer.status_code == 403 and "insufficient_scope" in answer.headers["WWW-Authenticate"]
        scraped = requests.get(running.url + "/metrics", headers={"Authorization": f"Bearer {token(scraper)}"}, timeout=10)
        assert scraped.status_code == 200 and "tessera_http_requests_total" in scraped.text
    finally:
        assert running.stop() == 0


def test_refresh_metrics(server):
    token = requests.post(server.url + "/v1/login", json={"username": "alice", "password": PASSWORD}, timeout=10).json()
    refresh = lambda t: requests.post(server.url + "/oauth/token", data={"grant_type": "refresh_token", "client_id": "web",
                                                                         "refresh_token": t}, timeout=10)
    assert refresh(token["refresh_token"]).status_code == 200
    assert refresh(token["refresh_token"]).status_code == 400  # reuse: the family dies
    text = requests.get(server.metrics_url, timeout=10).text
    assert 'tessera_refreshes_total{result="rotated"} 1' in text
    assert "tessera_refresh_reuse_detected_total 1" in text


def test_schemathesis_no_server_errors_no_schema_violations(tessera):
    """Fuzzes every operation of /openapi.json against a live server with every check and every
    phase (examples, coverage, fuzzing, stateful): no 5xx, every answer's status, content type and
    body match the document, schema-valid requests are accepted and schema-invalid ones refused."""
    env = {**tessera.env, **FAST, "TESSERA_HTTP_RATE_LIMIT_PER_SECOND": "0"}
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env=FAST).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    admin = json.loads(tessera.run("client", "add", "admin", "--grant", "client_credentials", "--scope", "tessera:admin",
                                   "--scope", "tessera:metrics").stdout)
    running = Server(tessera.binary, tessera.workdir, env)
    try:
        token = requests.post(running.url + "/oauth/token", auth=(admin["client_id"], admin["client_secret"]),
                              data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
        result = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--config-file", str(Path(__file__).parent / "schemathesis.toml"),
             "run", running.url + "/openapi.json",
             "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
             "--max-examples", "25", "--generation-deterministic", "--request-timeout", "10", "--suppress-health-check", "all",
             "-H", f"Authorization: Bearer {token}"],
            capture_output=True, text=True, timeout=600, cwd=tessera.workdir)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    finally:
        assert running.stop() == 0
