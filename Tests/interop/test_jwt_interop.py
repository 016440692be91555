"""Tokens cross between `tessera token` and PyJWT in both directions."""
import json
import time

import jwt
import requests
import pytest


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_minted_token_verifies_in_pyjwt(tessera, alg):
    tessera.ok("keys", "generate", "--alg", alg, "--kid", f"k-{alg}")
    token = tessera.ok("token", "mint", "--sub", "alice", "--scope", "read write", "--aud", "api",
                       "--claim", "role=admin", "--claim", "level=3", "--issuer", "https://auth.example")
    kid, key_alg, secret = tessera.key()
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "typ": "at+jwt", "kid": f"k-{alg}"}
    claims = jwt.decode(token, secret, algorithms=[key_alg], audience="api", issuer="https://auth.example",
                        options={"require": ["exp", "iat", "jti", "sub", "iss", "aud"]})
    assert claims["sub"] == "alice"
    assert claims["scope"] == "read write"
    assert claims["role"] == "admin" and claims["level"] == 3
    assert claims["client_id"] == "tessera-cli"
    assert 0 < claims["exp"] - claims["iat"] <= 900


def pyjwt_token(tessera, claims: dict, headers: dict | None = None, alg: str | None = None, secret: bytes | None = None):
    kid, key_alg, key_secret = tessera.key()
    return jwt.encode(claims, secret or key_secret, algorithm=alg or key_alg,
                      headers={"typ": "at+jwt", "kid": kid, **(headers or {})})


def standard_claims(**extra):
    now = int(time.time())
    return {"iss": "http://127.0.0.1:8080", "sub": "bob", "aud": "tessera", "iat": now, "exp": now + 300,
            "jti": "j1", "client_id": "svc", **extra}


def test_pyjwt_token_verifies_in_tessera(tessera):
    tessera.ok("keys", "generate")
    token = pyjwt_token(tessera, standard_claims(scope="a b", nested={"x": [1, 2]}))
    out = json.loads(tessera.ok("token", "verify", token))
    assert out["header"]["typ"] == "at+jwt"
    assert out["claims"]["sub"] == "bob"
    assert out["claims"]["nested"] == {"x": [1, 2]}
    # The same token read from stdin.
    assert json.loads(tessera.ok("token", "verify", "-", stdin=token + "\n")) == out


@pytest.mark.parametrize("case,expected", [
    ("expired", "expired"),
    ("wrong_audience", "invalidAudience"),
    ("wrong_issuer", "invalidIssuer"),
    ("alg_none", "unsecured"),
    ("alg_swap", "algorithmMismatch"),
    ("wrong_key", "invalidSignature"),
    ("jwt_typ", "invalidType"),
])
def test_bad_pyjwt_tokens_are_rejected_with_the_failed_check(tessera, case, expected):
    tessera.ok("keys", "generate")
    now = int(time.time())
    if case == "expired":
        token = pyjwt_token(tessera, standard_claims(exp=now - 3600, iat=now - 7200))
    elif case == "wrong_audience":
        token = pyjwt_token(tessera, standard_claims(aud="someone-else"))
    elif case == "wrong_issuer":
        token = pyjwt_token(tessera, standard_claims(iss="https://evil.example"))
    elif case == "alg_none":
        token = jwt.encode(standard_claims(), None, algorithm="none", headers={"typ": "at+jwt"})
    elif case == "alg_swap":
        token = pyjwt_token(tessera, standard_claims(), alg="HS512")
    elif case == "wrong_key":
        token = pyjwt_token(tessera, standard_claims(), secret=b"x" * 32)
    else:
        token = pyjwt_token(tessera, standard_claims(), headers={"typ": "JWT"})
    result = tessera.run("token", "verify", token)
    assert result.returncode == 1
    assert result.stdout == ""
    assert expected in result.stderr
    assert token not in result.stderr, "the token must never be echoed"
    assert len(result.stderr.strip().splitlines()) == 1


