"""JUnit XML, for the test result views of Azure Pipelines (PublishTestResults), GitLab and Jenkins.

One `testsuite` per check that ran, one `testcase` per check and resource:

- a resource with findings of that check is a test case with a `failure` (its first message in
  the attribute, every finding with file and line in the text);
- a resource whose only findings are suppressed inline is a `skipped` test case with the reason;
- a check with no finding at all has one passing test case, so that the run lists what was
  checked (the scanner reports problems, not every resource it looked at);
- files that could not be analysed are test cases with an `error`, in a suite of their own.

Names come from scanned files, so every string goes through `xml_text`/`xml_attribute`: the
document stays well-formed XML 1.0 even when a name holds control characters.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ampls_checks.model import Finding, ScanReport
from ampls_checks.reporters import ReportContext
from ampls_checks.reporters._safe import xml_attribute, xml_text

PASSED_NAME = "no finding"


def _line(finding: Finding) -> str:
    return f"{finding.file}:{finding.start_line}: {finding.check_id} [{finding.severity.value}] {finding.message}"


def render(report: ScanReport, context: ReportContext | None = None) -> str:
    root = ET.Element("testsuites", {"name": "ampls-checks"})
    names = {check.id: check.name for check in report.checks_run}
    order = [check.id for check in report.checks_run]
    by_check: dict[str, dict[tuple[str, str], list[Finding]]] = {}
    for finding in report.findings:
        if finding.check_id not in names:
            names[finding.check_id] = finding.check_name
            order.append(finding.check_id)
        by_check.setdefault(finding.check_id, {}).setdefault((finding.resource, finding.file), []).append(finding)

    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check_id in order:
        suite = ET.SubElement(root, "testsuite", {"name": check_id})
        ET.SubElement(
            ET.SubElement(suite, "properties"), "property", {"name": "title", "value": xml_attribute(names[check_id])}
        )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        resources = by_check.get(check_id, {})
        for (resource, _file), findings in resources.items():
            first = findings[0]
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": check_id,
                    "name": xml_attribute(resource),
                    "file": xml_attribute(first.file),
                    "line": str(first.start_line),
                },
            )
            counts["tests"] += 1
            active = [f for f in findings if f.suppression is None]
            if active:
                failure = ET.SubElement(
                    case, "failure", {"type": active[0].severity.value, "message": xml_attribute(active[0].message)}
                )
                failure.text = xml_text("\n".join(_line(f) for f in active))
                counts["failures"] += 1
            else:
                reason = first.suppression.reason if first.suppression is not None else ""
                message = f"suppressed: {reason}" if reason else "suppressed"
                ET.SubElement(case, "skipped", {"message": xml_attribute(message)})
                counts["skipped"] += 1
        if not resources:
            ET.SubElement(suite, "testcase", {"classname": check_id, "name": PASSED_NAME})
            counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value

    if report.errors:
        suite = ET.SubElement(root, "testsuite", {"name": "ampls-checks input"})
        for error in report.errors:
            case = ET.SubElement(suite, "testcase", {"classname": "input", "name": xml_attribute(error.file)})
            where = f"{error.file}:{error.line}" if error.line else error.file
            element = ET.SubElement(case, "error", {"message": xml_attribute(error.message)})
            element.text = xml_text(f"{where}: {error.message}")
        count = len(report.errors)
        suite.set("tests", str(count))
        suite.set("errors", str(count))
        suite.set("failures", "0")
        suite.set("skipped", "0")
        totals["tests"] += count
        totals["errors"] += count
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
