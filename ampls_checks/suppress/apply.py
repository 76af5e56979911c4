"""The suppress stage, between the checks and the reporters.

Two kinds of suppression, and one identity for findings that both the baseline and SARIF use:

- inline: a `checkov:skip=CKV_AMPLS_n:reason` comment inside the resource (Terraform, Bicep) or
  an ARM `metadata` entry. The parsers read them and the scan marks the finding
  (`Finding.suppression`). A suppressed finding stays in the report, so JSON and SARIF can show
  it with its reason, but it never counts: not in the text listing, not in the exit code.
- baseline: findings recorded by `--create-baseline`; `apply_baseline` takes them out of the
  report (see baseline.py for the matching rules).

A finding's identity is its check id, file and resource address, not its line, so that it
survives edits elsewhere in the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from ampls_checks.model import Finding, ScanReport
from ampls_checks.suppress.baseline import Baseline, split


def identity(finding: Finding) -> tuple[str, str, str]:
    return (finding.check_id, finding.file, finding.resource)


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One stable fingerprint per finding: a hash of its identity, then `:n` for the n-th
    finding with that identity in report order (one resource can hold several findings of one
    check), so that two findings never share a fingerprint."""
    seen: dict[tuple[str, str, str], int] = {}
    result = []
    for finding in findings:
        key = identity(finding)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256("\0".join(key).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        result.append(f"{digest}:{seen[key]}")
    return result


def apply_baseline(report: ScanReport, baseline: Baseline) -> tuple[ScanReport, int]:
    """The report without the findings the baseline holds, and how many those were."""
    new, known = split(report.findings, baseline)
    return replace(report, findings=new), len(known)
