"""Key changes reach a running `tessera serve`: a retired key stops verifying within 5 s (the key
file is watched) and at once on SIGHUP; a bad key file is refused and the ring in use kept."""
import os
import signal
import time

import requests
from server import Server


def test_retired_keys_stop_verifying_in_a_running_server(tessera):
    tessera.ok("keys", "generate", "--kid", "k1")
    tessera.ok("keys", "generate", "--kid", "k2")
    first = tessera.ok("token", "mint", "--sub", "a", "--aud", "tessera")
    server = Server(tessera.binary, tessera.workdir, tessera.env)
    verify = lambda token: requests.get(server.url + "/v1/verify", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code
    try:
        assert verify(first) == 200
        # Rotate and retire k1 with the CLI: the watcher picks it up within 5 s.
        assert tessera.ok("keys", "rotate") == "k2"
        second = tessera.ok("token", "mint", "--sub", "a", "--aud", "tessera")
        tessera.ok("keys", "retire", "k1")
        deadline = time.monotonic() + 7
        while verify(first) == 200:
            assert time.monotonic() < deadline, "a retired key still verifies 7 s later"
            time.sleep(0.2)
        assert verify(second) == 200
        # A key file the server must not trust (group-readable) is refused; the ring in use stays.
        # chmod leaves the contents alone, so only SIGHUP (not the watcher) makes it look again.
        os.chmod(tessera.keys, 0o644)
        server.process.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert verify(second) == 200
        assert "key ring reload failed" in (tessera.workdir / f"serve-{server.port}.log").read_text()
        os.chmod(tessera.keys, 0o600)
        # SIGHUP reloads at once: k2, retired after k3 takes over, stops verifying.
        tessera.ok("keys", "generate", "--kid", "k3")
        assert tessera.ok("keys", "rotate") == "k3"
        tessera.ok("keys", "retire", "k2")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 2
        while verify(second) == 200:
            assert time.monotonic() < deadline, "SIGHUP did not reload the key ring"
            time.sleep(0.05)
        assert server.process.poll() is None, "SIGHUP must not stop the server"
    finally:
        assert server.stop() == 0
