"""Lockout attacks against the real binary from 20 loopback source addresses: the owner keeps
logging in from an address they used before, while a new address is held back."""
import subprocess
import time

from server import Server

PASSWORD = "the owner's password"


def login(server: Server, source: str, password: str) -> str:
    return subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--interface", source, server.url + "/oauth/token",
         "-d", "grant_type=password", "-d", "client_id=web", "-d", "username=owner", "--data-urlencode", f"password={password}"],
        capture_output=True, text=True, timeout=30).stdout


def guess(server: Server, source: str) -> tuple[str, int]:
    """A wrong password from `source`: the status, and Retry-After (0 when absent)."""
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %header{retry-after}", "--interface", source, server.url + "/oauth/token",
         "-d", "grant_type=password", "-d", "client_id=web", "-d", "username=owner", "-d", "password=guess"],
        capture_output=True, text=True, timeout=30).stdout.split()
    return out[0], int(out[1]) if len(out) > 1 else 0


def test_twenty_attacking_addresses_cannot_lock_the_owner_out(tessera):
    fast = {"TESSERA_PASSWORD_SCRYPT_LN": "8"}
    assert tessera.run("user", "add", "owner", stdin=PASSWORD + "\n", env=fast).returncode == 0
    assert tessera.run("client", "add", "web", "--public", "--grant", "password", "--grant", "refresh_token").returncode == 0
    server = Server(tessera.binary, tessera.workdir, {**tessera.env, **fast})
    try:
        assert login(server, "127.0.0.2", PASSWORD) == "200"  # the owner, from home
        time.sleep(1.1)  # failures count from the second after the owner's last success
        attacks = [login(server, f"127.0.0.{10 + attacker}", "guess") for attacker in range(20) for _ in range(5)]
        # 100 wrong passwords: the account-wide limit (50) is reached and later ones wait (the
        # waits double from 1 s, so a few more may be counted in between).
        assert attacks.count("400") >= 50 and attacks.count("429") >= 10, attacks
        # However long the 100 took on a loaded machine, put the account inside a wait of at least
        # two seconds right before the check: guesses from fresh addresses (no per-address or
        # per-pair count) until one is counted (which starts a wait of 2 s or more past the free
        # 50) or is refused with at least 2 s left.
        for fresh in range(40, 60):
            status, retry_after = guess(server, f"127.0.0.{fresh}")
            if status == "400" or (status == "429" and retry_after >= 2):
                break
        else:
            raise AssertionError("the account never entered a wait of 2 s or more")
        assert login(server, "127.0.0.3", PASSWORD) == "429"  # a new address waits…
        assert login(server, "127.0.0.2", PASSWORD) == "200"  # …the owner's known one does not
    finally:
        assert server.stop() == 0
