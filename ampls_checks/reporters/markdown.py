"""Markdown for a pull-request comment: a summary line, the findings table, the Mermaid picture.

GitHub and Azure DevOps render the picture in the comment itself. A pull request's files are
written by whoever opened it, so every value from them is escaped for Markdown: table syntax
(`|`), emphasis and link marks, HTML, backticks and `@` (which would notify a person or team)
are shown as text; the Mermaid block escapes its own labels (topology/text_formats.py).
"""

from __future__ import annotations

from ampls_checks.model import ScanReport
from ampls_checks.reporters import ReportContext

_SPECIAL = {
    "\\": "\\\\",
    "|": "\\|",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "#": "\\#",
    "~": "\\~",
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    "`": "&#96;",
    "@": "&#64;",
    ":": "&#58;",  # no :emoji: and no autolinked scheme
}


def cell(text: str) -> str:
    """One table cell: Markdown syntax shown as text, whitespace and control characters as spaces."""
    return "".join(_SPECIAL.get(ch, ch if ch.isprintable() else " ") for ch in text)


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    context = context or ReportContext()
    active = report.active_findings
    suppressed = len(report.findings) - len(active)
    lines = ["## ampls-checks", ""]
    summary = (
        f"**{len(active)} finding{'s' if len(active) != 1 else ''}**, "
        f"{len(report.errors)} error{'s' if len(report.errors) != 1 else ''} "
        f"in {report.files_scanned} file{'s' if report.files_scanned != 1 else ''}"
    )
    extras = []
    if suppressed:
        extras.append(f"{suppressed} suppressed")
    if context.baseline is not None:
        extras.append(f"{context.baselined} in baseline")
    lines.append(summary + (f" ({', '.join(extras)})" if extras else ""))
    lines.append("")
    if active:
        lines.append("| severity | check | file | resource | message |")
        lines.append("|---|---|---|---|---|")
        for f in active:
            lines.append(
                f"| {f.severity.value} | {f.check_id} | {cell(f.file)}&#58;{f.start_line} | "
                f"{cell(f.resource)} | {cell(f.message)} |"
            )
        lines.append("")
    if report.errors:
        lines.append("| file | error |")
        lines.append("|---|---|")
        for e in report.errors:
            where = f"{cell(e.file)}&#58;{e.line}" if e.line else cell(e.file)
            lines.append(f"| {where} | {cell(e.message)} |")
        lines.append("")
    if report.graph is not None and report.graph.by_key:
        from ampls_checks.topology import build
        from ampls_checks.topology.text_formats import mermaid

        picture = mermaid(build(report.graph, report.findings, context.cloud))
        lines.extend(["<details open><summary>Topology</summary>", "", "```mermaid", picture.rstrip(), "```", ""])
        lines.extend(["</details>", ""])
    return "\n".join(lines)
