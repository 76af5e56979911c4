"""Inline suppressions (`checkov:skip=ID:reason`): the finding stays in JSON and SARIF with its
reason, leaves the text listing, and never counts for the exit code."""

from __future__ import annotations

import json

import pytest

from ampls_checks.checks import Finding, Severity
from ampls_checks.cli import main
from ampls_checks.model import Suppression
from ampls_checks.scan import ScanReport
from ampls_checks.suppress.apply import apply_baseline, fingerprints
from ampls_checks.suppress.baseline import Baseline, Entry

TERRAFORM = (
    'resource "azurerm_monitor_private_link_scope" "migration" {\n'
    '  name                = "ampls-migration"\n'
    '  resource_group_name = "rg-monitoring"\n'
    "  # checkov:skip=CKV_AMPLS_1:agents outside the scope still send during the migration\n"
    '  ingestion_access_mode = "Open"\n'
    '  query_access_mode     = "PrivateOnly"\n'
    "}\n"
)
BICEP = (
    "resource migration 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n"
    "  name: 'ampls-migration'\n"
    "  location: 'global'\n"
    "  properties: {\n"
    "    accessModeSettings: {\n"
    "      // checkov:skip=CKV_AMPLS_1:agents outside the scope still send during the migration\n"
    "      ingestionAccessMode: 'Open'\n"
    "      queryAccessMode: 'PrivateOnly'\n"
    "    }\n"
    "  }\n"
    "}\n"
)
REASON = "agents outside the scope still send during the migration"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "skip_line", "finding_line"),
    [("main.tf", TERRAFORM, 4, 5), ("main.bicep", BICEP, 6, 7)],
)
def test_a_suppressed_finding_is_kept_in_json_and_does_not_fail_the_run(
    in_dir, capsys, tmp_path, name, content, skip_line, finding_line
):
    (tmp_path / name).write_text(content)
    in_dir(tmp_path)
    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1", "--format", "json")
    assert code == 0
    document = json.loads(out)
    (finding,) = document["findings"]
    assert (finding["check_id"], finding["file"], finding["start_line"]) == ("CKV_AMPLS_1", name, finding_line)
    assert finding["suppressed"] == {"reason": REASON, "line": skip_line}
    assert document["summary"]["findings"] == 0
    assert document["summary"]["suppressed"] == 1

    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert (code, out) == (0, "0 findings, 0 errors in 1 file (1 suppressed)\n")

    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1", "--format", "sarif")
    assert code == 0
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "inSource"
    assert result["suppressions"][0]["justification"] == REASON


def test_a_skip_for_another_check_suppresses_nothing(in_dir, capsys, tmp_path):
    (tmp_path / "main.tf").write_text(TERRAFORM.replace("CKV_AMPLS_1:", "CKV_AMPLS_2:"))
    in_dir(tmp_path)
    code, out = run(capsys, ".", "--check", "CKV_AMPLS_1")
    assert code == 1
    assert out.splitlines()[-1] == "1 finding, 0 errors in 1 file"


def finding(resource: str, line: int, suppression: Suppression | None = None) -> Finding:
    return Finding(
        "CKV_AMPLS_1", "t", Severity.HIGH, resource, "/r/main.tf", line, line, "m", "", suppression=suppression
    )


def test_fingerprints_number_repeated_identities_and_ignore_lines():
    first = fingerprints([finding("a", 1), finding("a", 5), finding("b", 9)])
    assert [value.rsplit(":", 1)[1] for value in first] == ["1", "2", "1"]
    assert first[0].split(":")[0] == first[1].split(":")[0] != first[2].split(":")[0]
    assert fingerprints([finding("a", 40)]) == first[:1]


def test_a_baseline_never_takes_an_inline_suppressed_finding():
    suppressed = finding("a", 1, Suppression("CKV_AMPLS_1", "why", 1))
    report = ScanReport(findings=[suppressed, finding("a", 2)])
    baseline = Baseline("/r/baseline.json", (Entry("main.tf", "CKV_AMPLS_1", "a", "m"),))
    filtered = apply_baseline(report, baseline)
    assert filtered.baselined == [finding("a", 2)]
    assert filtered.findings == [suppressed]
