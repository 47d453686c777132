"""Hot swap under load: promotions and a rollback while 50 clients post inquiries (SPEC §6.5).

    .venv/bin/python bench/hot_swap.py [--duration 120] [--clients 50] [--workers 2] [--pretrain train|copy]

In a throwaway var dir (as bench/serve.py): a private redis, migrate, bootstrap (v1), three more versions
(`manage.py train`, or --pretrain copy re-registers v1's bundle under new names, which is quicker), then the web
server as `make run` starts it (uvicorn, --workers processes on one port). Two runs with the same load: a baseline
without swaps, then one with `manage.py promote v2`, `promote v3`, `rollback` (back to v2) and `promote v4` at
15 %, 35 %, 55 % and 75 % of the run. Each client is a thread on its own keep-alive connection recording start,
end, status and X-Model-Version of every request. Checks: no failed request, every inquiry stored, every answer's
version was active at some instant of its request (commit times printed by the commands; a retired version may
answer for --window seconds more), every web process switched within --window seconds of each commit (its
"now serves" log line), and the web processes' memory across the swaps. `--database postgres` runs on a private
PostgreSQL cluster. Table to stderr, one JSON line to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.serve import (  # noqa: E402
    DATA,
    environment,
    inquiries_count,
    log_scan,
    prepare,
    proc_stop,
    sandbox_teardown,
    texts_load,
    wait_healthy,
    web_start,
)
from scripts.postgres_server import postgres_start  # noqa: E402
from scripts.redis_server import free_port, redis_start  # noqa: E402

PY = sys.executable
SCHEDULE = [(0.15, "promote", "v2"), (0.35, "promote", "v3"), (0.55, "rollback", "v2"), (0.75, "promote", "v4")]


def log(*, msg: str) -> None:
    print(f"[bench/hot_swap] {msg}", file=sys.stderr, flush=True)


@dataclass
class Result:
    start: float
    end: float
    status: int  # 0: no response (connection error or timeout)
    version: str
    error: str = ""


def manage(*, env: dict[str, str], args: list[str]) -> str:
    out = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {out.stderr[-1000:]}")
    return out.stdout.strip()


def versions_prepare(*, env: dict[str, str], how: str, count: int) -> list[str]:
    """v2..v(count+1) beside the bootstrap's v1: trained for real, or v1's bundle registered again."""
    if how == "train":
        for i in range(count):
            # One new example each: the pipeline trains the same data only once (one run per snapshot).
            manage(env=env, args=["shell", "-c", "from mlcore.models import TrainingExample as T; "
                                  f"T.objects.create(text='hot swap bench {i}', sentiment='neutral', source='import')"])
            log(msg="manage.py train: " + manage(env=env, args=["train", "--note", "bench/hot_swap"]))
    else:
        code = ("from mlcore.models import ModelVersion as M; v1 = M.objects.get(version='v1'); "
                "f = {x.name: getattr(v1, x.name) for x in M._meta.fields if x.name not in ('id', 'promoted_by')}; "
                f"[M.objects.create(**{{**f, 'version': f'v{{i}}', 'status': 'candidate', 'promoted_at': None}}) "
                f"for i in range(2, {count + 2})]")
        manage(env=env, args=["shell", "-c", code])
    out = manage(env=env, args=["shell", "-c", "from mlcore.models import ModelVersion as M; "
                                "print(','.join(M.objects.order_by('id').values_list('version', flat=True)))"])
    return out.splitlines()[-1].split(",")


def client_loop(*, port: int, bodies: list[bytes], offset: int, stop: threading.Event, timeout: float,
                results: list[Result]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    i = offset
    while not stop.is_set():
        body = bodies[i % len(bodies)]
        i += 1
        start = time.time()
        try:
            conn.request("POST", "/api/inquiries/", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            results.append(Result(start, time.time(), resp.status, resp.getheader("X-Model-Version") or ""))
        except (OSError, http.client.HTTPException) as exc:
            results.append(Result(start, time.time(), 0, "", f"{type(exc).__name__}: {exc}"))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.close()


def web_rss_mb(*, master: int) -> dict[int, float]:
    try:
        children = psutil.Process(master).children(recursive=True)
    except psutil.NoSuchProcess:
        return {}
    out = {}
    for child in children:
        try:
            if "multiprocessing" in " ".join(child.cmdline()) and "resource_tracker" in " ".join(child.cmdline()):
                continue
            out[child.pid] = round(child.memory_info().rss / 2**20, 1)
        except psutil.NoSuchProcess:
            pass
    return out


def load_run(*, port: int, bodies: list[bytes], args: argparse.Namespace, env: dict[str, str], master: int,
             schedule: list[tuple[float, str, str]]) -> dict:
    results: list[Result] = []
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop, daemon=True,
                                kwargs={"port": port, "bodies": bodies, "offset": k * 7, "stop": stop,
                                        "timeout": args.timeout, "results": results})
               for k in range(args.clients)]
    rss = [{"at_s": 0.0, "event": "start", "rss_mb": web_rss_mb(master=master)}]
    t0 = time.time()
    for t in threads:
        t.start()
    events = []
    for frac, action, version in schedule:
        time.sleep(max(0.0, t0 + frac * args.duration - time.time()))
        begun = time.time()
        out = manage(env=env, args=["promote", version] if action == "promote" else ["rollback"])
        committed = datetime.fromisoformat(re.search(r"promoted at (\S+)\)", out).group(1)).timestamp()
        events.append({"action": action, "version": version, "begun": begun, "committed": committed,
                       "done": time.time(), "output": out})
        log(msg=f"{begun - t0:6.1f} s {action} -> {version} ({time.time() - begun:.1f} s): {out}")
        rss.append({"at_s": round(time.time() - t0, 1), "event": f"{action} {version}",
                    "rss_mb": web_rss_mb(master=master)})
    time.sleep(max(0.0, t0 + args.duration - time.time()))
    stop.set()
    for t in threads:
        t.join(timeout=args.timeout + 5)
    rss.append({"at_s": round(time.time() - t0, 1), "event": "end", "rss_mb": web_rss_mb(master=master)})
    return {"results": results, "events": events, "t0": t0, "rss": rss}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def timeline_check(*, results: list[Result], events: list[dict], first: str, window: float) -> dict:
    """Every answer came from a version that was active at some instant of [start, end] of its request,
    where a version retired at commit time T may still answer until T + window (the processes noticing)."""
    intervals: dict[str, list[tuple[float, float]]] = {}
    version, since = first, float("-inf")
    for ev in events:
        intervals.setdefault(version, []).append((since, ev["committed"] + window))
        version, since = ev["version"], ev["committed"]
    intervals.setdefault(version, []).append((since, float("inf")))
    good = [r for r in results if 200 <= r.status < 300]
    bad = [r for r in good if not any(a <= r.end and r.start <= b for a, b in intervals.get(r.version, []))]
    return {"checked": len(good), "inconsistent": len(bad), "examples": [r.__dict__ for r in bad[:5]]}


SWITCH = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) INFO mlcore.serving model (\S+) now serves "
                    r"in process (\d+)")


def propagation(*, log_path: Path, events: list[dict]) -> list[dict]:
    """Per change: seconds from its commit until each web process served the new version (server log)."""
    switches = []
    for line in log_path.read_text(errors="replace").splitlines():
        m = SWITCH.match(line)
        if m:
            at = time.mktime(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + int(m.group(2)) / 1000
            switches.append((at, m.group(3), int(m.group(4))))
    out = []
    for ev in events:
        per_process: dict[int, float] = {}
        for at, version, pid in switches:
            if version == ev["version"] and at >= ev["committed"] - 0.01 and pid not in per_process:
                per_process[pid] = round(at - ev["committed"], 2)
        out.append({"change": f"{ev['action']} {ev['version']}", "seconds_by_process": per_process,
                    "max_s": max(per_process.values(), default=None)})
    return out


def summarize(*, run: dict, name: str) -> dict:
    results = run["results"]
    def good(r: Result) -> bool:
        return 200 <= r.status < 300 and r.version not in ("", "none")

    ok = [r for r in results if good(r)]
    lat = [(r.end - r.start) * 1000 for r in ok]
    span = max((r.end for r in results), default=run["t0"]) - run["t0"]
    by_version: dict[str, int] = {}
    for r in ok:
        by_version[r.version] = by_version.get(r.version, 0) + 1
    errors: dict[str, int] = {}
    for r in results:
        if not good(r):
            key = r.error.split(":")[0] if r.error else f"status {r.status} version {r.version or '-'}"
            errors[key] = errors.get(key, 0) + 1
    return {"run": name, "requests": len(results), "ok": len(ok), "failures": len(results) - len(ok),
            "failure_kinds": errors, "rps": round(len(results) / span, 1) if span > 0 else 0.0,
            "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat, default=0.0), 1),
            "mean_ms": round(statistics.fmean(lat), 1) if lat else 0.0, "answers_by_version": by_version}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per run (default 120)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", default="2", help="web processes behind the one port (default 2)")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout per request (s)")
    parser.add_argument("--window", type=float, default=5.0, help="allowed propagation of a change (s)")
    parser.add_argument("--pretrain", choices=["train", "copy"], default="train")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway var dir")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite",
                        help="sqlite (make run's default) or a private PostgreSQL cluster (production)")
    args = parser.parse_args()
    if not args.data.exists():
        log(msg=f"needs {args.data} (public data sets, ../shared/data)")
        return 2
    var_dir = Path(tempfile.mkdtemp(prefix="supportloop-hotswap-"))
    redis = web = pg_dir = None
    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    try:
        redis_port = free_port()
        redis = redis_start(directory=var_dir / "redis", port=redis_port, persist=False)
        env = environment(var_dir=var_dir, redis_port=redis_port)
        if args.database == "postgres":
            env["DATABASE_URL"], pg_dir = postgres_start(port=free_port())
        prepare(env=env)
        versions = versions_prepare(env=env, how=args.pretrain, count=3)
        log(msg=f"versions: {versions}")
        texts = texts_load(path=args.data, count=args.texts)
        bodies = [json.dumps({"text": t, "email": f"c{i}@example.com"}).encode() for i, t in enumerate(texts)]
        port, log_path = free_port(), var_dir / "web.log"
        web = web_start(layout="uvicorn", env=env, port=port, workers=args.workers, log_path=log_path)
        wait_healthy(port=port, proc=web)
        warm = {**vars(args), "duration": min(10.0, args.duration / 4)}
        load_run(port=port, bodies=bodies, args=argparse.Namespace(**warm), env=env, master=web.pid, schedule=[])
        stored_before = inquiries_count(env=env)
        log(msg=f"baseline: {args.clients} clients, {args.duration:g} s, no swaps")
        base = load_run(port=port, bodies=bodies, args=args, env=env, master=web.pid, schedule=[])
        log(msg=f"with swaps: {args.clients} clients, {args.duration:g} s, schedule {SCHEDULE}")
        swap = load_run(port=port, bodies=bodies, args=args, env=env, master=web.pid, schedule=SCHEDULE)
        time.sleep(1)
        stored = inquiries_count(env=env) - stored_before
        server_log = log_scan(path=log_path)
        spread = propagation(log_path=log_path, events=swap["events"])
        refused = sum("refused" in ln for ln in log_path.read_text(errors="replace").splitlines())
    finally:
        if web is not None:
            proc_stop(proc=web, name="web")
            try:
                os.killpg(web.pid, 9)
            except ProcessLookupError:
                pass
        sandbox_teardown(redis=redis, pg_dir=pg_dir, var_dir=var_dir, keep=args.keep)

    b, s = summarize(run=base, name="baseline"), summarize(run=swap, name="swaps")
    timeline = timeline_check(results=swap["results"], events=swap["events"], first="v1", window=args.window)
    slowest = max((p["max_s"] for p in spread if p["max_s"] is not None), default=None)
    sent = len(base["results"]) + len(swap["results"])
    rss_start, rss_end = swap["rss"][0]["rss_mb"], swap["rss"][-1]["rss_mb"]
    growth = {str(pid): round(rss_end[pid] - rss_start[pid], 1) for pid in rss_start if pid in rss_end}
    # Two versions stay loaded, so memory rises until the second swap; after that it must stay flat.
    rss_second = swap["rss"][2]["rss_mb"] if len(swap["rss"]) > 3 else rss_start
    growth_after_second = {str(pid): round(rss_end[pid] - rss_second[pid], 1) for pid in rss_second
                           if pid in rss_end}
    head = f"{'run':<9} {'requests':>8} {'failures':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} " \
           f"{'max ms':>8}  answers by version"
    print("\n" + head + "\n" + "-" * len(head), file=sys.stderr)
    for r in (b, s):
        print(f"{r['run']:<9} {r['requests']:>8} {r['failures']:>8} {r['rps']:>7.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['max_ms']:>8.1f}  {r['answers_by_version']}",
              file=sys.stderr)
    for ev, p in zip(swap["events"], spread, strict=True):
        print(f"  {ev['committed'] - swap['t0']:6.1f} s {ev['action']:<8} -> {ev['version']} committed; web processes "
              f"serving it after (s): {p['seconds_by_process']}", file=sys.stderr)
    answered = sent - b["failures"] - s["failures"]
    print(f"  inconsistent versions: {timeline['inconsistent']}; inquiries stored {stored} of {answered} answered; "
          f"web RSS growth over the swap run (MB): {growth}, after the second swap: {growth_after_second}",
          file=sys.stderr)
    passed = (b["failures"] == 0 and s["failures"] == 0 and timeline["inconsistent"] == 0
              and stored == sent and slowest is not None and slowest <= args.window
              and all(len(p["seconds_by_process"]) == int(args.workers) for p in spread))
    print(f"  {'PASS' if passed else 'FAIL'}\n", file=sys.stderr, flush=True)
    summary = {"bench": "hot_swap", "database": args.database, "duration_s": args.duration, "clients": args.clients,
               "web_workers": int(args.workers), "pretrain": args.pretrain, "versions": versions,
               "requests": sent, "failures": b["failures"] + s["failures"], "inquiries_stored": stored,
               "baseline": b, "swaps": s,
               "p95_ratio_swaps_vs_baseline": round(s["p95_ms"] / b["p95_ms"], 3) if b["p95_ms"] else None,
               "propagation": spread, "propagation_max_s": slowest,
               "events": [{k: (round(v - swap["t0"], 2) if k in ("begun", "committed", "done") else v)
                           for k, v in ev.items()}
                          for ev in swap["events"]],
               "timeline": timeline, "rss": swap["rss"], "rss_growth_mb": growth,
               "rss_growth_after_second_swap_mb": growth_after_second, "server_log": server_log,
               "refused_lines": refused, "cpu_count": os.cpu_count(), "loadavg_start": loadavg_start,
               "loadavg_end": [round(x, 2) for x in os.getloadavg()], "pass": passed}
    print(json.dumps(summary), flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
