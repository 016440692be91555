"""Examples/VerifyWithJWKS, a Swift resource server holding no secret, verifies tokens of a live
`tessera serve` from its public JWKS."""
import json
import os
import subprocess

import requests

from server import Server


def test_a_swift_service_verifies_tessera_tokens_from_the_jwks(tessera):
    example = os.path.join(os.path.dirname(tessera.binary), "VerifyWithJWKS")
    assert os.path.exists(example), "swift build builds Examples/VerifyWithJWKS beside tessera"
    tessera.ok("keys", "generate", "--alg", "ES256", "--kid", "es")
    fast = {"TESSERA_PASSWORD_SCRYPT_LN": "8"}
    assert tessera.run("user", "add", "alice", stdin="a long enough password\n", env=fast).returncode == 0
    tessera.ok("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token", "--scope", "read")
    running = Server(tessera.binary, tessera.workdir, {**tessera.env, **fast})
    try:
        metadata = requests.get(running.url + "/.well-known/oauth-authorization-server", timeout=10).json()
        jwks_uri = metadata["jwks_uri"].replace("http://127.0.0.1:8080", running.url)  # the default issuer names port 8080
        token = requests.post(running.url + "/v1/login", json={"username": "alice", "password": "a long enough password", "client_id": "web"},
                              timeout=30).json()["access_token"]
        verify = lambda t, audience="tessera": subprocess.run([example, jwks_uri, metadata["issuer"], audience], input=t + "\n",
                                                              capture_output=True, text=True, timeout=60)
        ok = verify(token)
        assert ok.returncode == 0 and json.loads(ok.stdout)["client_id"] == "web", ok.stderr
        assert verify(token[:-4] + "AAAA").returncode == 1
        assert verify(token, audience="billing").returncode == 1
    finally:
        assert running.stop() == 0
