"""Shared fixtures: the tessera binary, run in a private temporary directory."""
import base64
import json
import os
import subprocess
from pathlib import Path

import pytest


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tessera:
    """Runs the `tessera` binary with a key file in its own directory."""

    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self.keys = workdir / "data" / "keys.json"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
        # Tests hash with cheap costs (TESSERA_PASSWORD_SCRYPT_LN below 17): allowed only when set.
        self.env["TESSERA_PASSWORD_ALLOW_WEAK_COST"] = "true"

    def run(self, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.binary, *args],
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env={**self.env, **(env or {})},
        )

    def ok(self, *args: str, **kwargs) -> str:
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, f"{args}: exit {result.returncode}: {result.stderr}"
        return result.stdout.strip()

    def key(self, kid: str | None = None) -> tuple[str, str, bytes]:
        """(kid, alg, secret) of the active key, or of `kid`."""
        jwks = json.loads(self.keys.read_text())
        jwk = next(k for k in jwks["keys"] if k["kid"] == kid or (kid is None and k.get("state") == "active"))
        return jwk["kid"], jwk["alg"], b64url_decode(jwk["k"])


@pytest.fixture
def tessera(tmp_path: Path) -> Tessera:
    binary = os.environ.get("TESSERA_BIN")
    assert binary, "TESSERA_BIN must point at the built tessera binary (scripts/test.sh sets it)"
    return Tessera(str(Path(binary).resolve()), tmp_path)


# scripts/test.sh sets TESSERA_REQUIRE_ALL=1: there a real component that is missing (nginx,
# the throwaway PostgreSQL) fails the suite instead of skipping quietly.
REQUIRE_ALL = os.environ.get("TESSERA_REQUIRE_ALL") == "1"


def fresh_postgres_database(prefix: str) -> tuple[int, str]:
    """(port, name) of a new database on the throwaway PostgreSQL of scripts/test.sh."""
    import subprocess
    import uuid
    admin = require(os.environ.get("TESSERA_TEST_POSTGRES_URL"), "the throwaway PostgreSQL of scripts/test.sh")
    port = int(admin.rsplit(":", 1)[1].split("/")[0])
    database = prefix + uuid.uuid4().hex[:12]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-qc", f"CREATE DATABASE {database}"],
                   check=True, capture_output=True)
    return port, database


def require(found, what: str):
    """Returns `found`; if it is missing, fails under scripts/test.sh and skips elsewhere."""
    if not found:
        (pytest.fail if REQUIRE_ALL else pytest.skip)(f"{what} is missing")
    return found
