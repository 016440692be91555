"""A second relying-party library, pyoidc (`oic`), signs in through Tessera behind Caddy without a
browser: discovery, the authorization code flow with PKCE S256, state and nonce, the hosted login
and consent forms over HTTPS with their `__Host-` cookies, the code exchange (public client, and a
confidential first-party one with its secret) with the ID token verified against the JWKS, and
userinfo. Single sign-on skips the form (and a consent already given), `prompt=login` brings it
back, and logout ends the session and its tokens. Then what the endpoints refuse, with plain
requests: an unknown client or an unregistered redirect URI gets an error page and never a
redirect; PKCE is required and S256 only; a code is bound to its verifier and its client and is
single-use, a replay revoking what the first exchange produced; the login form needs its CSRF
token and the browser-binding cookie it was served with; `prompt=none` without a session is
`login_required`; the pages' security headers; a failed login names neither field."""
import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from conftest import Tessera
from tls_proxy import tessera_behind_caddy

PASSWORD = "a long enough password"
FAST = {"TESSERA_PASSWORD_SCRYPT_LN": "10"}
SCOPE = "openid profile email"
# Nothing listens there: the code is read from the Location header of the redirect back.
RP = "http://127.0.0.1:8765"
CALLBACK = RP + "/callback"
TIMEOUT = 30
# The pages' Content-Security-Policy, but for form-action: that must also allow the client's
# redirect URI, since browsers apply it to the redirect that answers the form (test_oidc_browser).
CSP = {"default-src": ["'none'"], "style-src": ["'self'"], "frame-ancestors": ["'none'"]}
GENERIC_ERROR = "Invalid username or password."


@dataclass
class Provider:
    site: str
    root: Path
    client_secrets: dict


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """One Tessera behind Caddy for the module; every test signs in with its own cookie jar.
    Clients: `shop` (public, asks for consent), `portal` (public, first-party), `backend`
    (confidential, first-party). Users: alice, and bob for the failed logins."""
    binary = os.environ.get("TESSERA_BIN")
    assert binary, "TESSERA_BIN must point at the built tessera binary (scripts/test.sh sets it)"
    tessera = Tessera(str(Path(binary).resolve()), tmp_path_factory.mktemp("oidc-rp"))
    for user in ("alice", "bob"):
        tessera.ok("user", "add", user, "--email", f"{user}@example.com", stdin=PASSWORD + "\n", env=FAST)
    scopes = [argument for scope in SCOPE.split() for argument in ("--scope", scope)]
    uris = ["--redirect-uri", CALLBACK, "--post-logout-redirect-uri", RP + "/"]
    registered = {client: json.loads(tessera.ok("client", "add", client, *flags, *uris, *scopes))
                  for client, flags in {"shop": ["--public"], "portal": ["--public", "--first-party"], "backend": ["--first-party"]}.items()}
    assert registered["shop"] == {"client_id": "shop"} and registered["portal"] == {"client_id": "portal"}
    assert registered["backend"]["client_id"] == "backend" and registered["backend"]["client_secret"]
    with tessera_behind_caddy(tessera, tessera.workdir, **FAST, TESSERA_HTTP_RATE_LIMIT_BURST="200") as (site, root, _):
        yield Provider(site, root, {"backend": registered["backend"]["client_secret"]})


