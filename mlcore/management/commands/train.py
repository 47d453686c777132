from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from mlcore.pipeline import modelversion_train
from mlcore.services import PromotionError, TrainingError


class Command(SystemCommand):
    help = ("Train a model version on the current training data here, as the training worker would (a training "
            "run); --promote activates it.")

    def add_arguments(self, parser):
        parser.add_argument("--promote", action="store_true")
        parser.add_argument("--note", default="")

    def handle(self, *args, promote, note, **options):
        try:
            mv = modelversion_train(note=note or "manage.py train", promote=promote)
        except (TrainingError, PromotionError) as exc:
            raise CommandError(str(exc)) from exc
        m = mv.metrics
        self.stdout.write(self.style.SUCCESS(
            f"{mv.version} [{mv.status}] accuracy={m.get('accuracy', 0):.3f} macro_f1={m.get('macro_f1', 0):.3f} "
            f"ece={m.get('ece', 0):.3f} thresholds={mv.thresholds} snapshot={mv.snapshot_id}"))
