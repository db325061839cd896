"""Accessibility checks in the browser: axe-core (vendored under static/vendor/axe-core) run against
WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices.

    from tests.browser.a11y import assert_accessible
    assert_accessible(page, live_server, "home", role="visitor", language="nl")

`assert_accessible` fails on any violation of impact "serious" or "critical" and records every
"moderate" and "minor" one in test-artifacts/axe-report.json (one entry per page, role and language;
running a test again replaces its entries, so the file always shows the latest result).
"""
import json
import os
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REPORT = ARTIFACTS / "axe-report.json"
AXE_PATH = "/static/vendor/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")


def run_axe(page, live_server, best_practice: bool = True) -> list[dict]:
    """Run axe on the page as it is now and return its violations.

    The script is loaded from our own origin (a <script src>), because the strict CSP
    (script-src 'self' 'nonce-…') blocks the inline script that `add_script_tag(path=…)` would add.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=live_server.url(AXE_PATH))
    tags = WCAG_TAGS + (["best-practice"] if best_practice else [])
    result = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300),
                                          summary: n.failureSummary})),
            }));
        }""",
        tags,
    )
    return result


def by_impact(violations: list[dict]) -> dict[str, int]:
    """How many violations (rules, not nodes) there are of each impact."""
    counts = {impact: 0 for impact in IMPACTS}
    for violation in violations:
        counts[violation["impact"] or "minor"] += 1
    return counts


def describe(violations: list[dict]) -> str:
    """A readable list for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}  {node['html'][:160]}")
    return "\n".join(lines)


def record(name: str, role: str, language: str, url: str, violations: list[dict]) -> None:
    """Store this page's result in the report, replacing an older result for the same page/role/language."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        entries = json.loads(REPORT.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        entries = []
    entries = [e for e in entries if (e["page"], e["role"], e["language"]) != (name, role, language)]
    path = url.split("://", 1)[-1]
    entries.append({
        "page": name,
        "role": role,
        "language": language,
        "path": path[path.find("/"):] if "/" in path else "/",
        "counts": by_impact(violations),
        "violations": [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "helpUrl": v["helpUrl"],
             "nodes": [n["target"] for n in v["nodes"]]}
            for v in violations
        ],
    })
    entries.sort(key=lambda e: (e["page"], e["role"], e["language"]))
    # Write beside and rename, so that an interrupted run never leaves half a file.
    temporary = REPORT.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(REPORT)


def audit(page, live_server, name: str, role: str, language: str) -> list[dict]:
    """Run axe, record the result, and return the blocking (serious or critical) violations."""
    violations = run_axe(page, live_server)
    record(name, role, language, page.url, violations)
    return [v for v in violations if v["impact"] in BLOCKING]


def assert_accessible(page, live_server, name: str, role: str = "visitor", language: str = "nl") -> None:
    """Fail when axe finds a serious or critical violation on the page as it is now."""
    blocking = audit(page, live_server, name, role, language)
    assert not blocking, f"{name} ({role}, {language}):\n{describe(blocking)}"