class Page(HTMLParser):
    """What the tests read from an HTML page: its forms (action, fields with their served values,
    buttons), its inputs by id, its error paragraphs and its list of scopes."""

    def __init__(self, html: str):
        super().__init__()
        self.forms, self.inputs, self.errors, self.scopes = [], {}, [], []
        self._text = None
        self._in_scopes = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "form":
            self.forms.append({"action": attributes.get("action"), "method": (attributes.get("method") or "get").lower(), "fields": {},
                               "buttons": []})
        elif tag == "input":
            if self.forms and attributes.get("name"):
                self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
            if attributes.get("id"):
                self.inputs[attributes["id"]] = attributes
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(attributes)
        elif tag == "ul" and "scopes" in classes:
            self._in_scopes = True
        elif (tag == "p" and "error" in classes) or (tag == "li" and self._in_scopes):
            self._text = (tag, attributes, [])

    def handle_data(self, data):
        if self._text:
            self._text[2].append(data)

    def handle_endtag(self, tag):
        if self._text and tag == self._text[0]:
            text = " ".join("".join(self._text[2]).split())
            (self.errors if tag == "p" else self.scopes).append((text, self._text[1]))
            self._text = None
        elif tag == "ul":
            self._in_scopes = False

    def form(self, action: str) -> dict:
        found = [form for form in self.forms if form["action"] == action]
        assert len(found) == 1, f"expected one form posting to {action}: {self.forms}"
        assert found[0]["method"] == "post", found[0]
        return found[0]


def browser(provider: Provider) -> requests.Session:
    """A cookie jar that trusts Caddy's CA and nothing from the environment (proxies, bundles)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(provider.root)
    return session


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge), RFC 7636 §4.1-4.2."""
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def authorization(client_id: str = "shop", redirect_uri: str = CALLBACK, **params) -> tuple[dict, str]:
    """The query of a complete authorization request (a parameter given as None is left out) and
    the PKCE verifier the client keeps for it."""
    verifier, challenge = pkce_pair()
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": SCOPE,
             "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16), "code_challenge": challenge,
             "code_challenge_method": "S256", **params}
    return {name: value for name, value in query.items() if value is not None}, verifier


def authorize_url(provider: Provider, query: dict) -> str:
    return f"{provider.site}/oauth/authorize?{urlencode(query)}"


def get(session: requests.Session, url: str, **kwargs) -> requests.Response:
    return session.get(url, allow_redirects=False, timeout=TIMEOUT, **kwargs)


def submit(session: requests.Session, page: requests.Response, action: str, **values) -> requests.Response:
    """Posts the page's form to `action` with the fields as served and `values` over them,
    without following the answer's redirect."""
    fields = {**Page(page.text).form(action)["fields"], **values}
    return session.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=TIMEOUT)


def login(session: requests.Session, page: requests.Response, username: str, password: str) -> requests.Response:
    return submit(session, page, "/oauth/login", username=username, password=password)


def follow(provider: Provider, session: requests.Session, response: requests.Response) -> requests.Response:
    """Follows redirects that stay at the issuer; returns the first answer that is not one (a page,
    or the redirect back to the client)."""
    for _ in range(5):
        target = urljoin(response.url, response.headers.get("Location", ""))
        if not (response.is_redirect and target.startswith(provider.site + "/")):
            return response
        response = get(session, target)
    raise AssertionError(f"redirect loop at the issuer: {response.url}")


def is_login_form(response: requests.Response) -> bool:
    return response.status_code == 200 and "password" in Page(response.text).inputs


def is_consent_page(response: requests.Response) -> bool:
    return response.status_code == 200 and any(form["action"] == "/oauth/consent" for form in Page(response.text).forms)


def redirected_back(response: requests.Response, redirect_uri: str = CALLBACK) -> dict:
    """The query of a 303 back to the client's redirect URI, each parameter present once."""
    assert response.status_code == 303, (response.status_code, response.headers, response.text[:500])
    location = response.headers["Location"]
    assert location.split("?", 1)[0] == redirect_uri, location
    params = parse_qs(urlsplit(location).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in params.values()), location
    return {name: values[0] for name, values in params.items()}


def sign_in(provider: Provider, session: requests.Session, query: dict, username: str = "alice", decision: str = "allow") -> dict:
    """Runs the authorization request in `session` to its redirect back to the client: through the
    login form when there is no session and the consent page when one is asked for. Returns the
    query of the redirect back."""
    response = follow(provider, session, get(session, authorize_url(provider, query)))
    if is_login_form(response):
        response = follow(provider, session, login(session, response, username, PASSWORD))
    if is_consent_page(response):
        response = follow(provider, session, submit(session, response, "/oauth/consent", decision=decision))
    return redirected_back(response, query["redirect_uri"])


