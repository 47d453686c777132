from datetime import UTC, datetime, timedelta

from feedback.cluster_trends import topics_order, trend_growth, trend_name, weekly_counts

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_weekly_counts_oldest_first_and_only_the_weeks_counted():
    dates = [NOW - timedelta(days=d) for d in (0, 1, 6.9, 7, 13, 55, 56, 80)] + [NOW + timedelta(days=1)]
    assert weekly_counts(dates=dates, now=NOW, weeks=8) == [1, 0, 0, 0, 0, 0, 2, 3]
    assert weekly_counts(dates=[], now=NOW) == [0] * 8


def test_growth_is_the_slope_over_the_mean():
    assert trend_growth([1, 2, 3, 4, 5, 6, 7, 8]) == round(1 / 4.5, 4)
    assert trend_growth([8, 7, 6, 5, 4, 3, 2, 1]) == -round(1 / 4.5, 4)
    assert trend_growth([5] * 8) == 0.0
    assert trend_growth([0] * 8) == 0.0 and trend_growth([3]) == 0.0 and trend_growth([]) == 0.0
    # The same shape at ten times the size grows at the same rate.
    assert trend_growth([10, 20, 30, 40]) == trend_growth([1, 2, 3, 4])


def test_trend_names():
    assert trend_name(0.3) == "growing" and trend_name(-0.3) == "shrinking"
    assert trend_name(0.05) == trend_name(-0.05) == trend_name(0.0) == "steady"


class T:
    def __init__(self, name, size, growth):
        self.name, self.size, self.growth = name, size, growth


def test_growing_topics_come_first_then_the_rest_by_size():
    topics = [T("big steady", 50, 0.0), T("small growing", 5, 0.5), T("shrinking", 80, -0.4),
              T("fast growing", 8, 0.9), T("mid steady", 20, 0.05)]
    assert [t.name for t in topics_order(topics)] == [
        "fast growing", "small growing", "shrinking", "big steady", "mid steady"]
