"""SARIF 2.1.0, for GitHub code scanning and every other SARIF viewer.

The shape follows the OASIS schema and what GitHub reads from it
(https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):

- one rule per check that ran, found or not, so that a viewer can tell "checked, nothing found"
  from "not checked": `name`, `shortDescription` (the check's title), `fullDescription` (the
  first paragraph of "Why is this bad?", the short rationale, within the 1,024 characters GitHub
  accepts there), `help` (the check's whole page, as `ampls-checks explain` prints it, text and
  markdown, so code scanning shows the explanation without a link to follow), `helpUri`,
  `defaultConfiguration.level` from the severity, and the `security-severity` GitHub sorts by
  (its bands: critical over 9.0, high 7.0 to 8.9, medium 4.0 to 6.9, low below);
- one result per finding: `ruleId`/`ruleIndex`, `level`, the message with the resource address,
  the file as a URI relative to `%SRCROOT%` (the scan's working directory, given in
  `originalUriBaseIds`), the region's start and end lines (the attribute's line where the
  finding is about one), the resource as a logical location, and `partialFingerprints`;
- fingerprints hash the check id, file and resource address, not the line: GitHub matches alerts
  across runs with `primaryLocationLineHash`, so an edit above a finding does not close the old
  alert and open a new one;
- a finding suppressed by an inline `checkov:skip` comment keeps its result, with a
  `suppressions` entry of kind `inSource` whose justification is the comment's reason;
- files that could not be analysed are `toolExecutionNotifications` of the invocation, which is
  then not `executionSuccessful`;
- `automationDetails.id` is `ampls-checks/`: GitHub takes the part before the last slash as the
  analysis category, so results keep their category without the upload action's `category`.

Regions carry `startColumn`/`endColumn` where the parser knows them (a Terraform attribute written
on one line); elsewhere they are whole lines, as a guessed column would mislead more.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ampls_checks import __version__
from ampls_checks.docgen import render_page
from ampls_checks.model import CheckInfo, Finding, ScanReport, Severity
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import encodable
from ampls_checks.suppress.apply import fingerprints

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_ID = "%SRCROOT%"
FINGERPRINT_KEY = "primaryLocationLineHash"
AUTOMATION_ID = "ampls-checks/"
# GitHub code scanning rejects a rule whose fullDescription is longer than this.
FULL_DESCRIPTION_LIMIT = 1024

LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}

_SECTION = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


def doc_section(doc: str, title: str) -> str:
    """The text of one `## title` section of a check's documentation, or ''."""
    matches = list(_SECTION.finditer(doc))
    for index, match in enumerate(matches):
        if match.group(1).strip().lower() == title.lower():
            end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
            return doc[match.end() : end].strip()
    return ""


def first_paragraph(text: str) -> str:
    """The first paragraph of a documentation section, its lines joined into one."""
    paragraph = text.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


def short_text(text: str, limit: int = FULL_DESCRIPTION_LIMIT) -> str:
    """`text` within `limit` characters: cut after the last whole sentence that fits, or at a word
    with an ellipsis when not even one sentence does."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(". "), head.rfind(".\n"))
    if end > 0:
        return head[: end + 1]
    return head[: limit - 1].rsplit(" ", 1)[0] + "\u2026"


def rule_description(check: CheckInfo) -> str:
    """The short rationale: why the misconfiguration matters, in one paragraph."""
    why = first_paragraph(doc_section(check.doc, "Why is this bad?"))
    what = first_paragraph(doc_section(check.doc, "What it does"))
    return short_text(why or what or check.name)


def rule_name(check: CheckInfo) -> str:
    """An identifier-like name (SARIF: "a report identifier understandable to an end user"),
    from the title: `AzureMonitorPrivateLinkScopeIngestionAccessModeIsPrivateOnly`."""
    words = re.findall(r"[A-Za-z0-9]+", check.name)
    return "".join(word[:1].upper() + word[1:] for word in words) or check.id


def _rule(check: CheckInfo) -> dict[str, Any]:
    description = rule_description(check)
    rule: dict[str, Any] = {
        "id": check.id,
        "name": rule_name(check),
        "shortDescription": {"text": check.name},
        "fullDescription": {"text": description, "markdown": description},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "tags": ["security", "azure", "azure-monitor", "private-link"],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[check.severity],
            "severity": check.severity.value,
        },
    }
    if check.doc.strip():
        page = render_page(check)
        rule["help"] = {"text": page, "markdown": page}
    if check.guideline:
        rule["helpUri"] = check.guideline
    return rule


def _fallback_rule(finding: Finding) -> dict[str, Any]:
    """A rule for a finding whose check is not in the report's list (a cached report)."""
    return {
        "id": finding.check_id,
        "name": finding.check_id,
        "shortDescription": {"text": finding.check_name},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "helpUri": finding.guideline,
        "properties": {"tags": ["security"], "security-severity": SECURITY_SEVERITY[finding.severity]},
    }


