from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from mlcore.services import PromotionError, modelversion_rollback


class Command(SystemCommand):
    help = "Re-activate the previously active model version."

    def handle(self, *args, **options):
        try:
            mv = modelversion_rollback()
        except PromotionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"rolled back: {mv.version} is active (promoted at {mv.promoted_at.isoformat()})"))