def test_typ_check_can_be_changed_or_skipped(tessera):
    tessera.ok("keys", "generate")
    token = pyjwt_token(tessera, standard_claims(), headers={"typ": "JWT"})
    tessera.ok("token", "verify", token, "--typ", "JWT")
    tessera.ok("token", "verify", token, "--no-typ-check")


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA", "RS256", "PS256"])
def test_asymmetric_tokens_verify_in_pyjwt_from_the_live_jwks(tessera, alg):
    """PyJWT (with cryptography) fetches the published JWK Set with PyJWKClient and verifies a
    token the server issued: no secret is shared. The JWK Set has the public key only."""
    from server import Server
    tessera.ok("keys", "generate", "--alg", alg, "--kid", f"k-{alg}")
    assert tessera.run("user", "add", "alice", stdin="a long enough password\n", env={"TESSERA_PASSWORD_SCRYPT_LN": "8"}).returncode == 0
    tessera.ok("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "read")
    running = Server(tessera.binary, tessera.workdir, {**tessera.env, "TESSERA_PASSWORD_SCRYPT_LN": "8"})
    try:
        token = requests.post(running.url + "/oauth/token", data={"grant_type": "password", "client_id": "web", "username": "alice",
                                                                 "password": "a long enough password"}, timeout=30).json()["access_token"]
        published = requests.get(running.url + "/.well-known/jwks.json", timeout=10).json()
        assert [k["kid"] for k in published["keys"]] == [f"k-{alg}"]
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(published["keys"][0])
        signing_key = jwt.PyJWKClient(running.url + "/.well-known/jwks.json").get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=[alg], audience="tessera", issuer="http://127.0.0.1:8080")
        assert claims["client_id"] == "web" and jwt.get_unverified_header(token)["alg"] == alg
        # joserfc, a second implementation, from the same JWK Set.
        from joserfc import jwt as joserfc_jwt
        from joserfc.errors import BadSignatureError
        from joserfc.jwk import KeySet
        keys = KeySet.import_key_set(published)
        assert joserfc_jwt.decode(token, keys, algorithms=[alg]).claims["client_id"] == "web"
        header, payload, signature = token.split(".")
        forged = header + "." + jwt.utils.base64url_encode(json.dumps({**claims, "sub": "root"}).encode()).decode() + "." + signature
        with pytest.raises(BadSignatureError):
            joserfc_jwt.decode(forged, keys, algorithms=[alg])
    finally:
        assert running.stop() == 0


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256", "PS256"])
def test_pyjwt_asymmetric_token_verifies_with_the_public_key_imported(tessera, alg):
    """A token PyJWT signs with its own private key verifies in Tessera once the public JWK is in
    the ring; the same claims signed by another key do not."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    private = {"ES256": lambda: ec.generate_private_key(ec.SECP256R1()), "EdDSA": ed25519.Ed25519PrivateKey.generate,
               "RS256": lambda: rsa.generate_private_key(65537, 2048), "PS256": lambda: rsa.generate_private_key(65537, 2048)}[alg]()
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(private.public_key()))
    tessera.keys.parent.mkdir(parents=True, exist_ok=True)
    tessera.keys.write_text(json.dumps({"keys": [{**jwk, "kid": "ext", "alg": alg, "use": "sig"}]}))
    tessera.keys.chmod(0o600)
    token = jwt.encode(standard_claims(), private, algorithm=alg, headers={"typ": "at+jwt", "kid": "ext"})
    assert json.loads(tessera.ok("token", "verify", token))["claims"]["sub"] == "bob"
    other = {"ES256": lambda: ec.generate_private_key(ec.SECP256R1()), "EdDSA": ed25519.Ed25519PrivateKey.generate,
             "RS256": lambda: rsa.generate_private_key(65537, 2048), "PS256": lambda: rsa.generate_private_key(65537, 2048)}[alg]()
    forged = jwt.encode(standard_claims(), other, algorithm=alg, headers={"typ": "at+jwt", "kid": "ext"})
    assert tessera.run("token", "verify", forged).returncode == 1
