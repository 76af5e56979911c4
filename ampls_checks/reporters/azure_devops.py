"""Azure Pipelines logging commands: each finding becomes an issue on the pipeline run, with its
file and line.

    ##vso[task.logissue type=error;sourcepath=main.tf;linenumber=12;code=CKV_AMPLS_1]resource: message

HIGH and CRITICAL findings are `error`, MEDIUM and LOW `warning` (the only two types there are);
files that could not be analysed are `error`s. Suppressed findings are not logged.

Escaping follows the Azure Pipelines task library
(https://github.com/microsoft/azure-pipelines-task-lib/blob/master/node/taskcommand.ts):
properties turn `%`, CR, LF, `;` and `]` into `%AZP25`, `%0D`, `%0A`, `%3B`, `%5D`; the message
turns `%`, CR and LF into `%AZP25`, `%0D`, `%0A`. The agent reads one command per line and ends the
properties at the first `]`, so with no line break and no `]` or `;` left in a value, nothing read
from a scanned file can end a property early or start a command of its own.
"""

from __future__ import annotations

from ampls_checks.model import ScanReport, Severity
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import annotation_text

TYPES = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "warning"}


def escape_data(text: str) -> str:
    return annotation_text(text).replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(";", "%3B").replace("]", "%5D")


def logissue(properties: dict[str, str | int], message: str) -> str:
    rendered = ";".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"##vso[task.logissue {rendered}]{escape_data(message)}"


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    lines = []
    for f in report.active_findings:
        properties: dict[str, str | int] = {"type": TYPES[f.severity], "sourcepath": f.file}
        if f.start_line >= 1:
            properties["linenumber"] = f.start_line
        properties["code"] = f.check_id
        lines.append(logissue(properties, f"{f.check_id} [{f.severity.value}] {f.resource}: {f.message}"))
    for e in report.errors:
        error_properties: dict[str, str | int] = {"type": "error"}
        if not e.file.startswith("<"):
            error_properties["sourcepath"] = e.file
            if e.line:
                error_properties["linenumber"] = e.line
        lines.append(logissue(error_properties, f"{e.file}: {e.message}"))
    active = len(report.active_findings)
    lines.append(
        f"ampls-checks: {active} finding{'s' if active != 1 else ''}, {len(report.errors)} "
        f"error{'s' if len(report.errors) != 1 else ''} in {report.files_scanned} "
        f"file{'s' if report.files_scanned != 1 else ''}"
    )
    return "\n".join(lines) + "\n"
