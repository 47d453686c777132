from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mlcore.categories import category_guides_starter_load
from mlcore.pipeline import TrainingBusy
from mlcore.selectors import modelversion_active
from mlcore.services import TrainingError, starter_load
from supportdesk.bootstrap import demo_accounts_ensure, modelversion_first_train, roles_ensure
from supportdesk.selectors import escalation_policy_get
from supportdesk.services import faq_starter_load


class Command(BaseCommand):
    help = "Create roles and demo accounts, load starter data and FAQ, train a model if none is active."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo-accounts", action="store_true")

    def handle(self, *args, **options):
        roles_ensure()
        escalation_policy_get()
        if not options["no_demo_accounts"]:
            path = Path(settings.VAR_DIR) / "demo_credentials.json"
            first_run = not path.exists()
            accounts = demo_accounts_ensure(credentials_file=path)
            if first_run:
                self.stdout.write(f"Demo accounts (kept in {path}):")
                for user, password in accounts.items():
                    self.stdout.write(f"  {user:<12} {password}")
            else:
                self.stdout.write(f"Demo accounts: see {path}")
        added = starter_load()
        self.stdout.write(f"Starter set: {added} new examples")
        category_guides_starter_load()
        faq_starter_load()
        if modelversion_active() is None:
            self.stdout.write("No active model: training the first one...")
            try:
                mv = modelversion_first_train()
            except TrainingBusy as exc:  # an open run is the training worker's, which make run starts next
                self.stdout.write(f"{exc}: the training worker will train the first model")
                return
            except TrainingError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(
                f"Model {mv.version} active (accuracy {mv.metrics.get('accuracy', 0):.3f} on held-out starter data)"))
        else:
            self.stdout.write(f"Active model: {modelversion_active().version}")