def token(provider: Provider, auth=None, **form) -> requests.Response:
    return browser(provider).post(provider.site + "/oauth/token", data=form, auth=auth, timeout=TIMEOUT)


def exchange(provider: Provider, query: dict, code: str, verifier: str, **overrides) -> requests.Response:
    """The public client's token request for `code`, as the authorization request implies."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": query["redirect_uri"], "code_verifier": verifier,
            "client_id": query["client_id"], **overrides}
    return token(provider, **form)


def refused(response: requests.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json()["error"] == error, response.text


def verify(provider: Provider, access_token: str) -> int:
    return browser(provider).get(provider.site + "/v1/verify", headers={"Authorization": f"Bearer {access_token}"}, timeout=TIMEOUT).status_code


def eventually(probe, expected, seconds: float = 2.0):
    """Polls `probe` until it returns `expected` or `seconds` pass; returns its last value."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value == expected or time.monotonic() >= deadline:
            return value
        time.sleep(0.2)


def cookie(session: requests.Session, name: str):
    found = [c for c in session.cookies if c.name == name]
    assert len(found) == 1, f"{name}: {[c.name for c in session.cookies]}"
    return found[0]


def assert_host_cookie(session: requests.Session, name: str) -> dict:
    """A `__Host-` cookie as RFC 6265bis §4.1.3.2 has it (Secure, Path=/, no Domain), HttpOnly;
    returns its other attributes, names lowercased."""
    found = cookie(session, name)
    attributes = {key.lower(): value for key, value in found._rest.items()}
    assert found.secure and found.path == "/" and not found.domain_specified and "httponly" in attributes, (name, found, attributes)
    return attributes


def assert_page_headers(response: requests.Response, redirect_uri: str = CALLBACK) -> None:
    """The headers of the login and consent pages. form-action is 'self' and at most the origin of
    the request's redirect URI (its port, or any port of a loopback address)."""
    assert response.headers["Content-Type"].startswith("text/html"), response.headers
    policy = {parts[0].lower(): parts[1:] for parts in (d.split() for d in response.headers["Content-Security-Policy"].split(";")) if parts}
    form_action = policy.pop("form-action", [])
    assert policy == CSP, response.headers["Content-Security-Policy"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(redirect_uri))
    assert "'self'" in form_action and set(form_action) <= {"'self'", origin, origin.rsplit(":", 1)[0] + ":*"}, form_action
    assert "no-store" in [d.strip() for d in response.headers["Cache-Control"].split(",")], response.headers
    assert response.headers["Referrer-Policy"] == "no-referrer", response.headers
    assert response.headers["X-Frame-Options"] == "DENY", response.headers


def oidc_client(provider: Provider, client_id: str):
    """A pyoidc client that has discovered the issuer through Caddy, checking its certificate."""
    from oic.oic import Client
    from oic.oic.message import ProviderConfigurationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD
    from oic.utils.settings import OicClientSettings

    client = Client(client_id=client_id, client_authn_method=CLIENT_AUTHN_METHOD,
                    settings=OicClientSettings(verify_ssl=str(provider.root), timeout=TIMEOUT))
    if client_id in provider.client_secrets:
        client.client_secret = provider.client_secrets[client_id]
    configuration = client.provider_config(provider.site)
    assert isinstance(configuration, ProviderConfigurationResponse)
    assert configuration.verify()  # OpenID Connect Discovery 1.0 §3: the required members, an https issuer
    return client


