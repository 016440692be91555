"""Caddy (its internal CA) as the TLS-terminating proxy in front of a local upstream, configured
with the README's Caddyfile verbatim, and headless Chromium with its WebDriver: the HTTPS front
and the browser that the proxy and OpenID Connect tests share."""
import base64
import hashlib
import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from conftest import require
from server import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
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


def caddy_binary() -> str:
    return require(shutil.which("caddy"), "caddy (scripts/setup.sh --venv installs it)")


def new_site() -> str:
    """An https://localhost:PORT address on a free port: what Caddy serves and Tessera names as
    its issuer, known before either starts."""
    return f"https://localhost:{free_port()}"


def https(site: str, root: Path, path: str, source: str, method: str = "GET", headers=()) -> str:
    """The status of one request through Caddy from `source`, verifying its certificate."""
    port = site.rsplit(":", 1)[1]
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(root), "--resolve", f"localhost:{port}:127.0.0.1",
            "--interface", source, "-X", method]
    for header in headers:
        args += ["-H", header]
    return subprocess.run(args + [site + path], capture_output=True, text=True, timeout=30).stdout


@contextmanager
def caddy_in_front(upstream_port: int, workdir: Path, site: str | None = None, ready_path: str = "/healthz"):
    """Runs Caddy with the README's Caddyfile in front of 127.0.0.1:`upstream_port` and yields
    (site, root CA certificate) once `ready_path` answers 200 through it with a verified
    certificate. Its files (Caddyfile, caddy.log, caddy-data, caddy-config) go in `workdir`."""
    caddy = caddy_binary()
    site = site or new_site()
    caddyfile = workdir / "Caddyfile"
    caddyfile.write_text(GLOBAL_OPTIONS + readme_caddyfile())
    caddy_env = {"PATH": os.environ["PATH"], "HOME": str(workdir), "XDG_DATA_HOME": str(workdir / "caddy-data"),
                 "XDG_CONFIG_HOME": str(workdir / "caddy-config"), "TESSERA_SITE": site.removeprefix("https://"),
                 "TESSERA_UPSTREAM": f"127.0.0.1:{upstream_port}"}
    log = open(workdir / "caddy.log", "w")
    process = subprocess.Popen([caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"], env=caddy_env, stdout=log,
                               stderr=subprocess.STDOUT)
    root = workdir / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        deadline = time.monotonic() + 30
        while not (root.exists() and https(site, root, ready_path, source="127.0.0.1") == "200"):
            assert process.poll() is None and time.monotonic() < deadline, (workdir / "caddy.log").read_text()
            time.sleep(0.1)
        yield site, root
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@contextmanager
def tessera_behind_caddy(tessera, workdir: Path, **settings: str):
    """`tessera serve` (issuer: the Caddy site, Caddy its trusted proxy, plus `settings` as
    environment variables) behind Caddy; yields (site, root CA certificate, server) and checks
    that the server stops cleanly."""
    caddy_binary()
    site = new_site()
    env = {**tessera.env, "TESSERA_ISSUER": site, "TESSERA_HTTP_TRUSTED_PROXIES": "127.0.0.1", **settings}
    server = Server(tessera.binary, tessera.workdir, env)
    try:
        with caddy_in_front(server.port, workdir, site) as (_, root):
            yield site, root, server
    finally:
        assert server.stop() == 0


def spki_sha256(certificate: Path) -> str:
    """base64 of the SHA-256 of a PEM certificate's SubjectPublicKeyInfo (Chromium's pin format)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key = x509.load_pem_x509_certificate(certificate.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@contextmanager
def chromium_driver(profile: Path | None = None, trust: Path | None = None):
    """Headless Chromium driven by chromedriver; quits on exit. With `trust` (Caddy's root
    certificate) and a `profile` directory, only certificates issued by that Caddy CA are
    accepted (its root and intermediate keys are pinned); without, any certificate is."""
    require(shutil.which("chromium") and shutil.which("chromedriver"), "chromium and chromium-driver (scripts/setup.sh --venv installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    # No password manager prompts or leak checks over the pages a test fills in.
    options.add_experimental_option("prefs", {"credentials_enable_service": False, "profile.password_manager_enabled": False,
                                              "profile.password_manager_leak_detection": False})
    if trust is not None:
        assert profile is not None, "Chromium honours pinned keys only with its own --user-data-dir"
        # Caddy presents its leaf and intermediate; the intermediate's key is what matches.
        pins = ",".join(spki_sha256(certificate) for certificate in sorted(trust.parent.glob("*.crt")))
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--ignore-certificate-errors-spki-list={pins}")
    else:
        # Caddy's internal CA is not in the browser's store.
        options.accept_insecure_certs = True
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.set_script_timeout(30)
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
