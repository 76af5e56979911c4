"""SARIF 2.1.0, for GitHub code scanning and every other SARIF viewer.

The shape follows the OASIS schema and what GitHub reads from it
(https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):

- one rule per check that ran, found or not, so that a viewer can tell "checked, nothing found"
  from "not checked": `name`, `shortDescription` (the check's title), `fullDescription` (the
  "What it does" part of its documentation), `help` (the whole page), `helpUri` (the guideline),
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
  then not `executionSuccessful`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ampls_checks import __version__
from ampls_checks.model import CheckInfo, Finding, ScanReport, Severity
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import unicode_text
from ampls_checks.suppress.apply import fingerprints

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ROOT_ID = "%SRCROOT%"
FINGERPRINT_KEY = "primaryLocationLineHash"

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


def rule_name(check: CheckInfo) -> str:
    """An identifier-like name (SARIF: "a report identifier understandable to an end user"),
    from the title: `AzureMonitorPrivateLinkScopeIngestionAccessModeIsPrivateOnly`."""
    words = re.findall(r"[A-Za-z0-9]+", check.name)
    return "".join(word[:1].upper() + word[1:] for word in words) or check.id


def _rule(check: CheckInfo) -> dict[str, Any]:
    what = doc_section(check.doc, "What it does") or check.name
    rule: dict[str, Any] = {
        "id": check.id,
        "name": rule_name(check),
        "shortDescription": {"text": check.name},
        "fullDescription": {"text": what, "markdown": what},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "tags": ["security", "azure", "azure-monitor", "private-link"],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[check.severity],
            "severity": check.severity.value,
        },
    }
    if check.doc.strip():
        rule["help"] = {"text": check.doc.strip(), "markdown": check.doc.strip()}
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
    return {"uri": quote(file.replace(os.sep, "/"), safe="/"), "uriBaseId": ROOT_ID}


def _region(start: int, end: int) -> dict[str, int] | None:
    if start < 1:
        return None
    return {"startLine": start, "endLine": max(end, start)}


def _physical(file: str, start: int, end: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    region = _region(start, end)
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
                "physicalLocation": _physical(finding.file, finding.start_line, finding.end_line),
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


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    return json.dumps(_clean(document(report, context)), indent=2, ensure_ascii=True) + "\n"
