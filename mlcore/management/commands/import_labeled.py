from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mlcore.services import trainingexamples_import


class Command(BaseCommand):
    help = "Import labeled texts from a CSV file as training examples."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--text-col", default="text")
        parser.add_argument("--label-col", default="category")
        parser.add_argument("--sentiment-col", default=None)
        parser.add_argument("--upset-col", default=None,
                            help="column saying whether the customer was upset: 1/0, true/false, yes/no, upset/calm")
        parser.add_argument("--upset-tag", default=None,
                            help="with --upset-col: the column holds tag letters, and this letter marks an upset "
                                 "customer (Bitext's tags column: --upset-col tags --upset-tag W)")

    def handle(self, *args, file, text_col, label_col, sentiment_col, upset_col, upset_tag, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = trainingexamples_import(path=path, text_col=text_col, label_col=label_col,
                                             sentiment_col=sentiment_col, upset_col=upset_col, upset_tag=upset_tag)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors[:20]:
            self.stderr.write(error)
        self.stdout.write(self.style.SUCCESS(f"imported {result.created}, skipped {result.skipped}"))
