"""How long a summary of a big round takes, and how much memory it needs.

    .venv/bin/python bench/summaries.py [--sizes 10000 100000] [--instance DIR]

Builds a scratch SQLite instance (a temporary directory unless --instance is given): migrations,
demo data, then `flask generate-contributions --round kansenkaart-zonnevelden` up to each size
(10,000 first, then 90,000 more for 100,000). For each size a fresh Python process runs what a
worker does: it loads the libraries and the sentence encoder once (`services.preload()`, as
`flask worker` does before it forks a job), then times `services.summarise()`: reading the input,
hashing it, computing every figure (topics on a fixed sample of 1,000) and writing the summary in
one transaction. It prints the time per step, the total, and the peak resident memory of the
process (ru_maxrss, so libraries and model included), and at the end the ratio 100k/10k.

A benchmark, not a test: it asserts nothing. The figures depend on the machine; see bench/README.md.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = "kansenkaart-zonnevelden"


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def count_contributions(env: dict) -> int:
    code = ("from participatie import create_app\nfrom participatie.extensions import db\n"
            "from participatie.contributions.models import Contribution\n"
            "app = create_app()\nwith app.app_context():\n"
            "    print(db.session.scalar(db.select(db.func.count(Contribution.id))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    return int(out.stdout.strip().splitlines()[-1])


def measure() -> dict:
    """Run in a fresh process: preload, then one summary of the round, timed step by step."""
    sys.path.insert(0, str(ROOT))
    from participatie import create_app, jobs
    from participatie.extensions import db
    from participatie.rounds.services import get_round
    from participatie.summaries import services

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        services.preload()
        warm = time.perf_counter() - started
        baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        steps = {}
        last = [time.perf_counter(), "load"]

        def report(percent, step):
            now = time.perf_counter()
            steps[last[1]] = round(now - last[0], 2)
            last[:] = [now, step]

        original = jobs.progress
        jobs.progress = report  # the same calls a job makes, recorded instead of sent
        round_ = get_round(ROUND)
        started = time.perf_counter()
        summary = services.summarise(round_.id)
        total = time.perf_counter() - started
        report(100, "end")
        jobs.progress = original
        groups = db.session.scalar(db.text("select count(*) from summary_group where summary_id = :id"),
                                   {"id": summary.id})
        return {
            "contributions": summary.contribution_count, "seconds": round(total, 2), "steps": steps,
            "warm_up_seconds": round(warm, 2), "rss_after_warm_up_mb": round(baseline_rss),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "groups": groups, "topics": len(summary.content["topics"].get("items", [])),
            "hotspots": len(summary.content["hotspots"]["items"]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--instance", help="scratch instance directory (default: a temporary one)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure()))
        return
    instance = Path(args.instance or tempfile.mkdtemp(prefix="participatie-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PARTICIPATIE_INSTANCE=str(instance), PYTHONPATH=str(ROOT))
    flask(env, "db", "upgrade")
    flask(env, "demo-data", "--if-empty")
    results = []
    for size in sorted(args.sizes):
        have = count_contributions(env)
        if have < size:
            started = time.perf_counter()
            flask(env, "generate-contributions", "--round", ROUND, "--count", str(size - have), "--seed", str(size))
            print(f"generated {size - have} contributions in {time.perf_counter() - started:.0f} s", flush=True)
        out = subprocess.run([sys.executable, __file__, "--measure"], cwd=ROOT, env=env, capture_output=True,
                             text=True)
        if out.returncode:
            sys.exit(out.stderr)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(json.dumps(result), flush=True)
    if len(results) >= 2:
        small, big = results[0], results[-1]
        print(f"{big['contributions']} / {small['contributions']} contributions: "
              f"time x{big['seconds'] / small['seconds']:.1f}, peak memory x{big['peak_rss_mb'] / small['peak_rss_mb']:.1f}")


if __name__ == "__main__":
    main()
