"""Plain text: one finding a line, `path:line: ID [SEVERITY] resource: message`, then a summary.

Suppressed findings are not listed; the summary counts them, and the findings a baseline matched.
Text from the scanned files is printed through `visible` and `inert_line`, so a crafted resource
name cannot add a line, steer the terminal or pass for a CI runner's command.
"""

from __future__ import annotations

from ampls_checks.model import ScanReport
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import inert_line, visible


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    context = context or ReportContext()
    lines: list[str] = []
    for f in report.active_findings:
        lines.append(
            inert_line(
                f"{visible(f.file)}:{f.start_line}: {f.check_id} [{f.severity.value}] "
                f"{visible(f.resource)}: {visible(f.message)}"
            )
        )
    for e in report.errors:
        where = f"{visible(e.file)}:{e.line}" if e.line else visible(e.file)
        lines.append(inert_line(f"{where}: error: {visible(e.message)}"))
    active = report.active_findings
    suppressed = len(report.findings) - len(active)
    summary = (
        f"{_plural(len(active), 'finding')}, {_plural(len(report.errors), 'error')} "
        f"in {_plural(report.files_scanned, 'file')}"
    )
    extras = []
    if suppressed:
        extras.append(f"{suppressed} suppressed")
    if context.baseline is not None:
        extras.append(f"{context.baselined} in baseline")
    if extras:
        summary += f" ({', '.join(extras)})"
    lines.append(summary)
    return "\n".join(lines) + "\n"
