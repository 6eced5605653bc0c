"""``huizong serve`` in a child process on 127.0.0.1, for the tests and the load benchmark: started, waited for until
it answers, and ended when the block ends (or, through Linux's parent-death signal, when the caller dies).
"""

from __future__ import annotations

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from huizong.config import Home


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: end when the test process ends, however it ends (Linux prctl PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@contextmanager
def running_portal(
    home: Home, port: int | None = None, timeout_s: float = 60
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``huizong serve`` on 127.0.0.1 in its own process, until the block ends (or the test process does)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).parent / "huizong"), "serve", "--home", str(home.root), "--port", str(port)]
    log = (home.root / f"serve-{port}.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        wait_until_up(url, server, timeout_s)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"huizong serve ended with {server.returncode}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"huizong serve did not answer within {timeout_s} s")
