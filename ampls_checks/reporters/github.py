"""GitHub Actions workflow commands: each finding becomes an annotation on its line of the pull
request's diff.

    ::error file=main.tf,line=12,endLine=12,title=CKV_AMPLS_1%3A ...::azurerm_...: message

HIGH and CRITICAL findings are `error`, MEDIUM `warning`, LOW `notice`; files that could not be
analysed are `error`s too. Suppressed findings are not annotated.

Every value is escaped as GitHub's toolkit does
(https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts): in the message,
`%`, CR and LF become `%25`, `%0D`, `%0A`; in properties, `:` and `,` also become `%3A` and `%2C`.
With `%` escaped first and no line break left, nothing read from a scanned file (a resource name
with a newline and `::`) can end the annotation or start a command of its own.
"""

from __future__ import annotations

from ampls_checks.model import ScanReport, Severity
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import annotation_text

COMMANDS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def escape_data(text: str) -> str:
    return annotation_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str | int], message: str) -> str:
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name} {rendered}::{escape_data(message)}" if rendered else f"::{name}::{escape_data(message)}"


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    lines = []
    for f in report.active_findings:
        properties: dict[str, str | int] = {"file": f.file}
        if f.start_line >= 1:
            properties["line"] = f.start_line
            properties["endLine"] = max(f.end_line, f.start_line)
        properties["title"] = f"{f.check_id}: {f.check_name}"
        lines.append(command(COMMANDS[f.severity], properties, f"{f.resource}: {f.message}"))
    for e in report.errors:
        error_properties: dict[str, str | int] = {}
        if not e.file.startswith("<"):
            error_properties["file"] = e.file
            if e.line:
                error_properties["line"] = e.line
        error_properties["title"] = "ampls-checks: input not analysed"
        lines.append(command("error", error_properties, f"{e.file}: {e.message}"))
    active = len(report.active_findings)
    lines.append(
        f"ampls-checks: {active} finding{'s' if active != 1 else ''}, {len(report.errors)} "
        f"error{'s' if len(report.errors) != 1 else ''} in {report.files_scanned} "
        f"file{'s' if report.files_scanned != 1 else ''}"
    )
    return "\n".join(lines) + "\n"
