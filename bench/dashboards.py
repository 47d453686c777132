"""Dashboard speed: 100,000 inquiries over 90 days (60% answered automatically, the rest handed to
three agents with first-response, resolution and due times; a rating, an NPS answer and an implicit
signal on each) in a throwaway database, then the feedback and operations dashboards served through
Django, timed. Prints a table and a JSON line.

Target (issues #4 and #15): each dashboard page is served in <= 1 s with 100,000 rows, on SQLite and on
PostgreSQL (--database sqlite|postgres). The floor is a 404 through the same stack, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.inprocess import bench_agents_create, throwaway_environment  # noqa: E402

TARGET_S = 1.0
PAGES = {
    "feedback": "/dashboards/",
    "feedback_category": "/dashboards/?category=refund&period=day",
    "operations": "/dashboards/operations/",
    "operations_category": "/dashboards/operations/?category=refund&period=day",
}


def data_create(*, rows: int, rng: random.Random) -> dict:
    from django.utils import timezone

    from feedback.models import ExplicitFeedback, ImplicitSignal
    from supportdesk.models import Inquiry

    agents = bench_agents_create()
    now = timezone.now()
    cats = ["delivery", "refund", "order", "account", "invoice", "payment"]
    reasons = [["low_confidence"], ["high_risk", "negative_sentiment"], ["low_confidence", "follow_up"]]
    made = 0
    for start in range(0, rows, 10_000):
        batch = []
        for i in range(min(10_000, rows - start)):
            created = now - timedelta(days=rng.uniform(0, 90))
            fields = {"text": f"inquiry {start + i}", "category": rng.choice(cats), "created_at": created,
                      "created_day": timezone.localdate(created)}
            if rng.random() < 0.6:
                fields["status"] = "answered_auto"
            else:
                due = created + timedelta(hours=4)
                first = created + timedelta(hours=rng.lognormvariate(0.7, 0.9))
                resolved = first + timedelta(hours=rng.lognormvariate(1.5, 1.0))
                open_now = resolved > now or rng.random() < 0.05
                fields.update(status=rng.choice(["escalated", "assigned"]) if open_now else "resolved",
                              escalation_reasons=rng.choice(reasons), response_due_at=due,
                              first_response_at=first if first < now else None,
                              resolved_at=None if open_now else resolved, assigned_to=rng.choice(agents))
                if fields["status"] == "escalated":
                    fields["assigned_to"] = None
            batch.append(Inquiry(**fields))
        when = [t.created_at for t in batch]
        Inquiry.objects.bulk_create(batch, batch_size=2000)
        for t, created in zip(batch, when, strict=True):  # auto_now_add overwrote it on insert
            t.created_at = created
        Inquiry.objects.bulk_update(batch, ["created_at"], batch_size=2000)
        made += len(batch)
    spread = list(Inquiry.objects.values_list("id", "created_day"))
    ids = [i for i, _ in spread]
    ExplicitFeedback.objects.bulk_create(
        [ExplicitFeedback(inquiry_id=i, rating=rng.randint(1, 5), nps=rng.randint(0, 10), score=rng.random(),
                          comment="ok", created_day=day) for i, day in spread], batch_size=5000)
    ImplicitSignal.objects.bulk_create(
        [ImplicitSignal(inquiry_id=i, view_id=f"v{i:012d}", score=rng.random(), created_day=day)
         for i, day in spread], batch_size=5000)
    return {"inquiries": made, "handed": Inquiry.objects.exclude(status="answered_auto").count(), "ids": len(ids)}


def timed(*, client, path: str, repeat: int) -> dict:
    client.get(path)  # warm: the first request compiles templates
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code in (200, 404), (path, response.status_code)
    return {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3), "n": len(times)}


def run(*, args) -> int:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    made = data_create(rows=args.rows, rng=random.Random(0))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    setup_s = round(time.perf_counter() - t0, 1)
    admin = get_user_model().objects.create_superuser("bench", "bench@example.com", "x")
    client = Client()
    client.force_login(admin)
    floor = timed(client=client, path="/dashboards/no-such-page/", repeat=args.repeat)
    results = {name: timed(client=client, path=path, repeat=args.repeat) for name, path in PAGES.items()}
    head = f"{'page':<20} {'median s':>9} {'max s':>7} {'n':>3} {'/floor':>7}"
    print(f"\n{args.database}: {made['inquiries']} inquiries, {made['handed']} handed to agents (setup {setup_s} s)"
          f"\n{head}\n{'-' * len(head)}", file=sys.stderr)
    base = floor["median_s"] or 0.001
    for name, r in {"floor (404)": floor, **results}.items():
        print(f"{name:<20} {r['median_s']:>9} {r['max_s']:>7} {r['n']:>3} {r['median_s'] / base:>7.1f}",
              file=sys.stderr)
    summary = {"bench": "dashboards", "database": args.database, "rows": made["inquiries"], "setup_s": setup_s,
               "floor_s": floor["median_s"]}
    for name, r in results.items():
        summary[f"{name}_s_median"] = r["median_s"]
        summary[f"{name}_s_max"] = r["max_s"]
        summary[f"ratio_{name}_floor"] = round(r["median_s"] / base, 1)
    passed = all(r["median_s"] <= TARGET_S for r in results.values())
    summary.update(target_s=TARGET_S, loadavg=[round(x, 2) for x in os.getloadavg()], **{"pass": passed})
    print(f"target median <= {TARGET_S} s each: {'PASS' if passed else 'FAIL'}\n", file=sys.stderr)
    print(json.dumps(summary), flush=True)
    return 0 if passed else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with throwaway_environment(database=args.database, prefix="supportloop-bench-dash-", keep=False):
        return run(args=args)


if __name__ == "__main__":
    sys.exit(main())
