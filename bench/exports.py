"""Peak memory and time of the policy exports and an OGC items page, for a round with many contributions.

    .venv/bin/python bench/exports.py [--count 100000] [--instance DIR] [--formats csv,geojson,xlsx,ogc]
                                      [--tracemalloc]

Builds a scratch SQLite instance (PARTICIPATIE_INSTANCE, a temporary directory unless --instance is
given): migrations, demo data, then `flask generate-contributions --round kansenkaart-zonnevelden
--count N`. Then every export runs in a fresh Python process of its own, through the real view (a
test client logged in as the demo policy analyst posts the export form and reads the streamed
answer chunk by chunk, as a browser would), and reports:

(Formats with a -job suffix take the path of large exports: the form answers with the job's page,
the job runs in the same process and writes its file, then the file is downloaded. The time and
peak memory include the job.)

- time until the last byte and the size of the file;
- peak resident memory of that process (ru_maxrss) before and after the export;
- with --tracemalloc, also the peak of Python's own allocations during it. tracemalloc slows
  allocation-heavy code several times over, so the times of such a run are not the real ones.

A benchmark, not a test: it asserts nothing. The figures depend on the machine; see bench/README.md.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = "kansenkaart-zonnevelden"

# Runs inside the measuring process: one export, then one JSON line with the figures.
CHILD = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, ROOT)
from participatie import create_app, demo

from participatie import jobs
from participatie.exports import services

fmt = FORMAT
trace = TRACE
# "csv-job" etc.: the job path (threshold 0: every export is a job), run in this process after the
# request, then the file downloaded; the others stream (threshold out of reach).
job = fmt.endswith("-job")
app = create_app({"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "JOBS_WORKER_THREAD": False,
                  "REDIS_URL": None, "EXPORT_JOB_THRESHOLD": 0 if job else 10**12})
client = app.test_client()
with app.app_context():
    client.post("/account/inloggen", data={"email": "beleid@example.nl", "password": demo.PASSWORD})
    client.get("/ogc/collections")  # warm up: imports, first queries
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    if fmt == "ogc":
        response = client.get(f"/ogc/collections/{ROUND}-inbreng/items?limit=1000&offset=50000")
    elif job:
        queued = client.post(f"/beheer/export/{ROUND}", data={"format": fmt[:-4]})
        assert queued.status_code == 303, queued.status_code
        job_id = int(queued.headers["Location"].rsplit("/", 1)[1])
        assert jobs.run_pending(app) == 1
        record = jobs.get_record(job_id)
        assert record.status == jobs.FINISHED, (record.status, record.error_detail)
        response = client.get(f"/beheer/export/taken/{job_id}/bestand", buffered=False)
    else:
        response = client.post(f"/beheer/export/{ROUND}", data={"format": fmt}, buffered=False)
    size = chunks = 0
    for chunk in response.response:
        size += len(chunk)
        chunks += 1
    response.close()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"format": fmt, "status": response.status_code, "seconds": round(elapsed, 2),
                  "bytes": size, "chunks": chunks, "streamed": response.is_streamed,
                  "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(after / 1024, 1),
                  "python_peak_mb": round(peak / 2**20, 1) if trace else None}))
"""


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict, count: int) -> None:
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "demo-data", "--if-empty")
    flask(env, "generate-contributions", "--round", ROUND, "--count", str(count))
    print(f"data ready in {time.perf_counter() - started:.1f} s", flush=True)


def measure(env: dict, fmt: str, trace: bool) -> dict:
    code = CHILD.replace("ROOT", repr(str(ROOT))).replace("FORMAT", repr(fmt)).replace(
        "TRACE", repr(trace)).replace("{ROUND}", ROUND)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{fmt} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--instance", help="keep (and re-use) the scratch instance here")
    parser.add_argument("--formats", default="csv,geojson,xlsx,ogc,csv-job,geojson-job,xlsx-job",
                        help="a -job suffix measures the job path: the job writes the file, then it is downloaded")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python's peak allocations (slow)")
    args = parser.parse_args()
    instance = args.instance or tempfile.mkdtemp(prefix="participatie-bench-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PARTICIPATIE_INSTANCE=instance, RATELIMIT_ENABLED="false")
    fresh = not (Path(instance) / "participatie.db").exists()
    if fresh:
        prepare(env, args.count)
    else:
        print(f"re-using {instance}")
    print(f"{'format':8} {'status':>6} {'seconds':>8} {'size MB':>8} {'chunks':>7} "
          f"{'RSS before':>11} {'RSS peak':>9} {'Python peak':>12}")
    for fmt in args.formats.split(","):
        r = measure(env, fmt, args.tracemalloc)
        print(f"{r['format']:8} {r['status']:>6} {r['seconds']:>8} {r['bytes'] / 2**20:>8.1f} {r['chunks']:>7} "
              f"{r['rss_before_mb']:>9} MB {r['rss_peak_mb']:>6} MB {r['python_peak_mb'] or '–':>9} MB", flush=True)


if __name__ == "__main__":
    main()
