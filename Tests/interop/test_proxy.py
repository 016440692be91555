"""Behind a real TLS-terminating proxy: Caddy (its internal CA) in front of `tessera serve`,
configured with the README's Caddyfile verbatim; headless Chromium logs in with a session cookie
over HTTPS; clients at different addresses keep separate rate-limit buckets, and a forged
X-Forwarded-For gets nobody a fresh one."""
import subprocess

import pytest
from tls_proxy import caddy_binary, chromium_driver, https, tessera_behind_caddy

PASSWORD = "a long enough password"


@pytest.fixture
def proxied(tessera, tmp_path):
    caddy_binary()
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env={"TESSERA_PASSWORD_SCRYPT_LN": "10"}).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    with tessera_behind_caddy(tessera, tmp_path, TESSERA_PASSWORD_SCRYPT_LN="10", TESSERA_HTTP_LOGIN_CLIENT_ID="web",
                              TESSERA_HTTP_RATE_LIMIT_BURST="5", TESSERA_HTTP_RATE_LIMIT_PER_SECOND="1") as proxied:
        yield proxied


def test_chromium_logs_in_with_a_session_cookie_over_https(proxied):
    site, _, _ = proxied
    with chromium_driver() as driver:
        driver.get(site + "/healthz")
        signed_in = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            (async () => {
              const login = await fetch('/v1/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({username: 'alice', password: '""" + PASSWORD + """', session: true})});
              const me = await fetch('/v1/me');
              done({login: login.status, me: me.status, user: (await me.json()).username, visible: document.cookie});
            })().catch(e => done({error: String(e)}));""")
        assert signed_in == {"login": 200, "me": 200, "user": "alice", "visible": ""}, signed_in
        cookies = {c["name"]: c for c in driver.get_cookies()}
        cookie = cookies["__Host-tessera_session"]
        assert cookie["secure"] and cookie["httpOnly"] and cookie["path"] == "/" and cookie.get("sameSite") == "Lax"
        signed_out = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            (async () => {
              const logout = await fetch('/v1/logout', {method: 'POST'});
              const me = await fetch('/v1/me');
              done({logout: logout.status, me: me.status});
            })().catch(e => done({error: String(e)}));""")
        assert signed_out == {"logout": 204, "me": 401}, signed_out
        assert "__Host-tessera_session" not in {c["name"] for c in driver.get_cookies()}


def test_clients_behind_the_proxy_have_their_own_buckets_and_forged_headers_do_not(proxied):
    site, root, server = proxied
    post = lambda source, *headers: https(site, root, "/v1/logout", source, "POST", headers)
    # Burst 5: the sixth POST from one client address is 429, whatever it claims to be.
    first = [post("127.0.0.2") for _ in range(5)] + [post("127.0.0.2", "X-Forwarded-For: 192.0.2.99")]
    assert "429" not in first[:5] and first[5] == "429", first
    second = [post("127.0.0.3", f"X-Forwarded-For: 192.0.2.{i}") for i in range(6)]
    assert "429" not in second[:5] and second[5] == "429", second
    # Straight to Tessera, not through the trusted proxy: the header is ignored.
    direct = [subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", "127.0.0.5", "-X", "POST",
                              "-H", f"X-Forwarded-For: 198.51.100.{i}", server.url + "/v1/logout"],
                             capture_output=True, text=True, timeout=30).stdout for i in range(6)]
    assert "429" not in direct[:5] and direct[5] == "429", direct
