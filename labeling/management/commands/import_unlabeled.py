import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from labeling.services import pooltexts_import


class Command(BaseCommand):
    help = "Add unlabeled texts from a CSV file to the labeling pool (SPEC §5.1)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--text-col", default="text")
        parser.add_argument("--source", default="")

    def handle(self, *args, file: Path, text_col: str, source: str, **options):
        try:
            with open(file, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                if text_col not in (reader.fieldnames or []):
                    raise CommandError(f"no column {text_col!r}; found {reader.fieldnames}")
                texts = [row[text_col] for row in reader]
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        added = pooltexts_import(texts=texts, source=source or file.name)
        self.stdout.write(f"added {added} of {len(texts)} texts to the labeling pool")