def artifact_location(file: str) -> dict[str, Any]:
    """A reported path as SARIF wants it: relative paths as URI references under `%SRCROOT%`,
    percent-encoded; absolute ones (files outside the working directory) as `file:` URIs."""
    if os.path.isabs(file):
        return {"uri": Path(file).as_uri()}
    # fsencode: a name that is not UTF-8 (surrogateescape) is percent-encoded as its real bytes
    return {"uri": quote(os.fsencode(file.replace(os.sep, "/")), safe="/"), "uriBaseId": ROOT_ID}


def _region(start: int, end: int, columns: tuple[int, int] = (0, 0)) -> dict[str, int] | None:
    if start < 1:
        return None
    region = {"startLine": start, "endLine": max(end, start)}
    first, after = columns
    if first >= 1 and after > first and end <= start:
        region["startColumn"] = first
        region["endColumn"] = after
    return region


def _physical(file: str, start: int, end: int, columns: tuple[int, int] = (0, 0)) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    region = _region(start, end, columns)
    if region is not None:
        physical["region"] = region
    return physical


def _result(finding: Finding, rule_index: int, fingerprint: str, context: ReportContext) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.resource}: {finding.message}"},
        "locations": [
            {
                "physicalLocation": _physical(
                    finding.file, finding.start_line, finding.end_line, (finding.start_column, finding.end_column)
                ),
                "logicalLocations": [{"fullyQualifiedName": finding.resource, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if context.baseline is not None:
        result["baselineState"] = "new"
    if finding.suppression is not None:
        suppression: dict[str, Any] = {"kind": "inSource", "justification": finding.suppression.reason}
        if finding.suppression.line >= 1:
            line = finding.suppression.line
            suppression["location"] = {"physicalLocation": _physical(finding.file, line, line)}
        result["suppressions"] = [suppression]
    return result


def _notification(file: str, line: int | None, message: str) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": "error", "message": {"text": message}}
    if file and not file.startswith("<"):
        notification["locations"] = [{"physicalLocation": _physical(file, line or 0, line or 0)}]
    return notification


def document(report: ScanReport, context: ReportContext | None = None) -> dict[str, Any]:
    context = context or ReportContext()
    rules = [_rule(check) for check in report.checks_run]
    index = {check.id: position for position, check in enumerate(report.checks_run)}
    for finding in report.findings:
        if finding.check_id not in index:
            index[finding.check_id] = len(rules)
            rules.append(_fallback_rule(finding))
    results = [
        _result(finding, index[finding.check_id], fingerprint, context)
        for finding, fingerprint in zip(report.findings, fingerprints(report.findings), strict=True)
    ]
    root = Path(os.path.abspath(context.root)).as_uri().rstrip("/") + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ampls-checks",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [_notification(e.file, e.line, e.message) for e in report.errors],
            }
        ],
        "originalUriBaseIds": {ROOT_ID: {"uri": root}},
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    return json.dumps(encodable(document(report, context)), indent=2, ensure_ascii=True) + "\n"
