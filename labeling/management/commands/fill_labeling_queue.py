from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from labeling.services import LabelingError, labelingbatch_create


class Command(SystemCommand):
    help = "Select a batch for labeling now with the configured (or given) active-learning strategy."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int)
        parser.add_argument("--strategy")

    def handle(self, *args, size=None, strategy=None, **options):
        try:
            batch = labelingbatch_create(trigger="manual", size=size, strategy=strategy)
        except LabelingError as exc:
            raise CommandError(str(exc)) from exc
        if batch is None:
            self.stdout.write("nothing selected: the pool is empty or another fill is running")
        else:
            self.stdout.write(f"batch {batch.pk}: {batch.items.count()} items by {batch.strategy}")
