"""The operations arithmetic (feedback/operations.py): pure, no database."""

import datetime as dt
import math

import pytest

from feedback import operations as ops


def test_spread_is_median_and_p90_of_the_finished_durations():
    s = ops.spread([60, 120, 180, 240, float("nan"), 600, 300, 360, 420, 480, 540])
    assert s.n == 10 and s.median == 330 and math.isclose(s.p90, 546)
    assert ops.spread([]) == ops.Spread(n=0, median=None, p90=None)
    assert ops.spread([float("nan")]).median is None


@pytest.mark.parametrize(("current", "previous", "higher", "delta", "better"), [
    (0.6, 0.5, True, 0.1, True),       # automation up: good
    (3600, 1800, False, 1800, False),  # first response slower: bad
    (1800, 3600, False, -1800, True),
    (0.5, 0.5, True, 0.0, None),       # unchanged
    (None, 0.5, True, None, None),     # nothing to compare
])
def test_change_says_which_way_is_good_news(current, previous, higher, delta, better):
    c = ops.change(current=current, previous=previous, higher_is_better=higher)
    assert (c.delta is None and delta is None) or math.isclose(c.delta, delta, abs_tol=1e-9)
    assert c.better is better


def test_the_previous_window_has_the_same_length_and_ends_the_day_before():
    assert ops.previous_window(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)) == (
        dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert ops.previous_window(start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 5)) == (
        dt.date(2026, 3, 4), dt.date(2026, 3, 4))


def test_the_backlog_counts_tickets_handed_over_and_not_yet_resolved():
    handed = [0, 10, 20, 30]
    resolved = [15, float("nan"), 25, float("nan")]
    assert ops.backlog_at(moments=[-1, 5, 12, 16, 22, 26, 40], handed_at=handed, resolved_at=resolved) == [
        0, 1, 2, 1, 2, 1, 2]


def test_shares_and_words():
    assert ops.share(3, 4) == 0.75 and ops.share(1, 0) is None
    assert [ops.duration_words(s) for s in (None, 20, 2520, 5.3 * 3600, 3 * 86400)] == [
        "—", "1 min", "42 min", "5.3 h", "3.0 d"]


def test_a_volume_changes_without_a_verdict():
    c = ops.change(current=26, previous=10, higher_is_better=None)
    assert c.delta == 16 and c.better is None
