"""How long until the round map shows its clustered contributions, for a round with many of them.

    .venv/bin/python bench/map_load.py [--count 50000] [--runs 5] [--instance DIR]

Builds a scratch SQLite instance (PARTICIPATIE_INSTANCE, a temporary directory unless --instance is
given): migrations, demo data, then `flask generate-contributions --round kansenkaart-zonnevelden
--count N`. Serves it with `flask run` on a free loopback port and opens the round page in Debian's
Chromium through Playwright, each run in a fresh browser context (empty cache). It measures the time
from navigation start until static/js/map.js sets the performance mark
"participatie:contributions-shown" (the first GeoJSON answer is in its clusters on the map), and
prints every run and the median. Tile requests are answered locally, so no network is used.

A benchmark, not a test: it asserts nothing. The figures depend on the machine; see bench/README.md.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = "kansenkaart-zonnevelden"
MARK = "participatie:contributions-shown"
CHROMIUM = os.environ.get("PARTICIPATIE_CHROMIUM", "/usr/bin/chromium")
TILE_PNG = (ROOT / "static/vendor/leaflet/images/marker-shadow.png").read_bytes()

# What the page reports about itself once the mark is set (all times in ms from navigation start).
MEASURE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = performance.getEntriesByName("%s")[0];
  const data = performance.getEntriesByType("resource").find(e => e.name.includes("inbreng.geojson"));
  const map = document.querySelector(".map.leaflet-container");
  return {
    shown: mark.startTime,
    html: nav.responseEnd,
    dom_ready: nav.domContentLoadedEventEnd,
    fetch_start: data ? data.startTime : null,
    fetch_end: data ? data.responseEnd : null,
    fetch_kb: data ? Math.round(data.encodedBodySize / 1024) : null,
    features: Number(map.getAttribute("data-contributions-shown")),
    clusters: document.querySelectorAll(".contribution-cluster").length,
  };
}""" % MARK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    """Run a `flask --app wsgi` command in the scratch instance; stop on failure."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict, count: int) -> None:
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "demo-data", "--if-empty")
    flask(env, "generate-contributions", "--round", ROUND, "--count", str(count))
    print(f"data ready in {time.perf_counter() - started:.1f} s", flush=True)


def serve(env: dict, port: int) -> subprocess.Popen:
    """`flask run` in the background; returns once /healthz answers."""
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port), "--no-reload", "--no-debugger"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    server.wait(timeout=10)
    log.seek(0)
    sys.stderr.write(log.read().decode(errors="replace")[-3000:])
    raise SystemExit("the server did not start")


def measure(base_url: str, runs: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for run in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
                page = context.new_page()
                page.route("https://**/*", lambda route: route.fulfill(body=TILE_PNG, content_type="image/png"))
                page.goto(f"{base_url}/rondes/{ROUND}")
                page.wait_for_function(f"() => performance.getEntriesByName({json.dumps(MARK)}).length > 0",
                                       timeout=120_000)
                result = page.evaluate(MEASURE)
                results.append(result)
                print(f"run {run + 1}: clusters shown after {result['shown']:.0f} ms "
                      f"(HTML {result['html']:.0f} ms, DOM ready {result['dom_ready']:.0f} ms, "
                      f"GeoJSON {result['fetch_start']:.0f}–{result['fetch_end']:.0f} ms, {result['fetch_kb']} kB, "
                      f"{result['features']} contributions in {result['clusters']} clusters)", flush=True)
                context.close()
        finally:
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000, help="contributions to generate (default 50000)")
    parser.add_argument("--runs", type=int, default=5, help="page loads to measure (default 5)")
    parser.add_argument("--instance", help="instance directory to use or re-use (default: a temporary one)")
    args = parser.parse_args()

    scratch = None
    if args.instance:
        instance = Path(args.instance).resolve()
    else:
        scratch = tempfile.TemporaryDirectory(prefix="participatie-bench-")
        instance = Path(scratch.name)
    env = {**os.environ, "PARTICIPATIE_INSTANCE": str(instance), "RATELIMIT_ENABLED": "0", "FLASK_DEBUG": "0"}
    for name in ("DATABASE_URL", "REDIS_URL"):  # always the scratch SQLite database, jobs in-process
        env.pop(name, None)
    try:
        if not (instance / "participatie.db").exists():
            prepare(env, args.count)
        else:
            print(f"re-using {instance / 'participatie.db'}", flush=True)
        port = free_port()
        server = serve(env, port)
        try:
            results = measure(f"http://127.0.0.1:{port}", args.runs)
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        if scratch is not None:
            scratch.cleanup()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    print()
    print(f"round {ROUND} with {args.count} generated contributions (+ the demo's own), {args.runs} runs, "
          f"Chromium {CHROMIUM}")
    print(f"median: clusters shown {median('shown'):.0f} ms after navigation start "
          f"(HTML {median('html'):.0f} ms, DOM ready {median('dom_ready'):.0f} ms, "
          f"GeoJSON answered at {median('fetch_end'):.0f} ms)")


if __name__ == "__main__":
    main()
