import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = run_check({
        "DJANGO_SECURE": "true",
        "DJANGO_SECRET_KEY": "x7-" + "k3J9vQ2mZ8pL5tR1wY4nB6cD0fH" * 2,
        "DJANGO_ALLOWED_HOSTS": "support.example.com",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start():
    result = run_check({"DJANGO_SECURE": "true"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_debug_is_off_by_default():
    from django.conf import settings

    assert settings.DEBUG is False


def settings_value(name: str, *, env: dict) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_commands_find_the_redis_a_running_make_run_recorded(tmp_path):
    from scripts.run import run_env_write

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SUPPORTLOOP_VAR_DIR=str(tmp_path))
    assert settings_value("REDIS_URL", env=env) == "redis://127.0.0.1:6379/0"  # nothing running: Redis' default

    run_env_write(path=tmp_path / "run.env", values={"REDIS_URL": "redis://127.0.0.1:6391/0"})
    assert settings_value("REDIS_URL", env=env) == "redis://127.0.0.1:6391/0"
    assert settings_value("CELERY_BROKER_URL", env=env) == "redis://127.0.0.1:6391/0"
    # The environment still wins.
    assert settings_value("REDIS_URL", env=dict(env, REDIS_URL="redis://cache.internal:6379/2")) == (
        "redis://cache.internal:6379/2")
