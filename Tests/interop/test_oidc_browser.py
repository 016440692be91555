"""A real browser through a real relying party: headless Chromium, trusting only Caddy's CA,
signs in to the example app of Documentation/login.md (Flask + Authlib, run verbatim) with Tessera
behind Caddy. The app sends it to the hosted login page, then the consent page (screenshots of
both go to the test artifacts), and it comes back signed in with the app showing the userinfo.
Single sign-on: a fresh app session signs in again without the form. Logout through the app and
Tessera's end_session_endpoint comes back to the app, after which the form is shown again. And the
login page refuses to be framed by another origin, while a page without the header is framed."""
import base64
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from conftest import Tessera
from server import free_port
from tls_proxy import ROOT, chromium_driver, tessera_behind_caddy

PASSWORD = "a long enough password"
FAST = {"TESSERA_PASSWORD_SCRYPT_LN": "10"}
WAIT = 30


@dataclass
class Setup:
    site: str
    root: Path
    app: str


def doc_example() -> str:
    text = (ROOT / "Documentation" / "login.md").read_text()
    match = re.search(r"<!-- authlib-example -->\n```python\n(.*?)```", text, re.S)
    assert match, "Documentation/login.md lost its Authlib example"
    return match.group(1)


@contextmanager
def example_app(workdir: Path, site: str, root: Path, client_id: str, client_secret: str, port: int):
    """The documentation's example app, run as `python app.py`, trusting Caddy's CA."""
    app = workdir / "app.py"
    app.write_text(doc_example())
    env = {k: v for k, v in os.environ.items() if k not in ("CLIENT_SECRET", "SECRET_KEY") and "proxy" not in k.lower()}
    env.update(ISSUER=site, CLIENT_ID=client_id, CLIENT_SECRET=client_secret, PORT=str(port), REQUESTS_CA_BUNDLE=str(root),
               SSL_CERT_FILE=str(root))
    log = open(workdir / "app.log", "w")
    process = subprocess.Popen([sys.executable, str(app)], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    probe = requests.Session()
    probe.trust_env = False
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if probe.get(url + "/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (workdir / "app.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@contextmanager
def other_origin(directory: Path, files: dict, host: str = "127.0.0.2"):
    """Serves `files` (name -> text), written to `directory`, over HTTP from `host`: an origin
    that is neither the app's nor Tessera's."""
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer((host, 0), partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    binary = os.environ.get("TESSERA_BIN")
    assert binary, "TESSERA_BIN must point at the built tessera binary (scripts/test.sh sets it)"
    workdir = tmp_path_factory.mktemp("oidc-browser")
    tessera = Tessera(str(Path(binary).resolve()), workdir)
    port = free_port()
    app = f"http://127.0.0.1:{port}"
    tessera.ok("user", "add", "alice", "--email", "alice@example.com", stdin=PASSWORD + "\n", env=FAST)
    # A server-side web app keeps a secret: the documentation's confidential registration. (A
    # public client on a loopback redirect would see the consent page on every sign-in, RFC
    # 8252 §8.6; test_oidc_rp.py covers that.)
    registered = json.loads(tessera.ok("client", "add", "shop", "--redirect-uri", app + "/callback", "--post-logout-redirect-uri", app + "/",
                                       "--scope", "openid", "--scope", "profile", "--scope", "email"))
    assert registered["client_id"] == "shop" and registered["client_secret"], registered
    with tessera_behind_caddy(tessera, workdir, **FAST, TESSERA_HTTP_RATE_LIMIT_BURST="200") as (site, root, _):
        with example_app(workdir, site, root, "shop", registered["client_secret"], port) as url:
            assert url == app
            yield Setup(site, root, app)


def artifacts() -> Path:
    directory = Path(os.environ.get("TESSERA_ARTIFACTS", ROOT / ".build" / "test-artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def where(driver, setup: Setup):
    """Where the browser is: Tessera's login form, its consent page, the app signed in or out."""
    from selenium.webdriver.common.by import By

    if driver.current_url.startswith(setup.site + "/"):
        if driver.find_elements(By.ID, "username"):
            return "login form"
        if driver.find_elements(By.CSS_SELECTOR, "ul.scopes"):
            return "consent page"
    elif driver.current_url.split("?", 1)[0] == setup.app + "/":
        if driver.find_elements(By.ID, "user"):
            return "signed in"
        if driver.find_elements(By.ID, "login"):
            return "signed out"
    return None


def arrive(driver, setup: Setup, expected: str) -> None:
    """Waits (bounded) until the browser settles on a known page, which must be `expected`."""
    from selenium.webdriver.support.ui import WebDriverWait

    reached = WebDriverWait(driver, WAIT).until(lambda d: where(d, setup), message=f"waiting for the {expected}")
    assert reached == expected, (reached, driver.current_url, driver.page_source[:1000])


def click(driver, selector: str) -> None:
    """Clicks the element and waits (bounded) until the page it was on is gone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, WAIT).until(expected_conditions.staleness_of(page), message=f"waiting for {selector} to navigate")


def test_a_browser_signs_in_through_the_example_app_with_single_sign_on_and_logout(setup, tmp_path):
    from selenium.webdriver.common.by import By

    with chromium_driver(tmp_path / "chromium", trust=setup.root) as driver:
        driver.get(setup.app + "/")
        arrive(driver, setup, "signed out")
        click(driver, "#login")
        arrive(driver, setup, "login form")
        assert driver.current_url.startswith(setup.site + "/oauth/authorize?"), driver.current_url
        # The stylesheet is the page's own and the CSP lets it apply.
        sheets = driver.execute_script("return [...document.styleSheets].map(s => [s.href, s.cssRules.length])")
        assert [setup.site + "/oauth/static/login.css"] == [href for href, rules in sheets if rules], sheets
        driver.save_screenshot(str(artifacts() / "login.png"))
        driver.find_element(By.ID, "username").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        click(driver, "button[type=submit]")
        arrive(driver, setup, "consent page")
        assert len(driver.find_elements(By.CSS_SELECTOR, "ul.scopes li")) == 3
        driver.save_screenshot(str(artifacts() / "consent.png"))
        click(driver, "button[name=decision][value=allow]")
        arrive(driver, setup, "signed in")
        shown = driver.find_element(By.ID, "user").text
        assert shown.startswith("Signed in as alice (alice@example.com), subject "), shown

        # Single sign-on: the app forgets the user (its cookies only: the page is the app's),
        # and signing in again goes through Tessera without the form or the consent.
        driver.delete_all_cookies()
        driver.get(setup.app + "/")
        arrive(driver, setup, "signed out")
        driver.get(setup.app + "/login")
        arrive(driver, setup, "signed in")
        assert driver.find_element(By.ID, "user").text == shown

        # Logout through the app ends Tessera's session too and comes back to the app.
        click(driver, "#logout")
        arrive(driver, setup, "signed out")
        assert "state=" in driver.current_url, driver.current_url
        driver.get(setup.app + "/login")
        arrive(driver, setup, "login form")


def test_the_login_page_refuses_to_be_framed_by_another_origin(setup, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = setup.site + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": "shop", "redirect_uri": setup.app + "/callback", "scope": "openid",
        "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16), "code_challenge": challenge, "code_challenge_method": "S256"})
    # A page that can be framed (the app's home) beside the login page; each frame marks its load.
    frames = "".join(f'<iframe id="{name}" src="{html.escape(src)}" onload="this.dataset.loaded = 1"></iframe>'
                     for name, src in (("control", setup.app + "/"), ("login", authorize)))
    page = f"<!doctype html><title>framing</title>{frames}"
    with other_origin(tmp_path / "origin", {"framing.html": page}) as origin, chromium_driver(tmp_path / "chromium", trust=setup.root) as driver:
        driver.get(origin + "/framing.html")
        WebDriverWait(driver, WAIT).until(
            lambda d: d.execute_script("return [...document.querySelectorAll('iframe')].every(f => f.dataset.loaded)"),
            message="waiting for both frames to load")
        driver.switch_to.frame(driver.find_element(By.ID, "control"))
        assert driver.find_elements(By.ID, "login"), driver.page_source[:1000]
        driver.switch_to.default_content()
        driver.switch_to.frame(driver.find_element(By.ID, "login"))
        assert not driver.find_elements(By.ID, "username"), driver.page_source[:1000]
        assert not driver.find_elements(By.ID, "password")
        driver.switch_to.default_content()
        # The same address at the top level is the form: the refusal came from the framing.
        driver.get(authorize)
        arrive(driver, setup, "login form")
