"""Key management through the real CLI: states, the publish-ahead rule, PEM import, public export."""
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def test_rotation_waits_for_the_publish_ahead_time_unless_forced(tessera):
    assert tessera.ok("keys", "generate", "--alg", "ES256", "--kid", "a").strip() == "a"
    added = tessera.run("keys", "generate", "--alg", "ES256", "--kid", "b")
    assert added.returncode == 0 and "(next;" in added.stderr
    early = tessera.run("keys", "rotate")
    assert early.returncode == 2 and "keys.publish_ahead_seconds (600 s)" in early.stderr, early.stderr
    states = lambda: {line.split("\t")[0]: line.split("\t")[2] for line in tessera.ok("keys", "list").splitlines()}
    assert states() == {"a": "active", "b": "next"}
    forced = tessera.run("keys", "rotate", "--force")
    assert forced.returncode == 0 and forced.stdout.strip() == "b" and "warning" in forced.stderr
    assert states() == {"a": "previous", "b": "active"}
    tessera.ok("keys", "generate", "--alg", "ES256", "--kid", "c")
    assert tessera.run("keys", "rotate", env={"TESSERA_KEYS_PUBLISH_AHEAD_SECONDS": "0"}).stdout.strip() == "c"
    assert tessera.run("keys", "retire", "c").returncode == 2, "the active key cannot be retired"
    assert tessera.run("keys", "retire", "a").returncode == 0
    assert states() == {"b": "previous", "c": "active"}


def test_pem_import_and_public_export(tessera):
    tessera.ok("keys", "generate", "--alg", "HS256", "--kid", "h")
    private = ec.generate_private_key(ec.SECP256R1())
    pem = tessera.workdir / "key.pem"
    pem.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    public = tessera.workdir / "public.pem"
    public.write_bytes(rsa.generate_private_key(65537, 2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert tessera.ok("keys", "import", str(pem), "--alg", "ES256", "--kid", "imported").strip() == "imported"
    verify_only = tessera.run("keys", "import", str(public), "--alg", "RS256", "--kid", "theirs")
    assert verify_only.returncode == 0 and "verify-only" in verify_only.stderr
    wrong = tessera.run("keys", "import", str(pem), "--alg", "RS256", "--kid", "x")
    assert wrong.returncode == 2 and "RS256 needs" in wrong.stderr, wrong.stderr
    assert tessera.run("keys", "import", str(pem), "--alg", "HS256").returncode == 2
    assert tessera.run("keys", "import", str(tessera.workdir / "missing.pem"), "--alg", "ES256").returncode == 2
    exported = json.loads(tessera.ok("keys", "export", "--public"))
    assert [k["kid"] for k in exported["keys"]] == ["imported"], "another party's public key is never published"
    assert all(not {"d", "p", "q", "k"} & set(k) for k in exported["keys"])
    numbers = private.public_key().public_numbers()
    assert exported["keys"][0]["x"] == __import__("jwt").utils.base64url_encode(numbers.x.to_bytes(32, "big")).decode()
    assert tessera.run("keys", "export").returncode == 2


def test_keys_list_counts_verifications_per_key(tessera):
    """Every verification counts for its kid; serve adds the counts to the store (every 30 s and
    at shutdown), where `keys list` shows them with the last use."""
    import requests
    from server import Server
    tessera.ok("keys", "generate", "--alg", "ES256", "--kid", "old")
    fast = {"TESSERA_PASSWORD_SCRYPT_LN": "8"}
    assert tessera.run("user", "add", "alice", stdin="a long enough password\n", env=fast).returncode == 0
    tessera.ok("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token")
    running = Server(tessera.binary, tessera.workdir, {**tessera.env, **fast})
    try:
        token = requests.post(running.url + "/v1/login", json={"username": "alice", "password": "a long enough password", "client_id": "web"},
                              timeout=30).json()["access_token"]
        for _ in range(3):
            assert requests.get(running.url + "/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
        assert requests.get(running.url + "/v1/verify", headers={"Authorization": f"Bearer {token}x"}, timeout=10).status_code == 401
    finally:
        assert running.stop() == 0
    tessera.ok("keys", "generate", "--alg", "ES256", "--kid", "new")
    rows = {line.split("\t")[0]: line.split("\t") for line in tessera.ok("keys", "list").splitlines()}
    assert rows["old"][4] == "3" and rows["old"][5] != "never", rows
    assert rows["new"][4:] == ["0", "never"]