def pyoidc_sign_in(provider: Provider, client_id: str, scope: str, authn_method: str, consent: bool):
    """The whole flow with pyoidc: returns (nonce, token response, userinfo)."""
    from oic.oic.message import AccessTokenResponse, AuthorizationResponse, OpenIDSchema

    client = oidc_client(provider, client_id)
    site = provider.site
    configuration = client.provider_info
    assert configuration["issuer"] == site
    assert configuration["authorization_endpoint"] == site + "/oauth/authorize"
    assert configuration["token_endpoint"] == site + "/oauth/token"
    assert configuration["userinfo_endpoint"] == site + "/userinfo"
    assert configuration["jwks_uri"] == site + "/.well-known/jwks.json"
    assert configuration["end_session_endpoint"] == site + "/oauth/logout"
    assert configuration["code_challenge_methods_supported"] == ["S256"]
    assert configuration["response_types_supported"] == ["code"]
    assert configuration["id_token_signing_alg_values_supported"] == ["ES256"]
    assert set(SCOPE.split()) <= set(configuration["scopes_supported"])

    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pkce, verifier = client.add_code_challenge()  # S256 by default
    assert pkce["code_challenge_method"] == "S256"
    url, _, _, request = client.authorization_request_info(request_args={
        "response_type": "code", "scope": scope.split(), "redirect_uri": CALLBACK, "state": state, "nonce": nonce, **pkce})
    assert url.startswith(site + "/oauth/authorize?") and request["nonce"] == nonce

    session = browser(provider)
    page = follow(provider, session, get(session, url))
    assert is_login_form(page), (page.status_code, page.text[:500])
    assert_page_headers(page)
    assert_host_cookie(session, "__Host-tessera_authz")
    response = follow(provider, session, login(session, page, "alice", PASSWORD))
    if consent:
        assert is_consent_page(response), (response.status_code, response.headers, response.text[:500])
        assert_page_headers(response)
        listed = Page(response.text)
        assert len(listed.scopes) == len(scope.split()), listed.scopes
        buttons = listed.form("/oauth/consent")["buttons"]
        assert {(b.get("name"), b.get("value")) for b in buttons} == {("decision", "allow"), ("decision", "deny")}, buttons
        response = follow(provider, session, submit(session, response, "/oauth/consent", decision="allow"))
    back = redirected_back(response)
    assert back["state"] == state and back["iss"] == site and back["code"], back
    assert assert_host_cookie(session, "__Host-tessera_session").get("samesite", "").lower() == "lax"

    # pyoidc checks the response's iss against the discovered issuer and keeps the code under its state.
    answer = client.parse_response(AuthorizationResponse, info=response.headers["Location"], sformat="urlencoded")
    assert isinstance(answer, AuthorizationResponse) and answer["state"] == state, answer
    # The exchange verifies the ID token: signature with the key the JWKS names, iss, aud, exp, iat, nonce.
    tokens = client.do_access_token_request(state=state, request_args={"code_verifier": verifier, "redirect_uri": CALLBACK},
                                            authn_method=authn_method)
    assert isinstance(tokens, AccessTokenResponse), tokens
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] > 0 and tokens["refresh_token"], tokens.to_dict()
    assert set(tokens["scope"]) == set(scope.split()), tokens["scope"]
    userinfo = client.do_user_info_request(method="GET", state=state)  # Bearer header; pyoidc compares sub with the ID token's
    assert isinstance(userinfo, OpenIDSchema), userinfo
    return nonce, tokens, userinfo


def assert_id_token(provider: Provider, tokens, client_id: str, nonce: str) -> None:
    """What pyoidc leaves unchecked: the algorithm and kid, nonce presence, at_hash, and the claims
    Tessera promises."""
    id_token = tokens["id_token"]
    header = id_token.jws_header
    assert header["alg"] == "ES256" and header.get("typ") == "JWT", header
    jwks = browser(provider).get(provider.site + "/.well-known/jwks.json", timeout=TIMEOUT).json()
    assert header["kid"] in [key.get("kid") for key in jwks["keys"] if key["kty"] == "EC"], (header, jwks)
    assert id_token["iss"] == provider.site and id_token["aud"] == [client_id], id_token.to_dict()
    assert id_token["nonce"] == nonce
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()
    assert id_token["at_hash"] == b64url(digest[:16])
    now = time.time()
    assert id_token["iat"] - 60 <= now < id_token["exp"] and id_token["auth_time"] <= id_token["iat"] + 1, id_token.to_dict()
    assert id_token["amr"] == ["pwd"] and id_token["sid"] and id_token["sub"], id_token.to_dict()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # pyoidc fetches a localhost JWKS unverified
