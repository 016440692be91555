"""Exit codes, files and messages of the `tessera` CLI, as an operator meets them."""
import json
import os
import stat

import pytest


def test_keys_file_is_private_and_listing_never_shows_secrets(tessera):
    kid = tessera.ok("keys", "generate", "--kid", "first")
    assert kid == "first"
    assert stat.S_IMODE(os.stat(tessera.keys).st_mode) == 0o600
    _, _, secret = tessera.key()
    listing = tessera.ok("keys", "list")
    assert listing.split("\t")[:3] == ["first", "HS256", "active"]
    assert json.loads(tessera.keys.read_text())["keys"][0]["k"] not in listing


def test_rotation_keeps_old_tokens_valid_and_signs_with_the_new_key(tessera):
    tessera.ok("keys", "generate", "--kid", "old")
    old_token = tessera.ok("token", "mint", "--sub", "a")
    tessera.ok("keys", "generate", "--kid", "new", "--alg", "HS512")
    assert "old\tHS256\tactive" in tessera.ok("keys", "list")
    assert tessera.ok("keys", "rotate") == "new"
    new_token = tessera.ok("token", "mint", "--sub", "a")
    assert json.loads(tessera.ok("token", "verify", new_token))["header"]["kid"] == "new"
    assert json.loads(tessera.ok("token", "verify", old_token))["header"]["kid"] == "old"
    assert tessera.run("keys", "retire", "new").returncode == 2
    tessera.ok("keys", "retire", "old")
    assert "unknownKey" in tessera.run("token", "verify", old_token).stderr


def test_a_group_readable_key_file_is_refused(tessera):
    tessera.ok("keys", "generate")
    os.chmod(tessera.keys, 0o644)
    for args in (["keys", "list"], ["keys", "generate"], ["token", "mint", "--sub", "a"]):
        result = tessera.run(*args)
        assert result.returncode == 2, args
        assert "chmod 600" in result.stderr


def test_usage_and_configuration_errors_exit_2(tessera):
    assert tessera.run("token", "mint", "--sub", "a").returncode == 2  # no key ring yet
    tessera.ok("keys", "generate")
    cases = [
        ["token", "mint"],
        ["token", "mint", "--sub", "a", "--claim", "exp=1"],
        ["token", "mint", "--sub", "a", "--claim", "noequals"],
        ["token", "mint", "--sub", "a", "--ttl", "2d"],
        ["token", "mint", "--sub", "a", "--ttl", "-5"],
        ["token", "mint", "--sub", "a", "--kid", "missing"],
        ["token", "verify"],
        ["token", "verify", "x", "--typ", "JWT", "--no-typ-check"],
        ["token", "verify", "x", "--leeway", "100000"],
        ["keys", "generate", "--alg", "ES512"],
        ["token", "mint", "--sub", "a", "--config", "missing.json"],
        ["no-such-command"],
    ]
    for args in cases:
        result = tessera.run(*args)
        assert result.returncode == 2, f"{args}: {result.returncode} {result.stderr}"
        assert result.stderr.strip(), args
    bad_env = tessera.run("token", "mint", "--sub", "a", env={"TESSERA_TOKEN_TTL_SECONDS": "soon"})
    assert bad_env.returncode == 2


def test_help_exits_0(tessera):
    result = tessera.run("--help")
    assert result.returncode == 0 and "Exit codes" in result.stdout


def test_config_file_and_environment_precedence(tessera):
    tessera.ok("keys", "generate")
    (tessera.workdir / "Config").mkdir()
    (tessera.workdir / "Config" / "tessera.json").write_text(json.dumps(
        {"issuer": "https://from-file", "token": {"audience": ["file-aud"], "ttl_seconds": 60}}))
    claims = json.loads(tessera.ok("token", "verify", tessera.ok("token", "mint", "--sub", "a")))["claims"]
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == ("https://from-file", "file-aud", 60)
    env = {"TESSERA_ISSUER": "https://from-env"}
    claims = json.loads(tessera.ok("token", "verify", tessera.ok("token", "mint", "--sub", "a", env=env), env=env))["claims"]
    assert claims["iss"] == "https://from-env"
    claims = json.loads(tessera.ok("token", "verify", tessera.ok("token", "mint", "--sub", "a", "--issuer", "https://flag", env=env),
                                   "--issuer", "https://flag"))["claims"]
    assert claims["iss"] == "https://flag"


