"""axe-core in the page: where it is (`npm ci --prefix tests/e2e/axe`, done by `make test`), and
one run of it over WCAG 2.2 A and AA, its violations in one readable text."""

from __future__ import annotations

import functools
from pathlib import Path

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
MISSING = (
    "The accessibility check needs axe-core: `npm ci --prefix tests/e2e/axe` "
    "(make test does it; Node.js's npm)"
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
IMPACTS = ("critical", "serious", "moderate", "minor")

RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


def axe_available() -> bool:
    return AXE_JS.is_file()


def run_axe(page) -> list[dict]:
    """The violations of the page as it is now: `{id, impact, help, nodes: [{target, summary}]}`.

    axe is evaluated through the DevTools protocol rather than added as a `<script>` tag: the
    portal's Content-Security-Policy refuses inline scripts, and turning the policy off
    (`bypass_csp`) would let through inline styles that real visitors never get.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    return page.evaluate(RUN, TAGS)


@functools.cache
def _source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def counts(violations: list[dict]) -> dict[str, int]:
    """How many elements fail, per impact."""
    found = dict.fromkeys(IMPACTS, 0)
    for violation in violations:
        found[violation["impact"] or "minor"] += len(violation["nodes"])
    return found


def describe(violations: list[dict]) -> str:
    """One line per failing element: rule, impact, target and what is wrong."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            why = " ".join(node["summary"].split())[:240]
            lines.append(f"  {violation['id']} ({violation['impact']}) {node['target']}: {why}")
    return "\n".join(lines)
