"""Behind a real TLS-terminating proxy: Caddy (its internal CA) in front of `tessera serve`,
configured with the README's Caddyfile verbatim; headless Chromium logs in with a session cookie
over HTTPS; clients at different addresses keep separate rate-limit buckets, and a forged
X-Forwarded-For gets nobody a fresh one."""
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import require
from server import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
# Test-only global options: no admin API, no HTTP->HTTPS redirect listener, no system trust
# store changes, loopback only. The site block below them is the README's.
GLOBAL_OPTIONS = """{
\tadmin off
\tauto_https disable_redirects
\tskip_install_trust
\tdefault_bind 127.0.0.1
}
"""


def readme_caddyfile() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- caddyfile:[^>]*-->\n```caddyfile\n(.*?)```", text, re.S)
    assert match, "README.md lost its Caddyfile block"
    return match.group(1)


@pytest.fixture
def proxied(tessera, tmp_path):
    caddy = require(shutil.which("caddy"), "caddy (scripts/setup.sh --venv installs it)")
    assert tessera.run("user", "add", "alice", stdin=PASSWORD + "\n", env={"TESSERA_PASSWORD_SCRYPT_LN": "10"}).returncode == 0
    assert tessera.run("client", "add", "web", "--public").returncode == 0
    port = free_port()
    site = f"https://localhost:{port}"
    env = {**tessera.env, "TESSERA_PASSWORD_SCRYPT_LN": "10", "TESSERA_ISSUER": site, "TESSERA_HTTP_TRUSTED_PROXIES": "127.0.0.1",
           "TESSERA_HTTP_LOGIN_CLIENT_ID": "web", "TESSERA_HTTP_RATE_LIMIT_BURST": "5", "TESSERA_HTTP_RATE_LIMIT_PER_SECOND": "1"}
    server = Server(tessera.binary, tessera.workdir, env)
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(GLOBAL_OPTIONS + readme_caddyfile())
    caddy_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
                 "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"), "TESSERA_SITE": f"localhost:{port}",
                 "TESSERA_UPSTREAM": f"127.0.0.1:{server.port}"}
    log = open(tmp_path / "caddy.log", "w")
    process = subprocess.Popen([caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"], env=caddy_env, stdout=log,
                               stderr=subprocess.STDOUT)
    root = tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + 30
        while not (root.exists() and https(site, root, "/healthz", source="127.0.0.1") == "200"):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "caddy.log").read_text()
            time.sleep(0.1)
        yield site, root, server
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        assert server.stop() == 0


def https(site: str, root: Path, path: str, source: str, method: str = "GET", headers=()) -> str:
    """The status of one request through Caddy from `source`, verifying its certificate."""
    port = site.rsplit(":", 1)[1]
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(root), "--resolve", f"localhost:{port}:127.0.0.1",
            "--interface", source, "-X", method]
    for header in headers:
        args += ["-H", header]
    return subprocess.run(args + [site + path], capture_output=True, text=True, timeout=30).stdout


def test_chromium_logs_in_with_a_session_cookie_over_https(proxied):
    site, _, _ = proxied
    require(shutil.which("chromium") and shutil.which("chromedriver"), "chromium and chromium-driver (scripts/setup.sh --venv installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    # Caddy's internal CA is not in the browser's store; the certificate is verified by curl below.
    options.accept_insecure_certs = True
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.set_script_timeout(30)
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
    finally:
        driver.quit()


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
