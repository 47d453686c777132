from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from mlcore.rollout import rollout_evaluate, rollout_halt, rollout_start
from mlcore.selectors import rollout_running
from mlcore.services import PromotionError


class Command(SystemCommand):
    help = "Shadow or canary rollout of a candidate version: start, halt, evaluate now, or show the running one."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        start = sub.add_parser("start", help="start a rollout of VERSION")
        start.add_argument("version")
        start.add_argument("--mode", choices=["shadow", "canary"], required=True)
        halt = sub.add_parser("halt", help="stop the running rollout; the active version answers everything")
        halt.add_argument("--reason", default="halted by hand")
        sub.add_parser("evaluate", help="apply the canary policy now (beat does this every minute)")
        sub.add_parser("status", help="show the running rollout")

    def handle(self, *args, action, **options):
        try:
            if action == "start":
                rollout = rollout_start(version=options["version"], mode=options["mode"])
                self.stdout.write(self.style.SUCCESS(f"started: {rollout}"))
            elif action == "halt":
                self.stdout.write(self.style.SUCCESS(f"halted: {rollout_halt(reason=options['reason'])}"))
            elif action == "evaluate":
                decision = rollout_evaluate()
                self.stdout.write("no canary running" if decision is None else f"{decision.action}: {decision.reason}")
            else:
                rollout = rollout_running()
                self.stdout.write(str(rollout) if rollout else "no rollout running")
        except PromotionError as exc:
            raise CommandError(str(exc)) from exc
