"""Starts `tessera serve` on a free loopback port and stops it with SIGTERM."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, workdir: Path, env: dict, store: str | None = None, keys: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [binary, "serve", "--port", str(self.port)]
        if store:
            args += ["--store", store]
        if keys:
            args += ["--keys", str(keys)]
        self.log = open(workdir / f"serve-{self.port}.log", "w")
        self.process = subprocess.Popen(args, cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"tessera serve exited: {(workdir / f'serve-{self.port}.log').read_text()}")
                time.sleep(0.05)
        raise RuntimeError("tessera serve did not become healthy")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.log.close()
        return code
