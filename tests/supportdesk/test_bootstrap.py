"""`manage.py bootstrap` trains the first model through the training pipeline, as a run of its own."""

from unittest import mock

import pytest
from django.core.management import call_command

from mlcore import pipeline
from mlcore.models import ModelVersion, TrainingRun


@pytest.mark.slow
def test_bootstrap_trains_and_promotes_the_first_model_through_the_pipeline(db, capsys):
    with mock.patch.object(pipeline, "trainingrun_execute", wraps=pipeline.trainingrun_execute) as execute:
        call_command("bootstrap", "--no-demo-accounts")
    assert "Model v1 active" in capsys.readouterr().out
    run = TrainingRun.objects.get()
    execute.assert_called_once_with(run_id=run.pk, seed=0, promote=pipeline.Promote.IF_NONE_ACTIVE)
    assert run.trigger == "bootstrap" and run.status == "succeeded" and run.snapshot_path
    assert run.model_version.version == "v1" and run.decision == "promoted: no active version"
    assert ModelVersion.objects.get().status == "active"

    call_command("bootstrap", "--no-demo-accounts")
    assert "Active model: v1" in capsys.readouterr().out
    assert TrainingRun.objects.count() == 1


def test_bootstrap_leaves_an_open_run_to_the_training_worker(db, capsys):
    queued = TrainingRun.objects.create(trigger="manual")
    call_command("bootstrap", "--no-demo-accounts")
    assert f"training run #{queued.pk} is queued" in capsys.readouterr().out
    assert list(TrainingRun.objects.values_list("pk", flat=True)) == [queued.pk]
    assert not ModelVersion.objects.exists()
