"""JSON: findings, errors and a summary, for scripts and dashboards.

`file` is relative to the working directory when the file is under it, with `/` separators.
Suppressed findings are kept, with the suppression's reason, so audits can see them. With a
baseline, the findings it matched are left out and `summary.baseline` counts them.
"""

from __future__ import annotations

import json
from typing import Any

from ampls_checks.model import ScanReport
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import encodable


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    context = context or ReportContext()
    findings: list[dict[str, Any]] = []
    for f in report.findings:
        item: dict[str, Any] = {
            "check_id": f.check_id,
            "check_name": f.check_name,
            "severity": f.severity.value,
            "file": f.file,
            "start_line": f.start_line,
            "end_line": f.end_line,
            "resource": f.resource,
            "message": f.message,
            "guideline": f.guideline,
        }
        if f.suppression is not None:
            item["suppressed"] = {"reason": f.suppression.reason, "line": f.suppression.line}
        findings.append(item)
    active = report.active_findings
    by_severity: dict[str, int] = {}
    for f in active:
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
    summary: dict[str, Any] = {
        "files_scanned": report.files_scanned,
        "files_parsed": report.files_parsed,
        "checks": len(report.checks_run),
        "findings": len(active),
        "suppressed": len(report.findings) - len(active),
        "errors": len(report.errors),
        "by_severity": by_severity,
    }
    if context.baseline is not None:
        summary["baseline"] = context.baselined
    document = {
        "findings": findings,
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in report.errors],
        "summary": summary,
    }
    return json.dumps(encodable(document), indent=2, ensure_ascii=True) + "\n"
