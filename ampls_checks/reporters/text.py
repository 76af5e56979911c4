"""Plain text: one finding a line, `path:line: ID [SEVERITY] resource: message`, then a summary."""

from __future__ import annotations

from ..scan import ScanReport


def render(report: ScanReport) -> str:
    lines: list[str] = []
    for f in report.findings:
        if f.suppression is not None:
            continue
        lines.append(f"{f.file}:{f.start_line}: {f.check_id} [{f.severity.value}] {f.resource}: {f.message}")
    for e in report.errors:
        where = f"{e.file}:{e.line}" if e.line else e.file
        lines.append(f"{where}: error: {e.message}")
    active = report.active_findings
    suppressed = len(report.findings) - len(active)
    summary = (
        f"{len(active)} finding{'s' if len(active) != 1 else ''}, {len(report.errors)} "
        f"error{'s' if len(report.errors) != 1 else ''} in {report.files_scanned} "
        f"file{'s' if report.files_scanned != 1 else ''}"
    )
    if suppressed:
        summary += f" ({suppressed} suppressed)"
    lines.append(summary)
    return "\n".join(lines) + "\n"
