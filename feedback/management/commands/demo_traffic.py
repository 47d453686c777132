from django.core.management.base import CommandError

from core.connectivity import SystemCommand
from feedback.demo import demo_traffic_generate


class Command(SystemCommand):
    help = "Simulate customers: inquiries through the real classifier and their feedback, over past weeks."

    def add_arguments(self, parser):
        parser.add_argument("--inquiries", type=int, default=400)
        parser.add_argument("--weeks", type=int, default=8)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, inquiries, weeks, seed, **options):
        if not (1 <= inquiries <= 100_000 and 1 <= weeks <= 104):
            raise CommandError("--inquiries must be 1-100000 and --weeks 1-104")
        result = demo_traffic_generate(inquiries=inquiries, weeks=weeks, seed=seed)
        self.stdout.write(self.style.SUCCESS(
            f"{result.inquiries} inquiries ({result.handled} answered and resolved by agents), {result.feedback} "
            f"ratings, {result.signals} page views over {weeks} weeks"))
