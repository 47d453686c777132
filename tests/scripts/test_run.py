"""`make run` end to end: the real process layout starts, serves, answers, and stops on Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
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
        # A README command from a second shell (no REDIS_URL) joins the running system's private Redis.
        assert (tmp_path / "var" / "run.env").read_text().count(f"127.0.0.1:{redis_port}") == 1
        second = subprocess.run([sys.executable, "manage.py", "demo_traffic", "--inquiries", "3", "--weeks", "1"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "not reachable" not in second.stderr and "failed" not in second.stderr, second.stderr[-3000:]
    finally:
        assert stop(proc) == 0, log.read_text()[-3000:]
    assert port_free(port) and port_free(redis_port), "a child process outlived Ctrl-C"
    assert not (tmp_path / "var" / "run.env").exists()

    proc = start(env, log)
    try:
        assert wait_healthy(url, proc, timeout=60) < 30
    finally:
        stop(proc)


def post_status(url: str, headers: dict) -> int:
    req = urllib.request.Request(url, method="POST", data=b"{}",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("trusted_hops", [0, 1])
def test_web_server_lets_no_client_choose_its_address(django_db_setup, tmp_path, trusted_hops):
    """make run's web command behind nothing (0 hops) or one proxy (1): a new X-Forwarded-For per request
    does not refill the client's bucket. The throttle runs before the body is read, so `{}` spends a token."""
    from scripts.run import web_command
    from tests.conftest import child_database_url

    port = free_port()
    env = dict(os.environ, DATABASE_URL=child_database_url(), SUPPORTLOOP_RATE_CAPACITY="3",
               SUPPORTLOOP_RATE_REFILL_PER_SECOND="0.001", SUPPORTLOOP_TRUSTED_PROXY_COUNT=str(trusted_hops))
    env.pop("DATABASE_TEST_NAME", None)
    log = tmp_path / "web.log"
    proc = subprocess.Popen(web_command(host="127.0.0.1", port=port, workers="1"), cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/inquiries/"
    try:
        deadline = time.monotonic() + 60
        while port_free(port):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        # Behind one trusted proxy the proxy appends the address it saw: here always 192.0.2.7.
        spoofed = [{"X-Forwarded-For": f"10.0.{i}.1" + (", 192.0.2.7" if trusted_hops else "")} for i in range(8)]
        codes = [post_status(url, headers) for headers in spoofed]
        assert codes[:3] == [400, 400, 400] and set(codes[3:]) == {429}, codes
        if trusted_hops:  # another client behind the same proxy has a bucket of its own
            assert post_status(url, {"X-Forwarded-For": "198.51.100.9"}) == 400
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
