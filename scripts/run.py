"""`make run`: the whole system in the foreground on embedded defaults; Ctrl-C stops everything.

Redis from REDIS_URL, or a private redis-server under var/redis; then migrate, collect static
files, bootstrap (roles, demo accounts, starter data, first model), and start the ASGI web
server (HTTP + websockets), a Celery worker for the default queue, one for
training (one run at a time) and Celery beat.

While it runs, var/run.env names the Redis it uses (REDIS_URL=...), so `manage.py` commands from
another shell talk to the same system (config/settings.py reads the file; the environment wins).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from redis_server import port_free, redis_start  # noqa: E402

VAR = Path(os.environ.get("SUPPORTLOOP_VAR_DIR", ROOT / "var"))
PY = sys.executable


def log(msg: str) -> None:
    print(f"[supportloop] {msg}", flush=True)


def web_command(*, host: str, port: int, workers: str) -> list[str]:
    """The web server command line of `make run` (also started by bench/serve.py).

    --no-proxy-headers: uvicorn would otherwise take the client address from X-Forwarded-For whenever the
    peer is 127.0.0.1, so anyone on this machine's loopback (or a local proxy passing the header through)
    could pick their own address. Which forwarded hops to believe is decided in one place, Django's
    SUPPORTLOOP_TRUSTED_PROXY_COUNT (core/ratelimit.py client_identity)."""
    return [PY, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port),
            "--workers", workers, "--no-access-log", "--timeout-graceful-shutdown", "10", "--no-proxy-headers"]


def run_env_write(*, path: Path, values: dict[str, str]) -> None:
    """Record the running system's connection settings for commands started from another shell."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("# written by `make run` while it runs; removed when it stops\n"
                   + "".join(f"{key}={value}\n" for key, value in values.items()))
    tmp.replace(path)


def main() -> int:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("NUMBA_CACHE_DIR", str(VAR / "cache" / "numba"))  # UMAP compiles once, not per start
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    host, port = env.get("HOST", "127.0.0.1"), int(env.get("PORT", "8000"))
    workers = env.get("WEB_WORKERS", "2")
    children: list[tuple[str, subprocess.Popen]] = []

    if not env.get("REDIS_URL"):
        redis_port = int(env.get("SUPPORTLOOP_REDIS_PORT", "6391"))
        if port_free(redis_port):
            children.append(("redis", redis_start(directory=VAR / "redis", port=redis_port)))
            log(f"started private redis-server on 127.0.0.1:{redis_port} (files in {VAR / 'redis'})")
        else:
            log(f"reusing the redis already on 127.0.0.1:{redis_port}")
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    run_env = VAR / "run.env"
    run_env_write(path=run_env, values={"REDIS_URL": env["REDIS_URL"]})

    # One process per core, each single-threaded, so ONNX/BLAS/torch do not oversubscribe 2 cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # Sync views run on one fixed thread per web process (config/asgi_handler.py): it keeps its database
    # connection instead of opening one (and SQLite reading the schema) for every request.
    env.setdefault("DATABASE_CONN_MAX_AGE", "600")
    prom = VAR / "prometheus"
    shutil.rmtree(prom, ignore_errors=True)
    prom.mkdir(parents=True, exist_ok=True)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(prom)

    def stop_all(code: int) -> int:
        run_env.unlink(missing_ok=True)
        for _name, proc in reversed(children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in reversed(children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time; killing it")
                proc.kill()
        return code

    def manage(*args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)

    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("collectstatic", "--noinput", "-v", "0")
        manage("bootstrap")
    except (subprocess.CalledProcessError, KeyboardInterrupt):
        return stop_all(1)

    worker_env = dict(env, SUPPORTLOOP_TORCH_THREADS="1")
    specs = [
        ("web", web_command(host=host, port=port, workers=workers), env),
        ("worker", [PY, "-m", "celery", "-A", "config", "worker", "-Q", "celery", "--concurrency", "1",
                    "-n", "worker@%h", "--loglevel", "INFO"], worker_env),
        # Training on its own worker: one run at a time, and a long run never holds up other jobs.
        ("trainer", [PY, "-m", "celery", "-A", "config", "worker", "-Q", "training", "--concurrency", "1",
                     "-n", "trainer@%h", "--loglevel", "INFO"], worker_env),
        ("beat", [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                  "--pidfile", str(VAR / "celerybeat.pid")], env),
    ]
    for name, args, penv in specs:
        children.append((name, subprocess.Popen(args, cwd=ROOT, env=penv)))
    log(f"serving on http://{host}:{port}/  (Ctrl-C stops everything)")

    stopping = {"flag": False}

    def on_signal(signum, frame) -> None:
        stopping["flag"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    while not stopping["flag"]:
        for name, proc in children:
            if proc.poll() is not None:
                log(f"{name} exited with {proc.returncode}; stopping everything")
                return stop_all(1)
        time.sleep(0.5)
    log("stopping...")
    return stop_all(0)


if __name__ == "__main__":
    sys.exit(main())