def test_pyoidc_signs_a_public_client_in_through_login_and_consent(provider):
    nonce, tokens, userinfo = pyoidc_sign_in(provider, "shop", SCOPE, authn_method="", consent=True)
    assert_id_token(provider, tokens, "shop", nonce)
    assert userinfo["sub"] == tokens["id_token"]["sub"]
    assert userinfo["preferred_username"] == "alice" and isinstance(userinfo["updated_at"], int)
    assert userinfo["email"] == "alice@example.com" and userinfo["email_verified"] is False
    assert verify(provider, tokens["access_token"]) == 200


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_pyoidc_signs_a_confidential_first_party_client_in_with_its_secret_and_no_consent(provider):
    nonce, tokens, userinfo = pyoidc_sign_in(provider, "backend", "openid email", authn_method="client_secret_basic", consent=False)
    assert_id_token(provider, tokens, "backend", nonce)
    # Only what was asked for: email, no profile claims.
    assert userinfo["email"] == "alice@example.com" and "preferred_username" not in userinfo, userinfo.to_dict()
    # Without its secret the client is not authenticated; with client_secret_post it is.
    query, verifier = authorization(client_id="backend", scope="openid")
    back = sign_in(provider, browser(provider), query)
    refused(exchange(provider, query, back["code"], verifier), "invalid_client", status=401)
    query, verifier = authorization(client_id="backend", scope="openid")
    back = sign_in(provider, browser(provider), query)
    response = exchange(provider, query, back["code"], verifier, client_secret=provider.client_secrets["backend"])
    assert response.status_code == 200 and response.json()["id_token"], response.text


def test_an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect(provider):
    for uri in ("https://attacker.example/callback", CALLBACK + "/more", CALLBACK + "?x=1", "http://localhost:8765/callback"):
        query, _ = authorization(redirect_uri=uri)
        response = get(browser(provider), authorize_url(provider, query))
        assert response.status_code == 400 and "Location" not in response.headers, (uri, response.status_code, response.headers)
        assert response.headers["Content-Type"].startswith("text/html"), response.headers


def test_an_unknown_client_gets_an_error_page_and_never_a_redirect(provider):
    for client_id in ("nobody", ""):
        query, _ = authorization(client_id=client_id)
        response = get(browser(provider), authorize_url(provider, query))
        assert response.status_code == 400 and "Location" not in response.headers, (client_id, response.status_code, response.headers)
    query, _ = authorization(client_id=None)
    response = get(browser(provider), authorize_url(provider, query))
    assert response.status_code == 400 and "Location" not in response.headers


def assert_error_redirect(provider: Provider, query: dict, error: str) -> dict:
    back = redirected_back(get(browser(provider), authorize_url(provider, query)))
    assert back["error"] == error and back["error_description"], back
    assert back["state"] == query["state"] and back["iss"] == provider.site and "code" not in back, back
    return back


def test_an_authorization_request_without_code_challenge_is_sent_back_as_invalid_request(provider):
    query, _ = authorization(code_challenge=None, code_challenge_method=None)
    assert_error_redirect(provider, query, "invalid_request")
    query, _ = authorization(code_challenge_method=None)  # S256 must be named; plain is the RFC 7636 default
    assert_error_redirect(provider, query, "invalid_request")


def test_the_plain_code_challenge_method_is_sent_back_as_invalid_request(provider):
    verifier, _ = pkce_pair()
    query, _ = authorization(code_challenge=verifier, code_challenge_method="plain")
    assert_error_redirect(provider, query, "invalid_request")


