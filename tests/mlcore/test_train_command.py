"""`manage.py train` runs the training pipeline in its own process: the function the training
worker's task calls, leaving a TrainingRun like any other run."""

from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from mlcore import pipeline
from mlcore.models import ModelVersion, TrainingExample, TrainingRun
from mlcore.pipeline import Promote, modelversion_train
from mlcore.services import starter_load
from mlcore.tasks import modelversion_train_task


def _spy():
    return mock.patch.object(pipeline, "trainingrun_execute", wraps=pipeline.trainingrun_execute)


def test_train_command_and_the_task_run_the_same_pipeline_function_and_leave_a_run(db):
    TrainingExample.objects.all().delete()  # the session's starter set, if loaded: the pipeline's check fails fast
    with _spy() as execute, pytest.raises(CommandError, match="at least two categories"):
        call_command("train", "--note", "nightly")
    run = TrainingRun.objects.get()
    assert run.trigger == "command" and run.reason == "nightly" and run.requested_by is None
    assert run.status == "failed" and "at least two categories" in run.error and run.attempts == 1
    execute.assert_called_once_with(run_id=run.pk, seed=0, promote=Promote.IF_NONE_ACTIVE)

    queued = TrainingRun.objects.create(trigger="manual")
    with _spy() as execute:
        assert modelversion_train_task.apply(args=(queued.pk,)).get() == "failed"
    execute.assert_called_once_with(run_id=queued.pk)


def test_train_command_refuses_while_another_run_is_open(db):
    open_run = TrainingRun.objects.create(trigger="manual")
    with pytest.raises(CommandError, match=f"training run #{open_run.pk} is queued"):
        call_command("train")
    assert list(TrainingRun.objects.values_list("pk", flat=True)) == [open_run.pk]


@pytest.mark.slow
def test_train_command_registers_a_candidate_with_metrics(active_model, capsys):
    starter_load()  # a transactional test may have emptied the table
    call_command("train")
    out = capsys.readouterr().out
    assert "[candidate]" in out
    mv = ModelVersion.objects.exclude(pk=active_model.pk).get()
    assert mv.status == "candidate" and mv.snapshot_id == active_model.snapshot_id
    assert mv.metrics["accuracy"] > 0.9 and "ece" in mv.metrics
    # Through the pipeline: a run with its snapshot, side-by-side metrics and decision, like the worker's.
    run = mv.training_run
    assert run.trigger == "command" and run.status == "succeeded" and run.stage == "done"
    assert run.snapshot_id == mv.snapshot_id and run.snapshot_path and run.metrics["active_version"] == "v1"
    assert run.decision == "kept as candidate: registered for an admin to promote"
    assert mv.note == f"training run #{run.pk} (command line): manage.py train"
    assert mv.metrics["heldout"]["n"] == run.snapshot_stats["eval"] > 0

    # The same data again is the same snapshot: no second version.
    with pytest.raises(CommandError, match=f": snapshot .* already trained by run #{run.pk}"):
        call_command("train")
    # New data, --promote: the new version is active.
    TrainingExample.objects.create(text="hello there, a calm note", sentiment="neutral", source="import")
    call_command("train", "--promote", "--note", "with one more example")
    assert "[active]" in capsys.readouterr().out
    newest = TrainingRun.objects.order_by("-id").first()
    assert newest.model_version.status == "active" and newest.decision == "promoted: asked to"


@pytest.mark.slow
def test_training_in_process_promotes_the_first_model_only_when_asked(db):
    starter_load()
    first = modelversion_train(note="first", activate_if_none=False)
    assert first.status == "candidate" and first.training_run.reason == "first"
    TrainingExample.objects.create(text="hello there, a calm note", sentiment="neutral", source="import")
    second = modelversion_train(note="second")
    assert second.status == "active" and second.training_run.decision == "promoted: no active version"
