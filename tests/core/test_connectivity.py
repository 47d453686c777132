import io

from django.core.management import call_command
from django.test import override_settings

from core.connectivity import SystemCommand, redis_unreachable_warning
from scripts.redis_server import free_port


def test_no_warning_while_redis_answers():
    assert redis_unreachable_warning() is None


def test_an_unreachable_redis_is_named_with_what_to_do():
    url = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(REDIS_URL=url):
        warning = redis_unreachable_warning(timeout=0.5)
    assert warning is not None
    assert url in warning and "REDIS_URL" in warning and "make run" in warning


class Echo(SystemCommand):
    def handle(self, *args, **options):
        self.stdout.write("done")


def test_a_system_command_warns_and_still_does_its_work():
    out, err = io.StringIO(), io.StringIO()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        call_command(Echo(), stdout=out, stderr=err)
    assert out.getvalue().strip() == "done"
    assert "is not reachable" in err.getvalue()

    out, err = io.StringIO(), io.StringIO()
    call_command(Echo(), stdout=out, stderr=err)
    assert out.getvalue().strip() == "done" and err.getvalue() == ""
