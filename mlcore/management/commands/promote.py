from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from mlcore.services import PromotionError, modelversion_promote


class Command(SystemCommand):
    help = "Make VERSION the active model version."

    def add_arguments(self, parser):
        parser.add_argument("version")

    def handle(self, *args, version, **options):
        try:
            mv = modelversion_promote(version=version)
        except PromotionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{mv.version} is active (promoted at {mv.promoted_at.isoformat()})"))
