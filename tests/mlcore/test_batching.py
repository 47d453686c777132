import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.files.storage import storages

from mlcore.batching import CallBatcher
from mlcore.bundle import MODEL_FILE
from mlcore.runtime import Predictor


class GatedRun:
    """A run function whose first batch blocks until released, so the next calls pile up behind it."""

    def __init__(self, *, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.started.set()
            assert self.release.wait(5)
        if self.fail_on in items:
            raise ValueError(f"cannot run {self.fail_on}")
        return [item.upper() for item in items]


def queued(batcher: CallBatcher, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(batcher._pending) < count:
        assert time.monotonic() < deadline, "calls did not queue"
        time.sleep(0.001)


def behind_a_running_batch(*, batcher: CallBatcher, run: GatedRun, pool: ThreadPoolExecutor, first: str,
                           rest: str | tuple[str, ...]) -> list:
    """Start `first` (its run blocks), queue every call of `rest` behind it, release: the futures, in order."""
    futures = [pool.submit(batcher.call, first)]
    assert run.started.wait(5)
    futures += [pool.submit(batcher.call, item) for item in rest]
    queued(batcher, len(rest))
    run.release.set()
    return futures


def test_a_lone_call_runs_at_once_as_a_batch_of_one():
    batches = []
    batcher = CallBatcher(run=lambda items: batches.append(items) or [i * 2 for i in items], max_wait=0.05)
    start = time.monotonic()
    assert batcher.call(21) == 42
    assert batcher.call(5) == 10
    assert time.monotonic() - start < 0.04  # the fill wait never applies to a lone call
    assert batches == [[21], [5]]


@pytest.mark.parametrize(("max_batch", "sizes"), [(8, [1, 4]), (2, [1, 2, 2])])
def test_calls_that_overlap_a_running_batch_form_the_next_ones_each_answered_its_own(max_batch, sizes):
    run = GatedRun()
    batcher = CallBatcher(run=run, max_batch=max_batch)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = behind_a_running_batch(batcher=batcher, run=run, pool=pool, first="a", rest="bcde")
        assert [f.result(5) for f in futures] == ["A", "B", "C", "D", "E"]
    assert run.batches[0] == ["a"]
    assert sorted(item for batch in run.batches[1:] for item in batch) == ["b", "c", "d", "e"]
    assert [len(b) for b in run.batches] == sizes  # never more than max_batch in one run
    assert (batcher.batches, batcher.calls) == (len(sizes), 5)


def test_an_error_reaches_every_call_of_its_batch_and_the_next_batch_runs():
    run = GatedRun(fail_on="bad")
    batcher = CallBatcher(run=run, max_batch=8)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first, *failing = behind_a_running_batch(batcher=batcher, run=run, pool=pool, first="a", rest=("bad", "b"))
        assert first.result(5) == "A"
        for f in failing:
            with pytest.raises(ValueError, match="cannot run bad"):
                f.result(5)
    assert batcher.call("c") == "C"


@pytest.mark.parametrize("max_batch", [1, 8])
def test_a_run_that_answers_the_wrong_number_of_results_fails_its_calls(max_batch):
    batcher = CallBatcher(run=lambda items: [], max_batch=max_batch)
    with pytest.raises(RuntimeError, match="batch of 1 gave 0 results"):
        batcher.call("a")


def test_with_batching_off_overlapping_calls_each_run_alone():
    run = GatedRun()
    batcher = CallBatcher(run=run, max_batch=1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(batcher.call, "a")
        assert run.started.wait(5)
        assert [pool.submit(batcher.call, text).result(5) for text in "bc"] == ["B", "C"]  # not held behind "a"
        run.release.set()
        assert first.result(5) == "A"
    assert run.batches == [["a"], ["b"], ["c"]]


def test_under_load_the_leader_waits_up_to_max_wait_for_a_batch_to_fill():
    run = GatedRun()
    batcher = CallBatcher(run=run, max_batch=3, max_wait=0.05)
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = behind_a_running_batch(batcher=batcher, run=run, pool=pool, first="a", rest="bc")
        assert [f.result(5) for f in futures] == ["A", "B", "C"]
        # The last batch had two calls: the next leader waits for company instead of running alone.
        late = [pool.submit(batcher.call, "d")]
        time.sleep(0.01)
        late += [pool.submit(batcher.call, text) for text in "ef"]
        assert [f.result(5) for f in late] == ["D", "E", "F"]
    assert sorted(run.batches[2]) == ["d", "e", "f"]


@pytest.mark.parametrize("kwargs", [{"max_batch": 0}, {"max_wait": -1.0}, {"max_wait": 1.0}])
def test_batcher_refuses_nonsense_limits(kwargs):
    with pytest.raises(ValueError):
        CallBatcher(run=lambda items: items, **kwargs)


# With a real ONNX session


@pytest.fixture
def bundle_dir(trained_version, tmp_path) -> Path:
    src = Path(storages["artifacts"].path(f"{trained_version['artifact_prefix']}/{MODEL_FILE}")).parent
    shutil.copytree(src, tmp_path / "bundle")
    return tmp_path / "bundle"


TEXTS = ["My package never arrived, order 12345", "I want my money back", "How do I reset my password?",
         "The app crashes when I open my card details", "I was charged twice for my order", "Where is my refund?"]


def test_concurrent_predictions_share_runs_and_match_the_lone_ones(bundle_dir):
    predictor = Predictor(directory=bundle_dir, batch_max=8)
    alone = {text: predictor.predict(text) for text in TEXTS}
    assert predictor.batcher.batches == len(TEXTS)
    barrier = threading.Barrier(len(TEXTS) * 4)

    def predict(text):
        barrier.wait(5)
        return text, predictor.predict(text)

    with ThreadPoolExecutor(max_workers=len(TEXTS) * 4) as pool:
        together = list(pool.map(predict, TEXTS * 4))
    assert predictor.batcher.batches < len(TEXTS) * 5  # some calls shared a run
    for text, prediction in together:
        lone = alone[text]
        assert prediction.category == lone.category and prediction.model_version == lone.model_version
        # int8 activations are scaled per batch, so scores move with the companions (an out-of-domain
        # text by up to ~0.2: bench/batching.py); these clear texts by far less.
        assert prediction.confidence == pytest.approx(lone.confidence, abs=0.1)
        assert float(prediction.embedding @ lone.embedding) > 0.95  # another text: far below


def test_each_loaded_model_batches_alone_so_a_batch_is_one_version(bundle_dir):
    old = Predictor(directory=bundle_dir, version="v1", batch_max=8)
    new = Predictor(directory=bundle_dir, version="v2", batch_max=8)
    assert old.batcher is not new.batcher
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: (i % 2, (old, new)[i % 2].predict(TEXTS[i % len(TEXTS)])), range(40)))
    assert all(p.model_version == ("v1", "v2")[side] for side, p in results)
    assert old.batcher.calls == new.batcher.calls == 20