def test_a_wrong_code_verifier_or_redirect_uri_is_invalid_grant(provider):
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, browser(provider), query)
    refused(exchange(provider, query, back["code"], pkce_pair()[0]), "invalid_grant")
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, browser(provider), query)
    refused(exchange(provider, query, back["code"], verifier, redirect_uri=CALLBACK + "/other"), "invalid_grant")
    # Without any verifier: invalid_grant (RFC 7636 §4.6) or invalid_request (a missing parameter).
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, browser(provider), query)
    response = token(provider, grant_type="authorization_code", code=back["code"], redirect_uri=CALLBACK, client_id="portal")
    assert response.status_code == 400 and response.json()["error"] in ("invalid_grant", "invalid_request"), response.text


def test_a_reused_code_is_invalid_grant_and_revokes_the_first_exchanges_tokens(provider):
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, browser(provider), query)
    first = exchange(provider, query, back["code"], verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert verify(provider, tokens["access_token"]) == 200
    refused(exchange(provider, query, back["code"], verifier), "invalid_grant")
    assert eventually(lambda: verify(provider, tokens["access_token"]), 401) == 401
    refused(token(provider, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id="portal"), "invalid_grant")


def test_a_code_is_invalid_grant_for_another_client(provider):
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, browser(provider), query)
    # shop has the same redirect URI registered: only the client differs.
    refused(exchange(provider, query, back["code"], verifier, client_id="shop"), "invalid_grant")
    refused(token(provider, auth=("backend", provider.client_secrets["backend"]), grant_type="authorization_code", code=back["code"],
                  redirect_uri=CALLBACK, code_verifier=verifier), "invalid_grant")


