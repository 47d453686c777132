"""Agent console speed: 100,000 tickets (30% open) bulk-created in a throwaway database, then the
console's default view, a filtered view, a search and a ticket page served through Django's test
Client as an agent, each timed over --requests requests. Prints a table and one JSON line.

Target (issue #14): each p95 <= 300 ms, on SQLite and on PostgreSQL (--database sqlite|postgres).
The floor (an agent's 404 through the same middleware, session and role check) is measured in the
same run: ratio_* = p95 / floor p95.
"""

from __future__ import annotations

import argparse
import json
import logging
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

TARGET_MS = 300.0
CATEGORIES = ["delivery", "refund", "order", "account", "invoice", "payment"]
REASONS = [["low_confidence"], ["ambiguous"], ["high_risk"], ["negative_sentiment"], ["low_confidence", "ambiguous"],
           ["high_risk", "negative_sentiment"], ["repeat_contact"], ["follow_up"]]
WORDS = ("parcel package refund invoice charged twice password login account order cancel delivery late broken "
         "address payment card voucher discount shipping tracking return damaged missing subscription").split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def tickets_create(*, rows: int, agents: list, rng: random.Random) -> dict:
    """Bulk-create the tickets and their messages; created_at is set directly (not auto_now_add)."""
    from django.utils import timezone

    from supportdesk.models import Inquiry, TicketMessage

    now = timezone.now()
    for model in (Inquiry, TicketMessage):
        model._meta.get_field("created_at").auto_now_add = False
    statuses = (["escalated"] * 20 + ["assigned"] * 10 + ["resolved"] * 45 + ["answered_auto"] * 25)
    batch_size = 5000
    for start in range(0, rows, batch_size):
        batch = []
        for i in range(start, min(rows, start + batch_size)):
            status = rng.choice(statuses)
            is_open = status in ("escalated", "assigned")
            # Open tickets are recent (hours to days); closed ones are spread over 90 days.
            created = now - timedelta(minutes=rng.uniform(5, 3 * 24 * 60) if is_open else rng.uniform(0, 90 * 24 * 60))
            responded = status == "resolved" or (is_open and rng.random() < 0.4)
            batch.append(Inquiry(
                text=f"{_sentence(rng, rng.randint(6, 30))} Ticket ref {i}.", name=f"Customer {i % 20_000}",
                email=f"customer{i % 20_000}@example.com", status=status, category=rng.choice(CATEGORIES),
                confidence=rng.random(), margin=rng.random() / 2, sentiment=rng.uniform(-1, 1),
                upset=rng.random() if rng.random() < 0.9 else None,
                escalation_reasons=[] if status == "answered_auto" else rng.choice(REASONS),
                assigned_to=rng.choice(agents) if status in ("assigned", "resolved") else None,
                created_at=created, created_day=created.date(), updated_at=created,
                response_due_at=(None if status == "answered_auto"
                                 else created + timedelta(minutes=rng.choice([60, 240]))),
                first_response_at=created + timedelta(minutes=rng.uniform(1, 300)) if responded else None,
                resolved_at=created + timedelta(hours=rng.uniform(1, 48)) if status == "resolved" else None,
            ))
        Inquiry.objects.bulk_create(batch, batch_size=1000)
    messages = []
    for pk, created, first in Inquiry.objects.exclude(status="answered_auto").values_list(
            "pk", "created_at", "first_response_at").iterator(chunk_size=5000):
        if first is not None:
            messages.append(TicketMessage(inquiry_id=pk, author_kind="agent", body=_sentence(rng, 12),
                                          created_at=first))
            if rng.random() < 0.5:
                messages.append(TicketMessage(inquiry_id=pk, author_kind="customer", body=_sentence(rng, 10),
                                              created_at=first + timedelta(minutes=5)))
        elif rng.random() < 0.3:
            messages.append(TicketMessage(inquiry_id=pk, author_kind="customer", body=_sentence(rng, 10),
                                          created_at=created + timedelta(minutes=1)))
        if len(messages) >= 10_000:
            TicketMessage.objects.bulk_create(messages, batch_size=2000)
            messages = []
    TicketMessage.objects.bulk_create(messages, batch_size=2000)
    return {"tickets": Inquiry.objects.count(),
            "open": Inquiry.objects.filter(status__in=["escalated", "assigned"]).count(),
            "messages": TicketMessage.objects.count()}


