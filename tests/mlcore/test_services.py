import pytest
from django.core.management import CommandError, call_command

from mlcore.models import ModelVersion, TrainingExample
from mlcore.selectors import trainingexample_category_rows
from mlcore.services import PromotionError, modelversion_promote, modelversion_rollback
from mlcore.serving import ModelUnavailable, predictor_active, serving_reset


def test_import_labeled_keeps_good_rows_and_reports_bad_ones(db, tmp_path, capsys):
    f = tmp_path / "labels.csv"
    rows = ["body,label", "where is my parcel,delivery", ",refund", "send me the invoice,INVOICE",
            "x" * 5001 + ",order"]
    f.write_text("\n".join(rows) + "\n")
    call_command("import_labeled", str(f), "--text-col", "body", "--label-col", "label")
    out = capsys.readouterr()
    assert "imported 2" in out.out
    assert "line 3" in out.err and "line 5" in out.err
    imported = TrainingExample.objects.filter(source="import")
    assert set(imported.values_list("category", flat=True)) == {"delivery", "invoice"}
    call_command("import_labeled", str(f), "--text-col", "body", "--label-col", "label")
    assert imported.count() == 2  # idempotent


def test_import_labeled_names_missing_columns(db, tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("text,category\nhello,contact\n")
    with pytest.raises(CommandError, match="label"):
        call_command("import_labeled", str(f), "--label-col", "label")


def test_import_labeled_reads_upset_labels_as_flags_or_tag_letters(db, tmp_path, capsys):
    from mlcore.selectors import trainingexample_upset_set

    flags = tmp_path / "flags.csv"
    flags.write_text("text,category,angry\nwhere is my damn parcel,delivery,yes\nsend the invoice,invoice,0\n"
                     "hello,contact,maybe\n")
    call_command("import_labeled", str(flags), "--upset-col", "angry")
    assert "line 4: upset must be one of" in capsys.readouterr().err
    tags = tmp_path / "tags.csv"
    tags.write_text("text,category,tags\nfix the goddamn address,shipping_address,BLW\n"
                    "fix my address,shipping_address,BL\n")
    call_command("import_labeled", str(tags), "--upset-col", "tags", "--upset-tag", "W")
    got = dict(trainingexample_upset_set())
    assert got["where is my damn parcel"] is True and got["send the invoice"] is False
    assert got["fix the goddamn address"] is True and got["fix my address"] is False
    assert "hello" not in got  # the bad cell is reported; the row keeps its category without an upset label
    assert TrainingExample.objects.filter(text="hello", category="contact").exists()


def test_starter_set_teaches_calm_and_upset_examples(db):
    from mlcore.selectors import trainingexample_upset_set
    from mlcore.services import starter_load

    starter_load()
    labels = [u for _, u in trainingexample_upset_set()]
    assert sum(labels) > 500 and len(labels) - sum(labels) > 500


def test_more_trusted_label_wins_for_the_same_text(db):
    TrainingExample.objects.create(text="Zebra parcel status?", category="order", source="starter")
    TrainingExample.objects.create(text="zebra parcel status? ", category="delivery", source="agent")
    rows = [r for r in trainingexample_category_rows() if "zebra" in r[0].lower()]
    assert rows == [("zebra parcel status? ", "delivery", 1.0, "agent")]


def test_no_active_model_means_unavailable(db):
    serving_reset()
    with pytest.raises(ModelUnavailable):
        predictor_active()


def test_promote_and_rollback_switch_the_serving_version(active_model, trained_version):
    second = ModelVersion.objects.create(**{**trained_version, "version": "v2", "status": "candidate"})
    assert predictor_active().version == "v1"
    modelversion_promote(version="v2")
    assert predictor_active().version == "v2"
    assert ModelVersion.objects.get(version="v1").status == "retired"
    modelversion_rollback()
    assert predictor_active().version == "v1"
    second.refresh_from_db()
    assert second.status == "retired"
    with pytest.raises(PromotionError):
        modelversion_promote(version="nope")


def test_rollback_without_history_is_refused(active_model):
    with pytest.raises(PromotionError, match="no earlier version"):
        modelversion_rollback()


def test_training_in_process_leaves_out_the_held_out_bucket(db, settings):
    """Otherwise the pipeline would judge this version on texts it trained on (its fallback held-out set)."""
    from unittest import mock

    from mlcore import heads
    from mlcore.pipeline import modelversion_train
    from mlcore.selectors import trainingexample_category_rows
    from mlcore.services import starter_load
    from mlcore.snapshot import eval_bucket

    starter_load()
    seen = {}

    def fit(**kwargs):
        seen["n"] = len(kwargs["y"])
        raise RuntimeError("stop after the split")

    with mock.patch.object(heads, "heads_fit", fit), pytest.raises(RuntimeError, match="stop after"):
        modelversion_train(note="split check")
    rows = trainingexample_category_rows()
    held = sum(eval_bucket(t, fraction=settings.SUPPORTLOOP_EVAL_FRACTION) for t, *_ in rows)
    assert held > 0 and seen["n"] == len(rows) - held
