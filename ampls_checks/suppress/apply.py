"""The suppress stage, the last of the scan, between the checks and the reporters.

Two kinds of suppression, and one identity for findings that both the baseline and SARIF use:

- inline: a `checkov:skip=CKV_AMPLS_n:reason` comment inside the resource (Terraform, Bicep) or
  an ARM `metadata` entry. The parsers read them (comments.py) and `mark_skips` marks the finding
  (`Finding.suppression`). A suppressed finding stays in the report, so JSON and SARIF can show
  it with its reason, but it never counts: not in the text listing, not in the exit code.
- baseline: findings recorded by `--create-baseline`; `apply_baseline` moves them from the
  report's findings to its `baselined` list (see baseline.py for the matching rules).

The scan marks inline skips before it caches a result and applies the baseline after: the
baseline file is not part of what a cached result depends on.

A finding's identity is its check id, file and resource address, not its line, so that it
survives edits elsewhere in the file.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from dataclasses import replace

from ampls_checks.model import Entity, Finding, ScanReport
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


def mark_skips(findings: list[Finding], entities: Iterable[Entity]) -> list[Finding]:
    """Each finding on a resource that skips its check (an id or a shell wildcard), marked with
    that skip."""
    by_address = {e.address + "\0" + e.location.file: e for e in entities}
    marked = []
    for finding in findings:
        entity = by_address.get(finding.resource + "\0" + finding.file)
        if entity is not None:
            skip = next((s for s in entity.suppressions if fnmatch.fnmatchcase(finding.check_id, s.check_id)), None)
            if skip is not None:
                finding = replace(finding, suppression=skip)
        marked.append(finding)
    return marked


def apply_baseline(report: ScanReport, baseline: Baseline | None) -> ScanReport:
    """The report with the findings the baseline holds moved to `baselined`."""
    if baseline is None:
        return report
    new, known = split(report.findings, baseline)
    return replace(report, findings=new, baselined=known)