def test_a_login_post_without_its_csrf_token_is_forbidden(provider):
    session = browser(provider)
    page = follow(provider, session, get(session, authorize_url(provider, authorization()[0])))
    assert is_login_form(page)
    fields = Page(page.text).form("/oauth/login")["fields"]
    assert fields.get("csrf_token"), fields
    forged = {**fields, "username": "alice", "password": PASSWORD}
    del forged["csrf_token"]
    response = session.post(urljoin(page.url, "/oauth/login"), data=forged, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403 and "Location" not in response.headers, response.status_code
    response = session.post(urljoin(page.url, "/oauth/login"), data={**forged, "csrf_token": b64url(secrets.token_bytes(32))},
                            allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403 and "Location" not in response.headers, response.status_code


def test_a_login_post_without_the_browser_binding_cookie_is_forbidden(provider):
    victim = browser(provider)
    page = follow(provider, victim, get(victim, authorize_url(provider, authorization()[0])))
    assert is_login_form(page)
    assert_host_cookie(victim, "__Host-tessera_authz")
    fields = {**Page(page.text).form("/oauth/login")["fields"], "username": "alice", "password": PASSWORD}
    # The same form and token posted from a jar without the cookie, then from one with its own.
    attacker = browser(provider)
    response = attacker.post(urljoin(page.url, "/oauth/login"), data=fields, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403 and "Location" not in response.headers, response.status_code
    assert is_login_form(follow(provider, attacker, get(attacker, authorize_url(provider, authorization()[0]))))
    response = attacker.post(urljoin(page.url, "/oauth/login"), data=fields, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 403 and "Location" not in response.headers, response.status_code


def test_prompt_none_without_a_session_is_login_required(provider):
    query, _ = authorization(prompt="none")
    assert_error_redirect(provider, query, "login_required")


def test_the_login_page_headers(provider):
    session = browser(provider)
    page = follow(provider, session, get(session, authorize_url(provider, authorization()[0])))
    assert is_login_form(page)
    assert_page_headers(page)
    form = Page(page.text)
    assert form.form("/oauth/login")["fields"].get("csrf_token")
    assert form.inputs["username"].get("autocomplete") == "username" and form.inputs["username"].get("name") == "username"
    assert form.inputs["password"].get("type") == "password" and form.inputs["password"].get("autocomplete") == "current-password"
    stylesheet = get(session, provider.site + "/oauth/static/login.css")
    assert stylesheet.status_code == 200 and stylesheet.headers["Content-Type"].startswith("text/css"), stylesheet.headers


def test_a_failed_login_keeps_the_username_clears_the_password_and_names_neither(provider):
    session = browser(provider)
    query, _ = authorization(client_id="portal")
    page = follow(provider, session, get(session, authorize_url(provider, query)))
    for username, password in (("bob", "not the password of bob"), ("nobody-at-all", PASSWORD)):
        page = login(session, page, username, password)
        assert page.status_code == 401, (page.status_code, page.text[:500])
        assert_page_headers(page)
        shown = Page(page.text)
        assert [(text, attributes.get("role")) for text, attributes in shown.errors] == [(GENERIC_ERROR, "alert")], shown.errors
        assert shown.inputs["username"].get("value") == username and not shown.inputs["password"].get("value"), shown.inputs
        assert "not the password" not in page.text
    # The re-rendered form signs in (then the consent page: portal is a public loopback client).
    page = follow(provider, session, login(session, page, "bob", PASSWORD))
    assert is_consent_page(page), (page.status_code, page.text[:300])
    back = redirected_back(follow(provider, session, submit(session, page, "/oauth/consent", decision="allow")))
    assert back["state"] == query["state"] and back["code"]


def test_consent_denied_is_sent_back_as_access_denied(provider):
    # prompt=consent: alice may have consented to shop in an earlier test of this module.
    query, _ = authorization(client_id="shop", prompt="consent")
    back = sign_in(provider, browser(provider), query, decision="deny")
    assert back["error"] == "access_denied" and back["state"] == query["state"] and back["iss"] == provider.site, back
    assert "code" not in back


def test_single_sign_on_skips_the_form_and_prompt_login_asks_again(provider):
    session = browser(provider)
    sign_in(provider, session, authorization(client_id="shop")[0])
    # A confidential first-party client: neither the form nor the consent page.
    query, _ = authorization(client_id="backend")
    back = redirected_back(follow(provider, session, get(session, authorize_url(provider, query))))
    assert back["code"] and back["state"] == query["state"] and back["iss"] == provider.site, back
    # A public client on a loopback redirect URI (any local app can claim it): no form, but the
    # consent page every time, first-party or not (RFC 8252 §8.6).
    for client_id in ("shop", "portal"):
        query, _ = authorization(client_id=client_id)
        page = follow(provider, session, get(session, authorize_url(provider, query)))
        assert is_consent_page(page), (page.status_code, page.headers)
    query, _ = authorization(client_id="backend", prompt="login")
    page = follow(provider, session, get(session, authorize_url(provider, query)))
    assert is_login_form(page), (page.status_code, page.headers)
    assert redirected_back(follow(provider, session, login(session, page, "alice", PASSWORD)))["state"] == query["state"]


def test_logout_redirects_to_the_registered_uri_and_ends_the_session_and_its_tokens(provider):
    session = browser(provider)
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, session, query)
    tokens = exchange(provider, query, back["code"], verifier).json()
    assert verify(provider, tokens["access_token"]) == 200
    logout = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": RP + "/", "state": "bye"}
    back = redirected_back(get(session, f"{provider.site}/oauth/logout?{urlencode(logout)}"), RP + "/")
    assert back["state"] == "bye" and "code" not in back, back
    assert is_login_form(follow(provider, session, get(session, authorize_url(provider, authorization(client_id="portal")[0]))))
    assert eventually(lambda: verify(provider, tokens["access_token"]), 401) == 401
    refused(token(provider, grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id="portal"), "invalid_grant")


def test_logout_never_redirects_to_an_unregistered_uri(provider):
    session = browser(provider)
    query, verifier = authorization(client_id="portal")
    back = sign_in(provider, session, query)
    id_token = exchange(provider, query, back["code"], verifier).json()["id_token"]
    for uri in ("https://attacker.example/", RP + "/elsewhere", CALLBACK):
        logout = {"id_token_hint": id_token, "post_logout_redirect_uri": uri, "state": "bye"}
        response = get(session, f"{provider.site}/oauth/logout?{urlencode(logout)}")
        assert not response.headers.get("Location", "").startswith(uri), (uri, response.status_code, response.headers)
