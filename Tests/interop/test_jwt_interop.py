"""Tokens cross between `tessera token` and PyJWT in both directions."""
import json
import time

import jwt
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