def test_inline_jwks_from_the_environment_beats_the_key_file_and_the_flag_beats_both(tessera):
    tessera.ok("keys", "generate", "--kid", "envkey")
    env = {"TESSERA_KEYS_JWKS": tessera.keys.read_text()}
    tessera.keys.unlink()
    tessera.ok("keys", "generate", "--kid", "filekey")  # the key file exists beside the environment's set
    token = tessera.ok("token", "mint", "--sub", "a", env=env)
    assert json.loads(tessera.ok("token", "verify", token, env=env))["header"]["kid"] == "envkey"
    assert json.loads(tessera.ok("token", "verify", tessera.ok("token", "mint", "--sub", "a")))["header"]["kid"] == "filekey"
    flagged = tessera.ok("token", "mint", "--sub", "a", "--keys", str(tessera.keys), env=env)
    assert json.loads(tessera.ok("token", "verify", flagged, "--keys", str(tessera.keys), env=env))["header"]["kid"] == "filekey"


def test_decode_warns_that_nothing_was_verified(tessera):
    tessera.ok("keys", "generate")
    token = tessera.ok("token", "mint", "--sub", "carol")
    result = tessera.run("token", "decode", token[:-5] + "AAAAA")
    assert result.returncode == 0
    assert json.loads(result.stdout)["claims"]["sub"] == "carol"
    assert "NOT verified" in result.stderr
    assert tessera.run("token", "decode", "not-a-token").returncode == 1


def test_secrets_in_the_config_file_are_refused(tessera):
    tessera.ok("keys", "generate")
    for section, key in (("keys", "jwks"), ("database", "password")):
        config = tessera.workdir / f"secret-{key}.json"
        config.write_text(json.dumps({section: {key: "not-a-place-for-secrets"}}))
        result = tessera.run("token", "mint", "--sub", "a", "--config", str(config))
        assert result.returncode == 2, result.stderr
        assert f"{section}.{key} is a secret" in result.stderr
        assert "not-a-place-for-secrets" not in result.stderr
    config = tessera.workdir / "store-password.json"
    config.write_text(json.dumps({"store": "postgres://tessera:not-a-place-for-secrets@127.0.0.1:1/tessera"}))
    result = tessera.run("user", "list", "--config", str(config))
    assert result.returncode == 2 and "carries a password" in result.stderr
    assert "not-a-place-for-secrets" not in result.stderr


PROFILE_REFUSALS = {
    **{f"no {name}": {name: None} for name in ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")},
    "aud 1": {"aud": 1}, "aud []": {"aud": []}, "aud *": {"aud": "*"}, "aud without ours": {"aud": ["other"]},
    "sub empty": {"sub": ""}, "sub with LF": {"sub": "a\nb"}, "sub with NUL": {"sub": "a\u0000b"}, "client_id with CR": {"client_id": "c\r"},
    "exp - iat over max_ttl": {"exp": "+86401"}, "exp in the year 10000": {"exp": 253402300800}, "exp 1e308": {"exp": 1e308},
    "iat in the future": {"iat": "+120"},
}


@pytest.mark.parametrize("case", sorted(PROFILE_REFUSALS))
def test_token_verify_holds_the_access_token_profile(tessera, case):
    """`tessera token verify` checks what the server checks (RFC 9068 §2.2); `--profile jwt`
    checks plain RFC 7519 for tokens from other issuers."""
    import time
    import jwt
    tessera.ok("keys", "generate", "--kid", "k")
    kid, alg, secret = tessera.key()
    now = int(time.time())
    claims = {"iss": "http://127.0.0.1:8080", "sub": "s", "aud": "tessera", "client_id": "c", "iat": now, "exp": now + 60, "jti": "j"}
    for name, value in PROFILE_REFUSALS[case].items():
        if value is None:
            claims.pop(name)
        elif isinstance(value, str) and value.startswith("+"):
            claims[name] = now + int(value[1:])
        else:
            claims[name] = value
    sign = lambda body: jwt.encode(body, secret, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})
    good = sign({"iss": "http://127.0.0.1:8080", "sub": "s", "aud": "tessera", "client_id": "c", "iat": now, "exp": now + 60, "jti": "j"})
    assert tessera.run("token", "verify", good).returncode == 0
    refused = tessera.run("token", "verify", sign(claims))
    assert refused.returncode == 1 and "invalid token" in refused.stderr, (case, refused.stderr)
    if case in ("no client_id", "no jti", "no sub"):
        assert tessera.run("token", "verify", "--profile", "jwt", sign(claims)).returncode == 0
