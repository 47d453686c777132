import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def dialogs(page):
    """Every JavaScript dialog the page opens (an executed XSS payload would open one)."""
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """The real ASGI app (HTTP + websockets) under uvicorn, on the test database and Redis."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from scripts.redis_server import free_port
    from tests.conftest import child_database_url

    url = child_database_url()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, WHITENOISE_USE_FINDERS="true", DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("DATABASE_TEST_NAME", None)
    log = Path(os.environ["SUPPORTLOOP_VAR_DIR"]) / "asgi.log"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "5"],
                            cwd=root, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # Seen under load: a live socket's consumer still in the channel layer's blocking read when the
        # server stops (see tests/supportdesk/test_consumers.py). The test itself is over; the server
        # must not outlive it.
        proc.kill()
        proc.wait(timeout=20)


@pytest.fixture
def login():
    def do(page, base: str, username: str, password: str = "correct horse battery staple") -> None:
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return do
