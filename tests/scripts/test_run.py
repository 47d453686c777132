"""`make run` end to end: the real process layout starts, serves, answers, and stops on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from scripts.redis_server import free_port, port_free

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        assert proc.poll() is None, "run.py exited early"
        try:
            with urllib.request.urlopen(url + "/health/?format=json", timeout=5) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not healthy within {timeout}s")


def start(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=60)


def test_run_serves_the_whole_system_and_restarts_fast(tmp_path):
    keep = {"PATH", "HOME", "LANG", "SUPPORTLOOP_CACHE_DIR", "HF_HUB_OFFLINE"}
    port, redis_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(SUPPORTLOOP_VAR_DIR=str(tmp_path / "var"), PORT=str(port), SUPPORTLOOP_REDIS_PORT=str(redis_port))
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "run.log"

    proc = start(env, log)
    try:
        wait_healthy(url, proc, timeout=300)
        req = urllib.request.Request(url + "/api/inquiries/", method="POST",
                                     data=json.dumps({"text": "My package never arrived, order 12345"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = json.loads(r.read())
            assert r.status == 201 and body["category"] == "delivery" and body["model_version"] == "v1"
        with urllib.request.urlopen(body["ticket_url"], timeout=30) as r:
            page = r.read()
            assert b"My package never arrived" in page
        for i in range(6):  # spread over both web workers; /metrics must add them up
            req = urllib.request.Request(url + "/api/inquiries/", method="POST",
                                         data=json.dumps({"text": f"Where is my order {i}?"}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=30).close()
        with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
            metrics = r.read().decode()
        total = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                    if line.startswith("supportloop_inquiries_total{"))
        assert total == 7, metrics
        credentials = json.loads((tmp_path / "var" / "demo_credentials.json").read_text())
        assert set(credentials) == {"agent", "annotator1", "annotator2", "reviewer", "admin"}
        assert "Demo accounts" in log.read_text()
    finally:
        assert stop(proc) == 0, log.read_text()[-3000:]
    assert port_free(port) and port_free(redis_port), "a child process outlived Ctrl-C"

    proc = start(env, log)
    try:
        assert wait_healthy(url, proc, timeout=60) < 30
    finally:
        stop(proc)
