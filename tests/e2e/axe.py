"""axe-core checks (WCAG 2.1 A and AA rules) of a page, in its own CSP-bypassing context.

The pages' Content-Security-Policy allows only our own script files, so the injected axe script
would be refused; the check therefore runs in a second browser context with ``bypass_csp=True``
that shares the signed-in session's cookies, while the journey itself keeps the real CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


def axe_violations(browser: Any, url: str,
                   storage_state: Any | None = None) -> list[dict[str, Any]]:
    """The axe-core violations on ``url`` (every impact), with the given cookies."""
    context = browser.new_context(bypass_csp=True, storage_state=storage_state,
                                  locale="en-GB")
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                   resultTypes: ["violations"]});
                return r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                              html: n.html.slice(0, 200),
                                              summary: n.failureSummary || ""}))}));
            }""",
            WCAG_TAGS)
    finally:
        context.close()
    return list(result)


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v.get("impact") in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]], page_name: str) -> str:
    """A readable account of violations, one rule and its elements at a time."""
    lines = [f"axe-core found {len(violations)} serious/critical violation(s) on {page_name}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {node['target']}: {node['html']}")
            for summary_line in node["summary"].splitlines():
                lines.append(f"        {summary_line}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more element(s)")
    return "\n".join(lines)