def timed(*, client, paths: list[str], requests: int, warmup: int = 3) -> dict:
    for path in paths[:warmup]:
        client.get(path)
    times, sizes = [], []
    for i in range(requests):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code in (200, 404), (path, response.status_code)
        sizes.append(len(response.content))
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1), "kb": round(statistics.mean(sizes) / 1024, 1), "n": len(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint (>= 30)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway var dir")
    args = parser.parse_args()
    with throwaway_environment(database=args.database, prefix="supportloop-bench-console-", keep=args.keep):
        return run(args=args)


def run(*, args) -> int:
    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the floor's 404s
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from supportdesk.models import Inquiry

    call_command("migrate", verbosity=0)
    rng = random.Random(0)
    agents = bench_agents_create()
    t0 = time.perf_counter()
    made = tickets_create(rows=args.rows, agents=agents, rng=rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load: index-only scans need it
    setup_s = round(time.perf_counter() - t0, 1)
    client = Client()
    client.force_login(agents[0])
    open_ids = list(Inquiry.objects.filter(status__in=["escalated", "assigned"]).values_list("pk", flat=True)[:2000])
    rng.shuffle(open_ids)
    searches = ["refund charged", "parcel", "customer123@example.com", f"#{open_ids[0]}", "damaged tracking",
                "Customer 4242", "voucher", str(open_ids[1])]
    endpoints = {
        "floor": [f"/agent/tickets/{10 ** 9 + i}/" for i in range(8)],
        "queue": ["/agent/"],
        "filtered": [f"/agent/?view={view}&category={cat}" for view in ("unassigned", "mine", "waiting", "open")
                     for cat in ("refund", "delivery")] + ["/agent/?reason=high_risk", "/agent/?view=resolved"],
        "search": [f"/agent/?q={q}" for q in searches],
        "ticket": [f"/agent/tickets/{pk}/" for pk in open_ids[:40]],
    }
    results = {name: timed(client=client, paths=paths, requests=max(30, args.requests))
               for name, paths in endpoints.items()}
    floor = results["floor"]["p95_ms"] or 0.1
    head = f"{'endpoint':<9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KiB':>7} {'n':>4} {'p95/floor':>10}"
    print(f"\n{args.database}: {made['tickets']} tickets, {made['open']} open, {made['messages']} messages "
          f"(setup {setup_s} s)\n{head}\n{'-' * len(head)}", file=sys.stderr)
    for name, r in results.items():
        print(f"{name:<9} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r['kb']:>7} {r['n']:>4} "
              f"{r['p95_ms'] / floor:>10.1f}", file=sys.stderr)
    summary = {"bench": "agent_console", "database": args.database, **made, "setup_s": setup_s,
               "floor_p95_ms": results["floor"]["p95_ms"]}
    for name in ("queue", "filtered", "search", "ticket"):
        summary[f"{name}_p50_ms"] = results[name]["p50_ms"]
        summary[f"{name}_p95_ms"] = results[name]["p95_ms"]
        summary[f"ratio_{name}_floor"] = round(results[name]["p95_ms"] / floor, 1)
        summary[f"{name}_kb"] = results[name]["kb"]
    passed = all(summary[f"{n}_p95_ms"] <= TARGET_MS for n in ("queue", "filtered", "search", "ticket"))
    summary.update(target_p95_ms=TARGET_MS, loadavg=[round(x, 2) for x in os.getloadavg()], **{"pass": passed})
    print(f"target p95 <= {TARGET_MS:.0f} ms each: {'PASS' if summary['pass'] else 'FAIL'}\n", file=sys.stderr)
    print(json.dumps(summary), flush=True)
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
