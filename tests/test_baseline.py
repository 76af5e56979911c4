"""Baselines: `--create-baseline FILE` records today's findings, `--baseline FILE` reports only new
ones; matching is by check, file and resource, so line shifts do not resurface old findings."""

from __future__ import annotations

import json
import shutil

import pytest

from ampls_checks.checks import Finding, Severity
from ampls_checks.cli import main
from ampls_checks.suppress.baseline import Baseline, Entry, split

from .conftest import FIXTURES

BASIC = FIXTURES / "annotations" / "basic"
NEW_SCOPE = (
    '\nresource "azurerm_monitor_private_link_scope" "added" {\n'
    '  name                  = "ampls-added"\n'
    '  resource_group_name   = "rg-monitoring"\n'
    '  ingestion_access_mode = "PrivateOnly"\n'
    '  query_access_mode     = "Open"\n'
    "}\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def repo(tmp_path, in_dir):
    shutil.copytree(BASIC, tmp_path / "infra")
    in_dir(tmp_path)
    return tmp_path


def test_create_baseline_records_active_findings_without_lines_and_exits_zero(repo, capsys):
    code, out, err = run(capsys, "infra", "--create-baseline", "baseline.json")
    assert code == 0
    assert out.splitlines()[-1] == "3 findings, 0 errors in 1 file (1 suppressed)"
    assert err == "ampls-checks: recorded 3 findings in baseline.json\n"
    document = json.loads((repo / "baseline.json").read_text())
    assert document["tool"] == "ampls-checks" and document["version"] == 1
    assert [(f["check_id"], f["file"], f["resource"]) for f in document["findings"]] == [
        ("CKV_AMPLS_1", "infra/main.tf", "azurerm_monitor_private_link_scope.hub"),
        ("CKV_AMPLS_13", "infra/main.tf", "azurerm_monitor_private_link_scope.hub"),
        ("CKV_AMPLS_13", "infra/main.tf", "azurerm_monitor_private_link_scope.migration"),
    ]
    assert all(set(f) == {"check_id", "file", "resource", "message"} for f in document["findings"])


def test_with_the_baseline_nothing_is_new(repo, capsys):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    code, out, _err = run(capsys, "infra", "--baseline", "baseline.json")
    assert code == 0
    assert out == "0 findings, 0 errors in 1 file (1 suppressed, 3 in baseline)\n"


def test_line_shifts_do_not_resurface_baselined_findings(repo, capsys):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    main_tf = repo / "infra" / "main.tf"
    main_tf.write_text(
        '# moved down\n\nresource "azurerm_resource_group" "rg" {\n  name = "rg"\n}\n\n' + main_tf.read_text()
    )
    code, out, _err = run(capsys, "infra", "--baseline", "baseline.json")
    assert code == 0
    assert out.splitlines() == ["0 findings, 0 errors in 1 file (1 suppressed, 3 in baseline)"]


def test_only_new_findings_are_reported_and_fail_the_run(repo, capsys):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    with (repo / "infra" / "main.tf").open("a") as handle:
        handle.write(NEW_SCOPE)
    code, out, _err = run(capsys, "infra", "--baseline", "baseline.json")
    assert code == 1
    assert [line.split(": ")[0] + " " + line.split(" ")[1] for line in out.splitlines()[:-1]] == [
        "infra/main.tf:16 CKV_AMPLS_13",
        "infra/main.tf:20 CKV_AMPLS_2",
    ]
    assert out.splitlines()[-1] == "2 findings, 0 errors in 1 file (1 suppressed, 3 in baseline)"


def test_the_baseline_reads_the_same_from_another_working_directory(repo, capsys, in_dir):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    in_dir(repo / "infra")
    code, out, _err = run(capsys, ".", "--baseline", "../baseline.json")
    assert code == 0
    assert "3 in baseline" in out


def test_a_fixed_finding_just_leaves_the_report(repo, capsys):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    main_tf = repo / "infra" / "main.tf"
    main_tf.write_text(
        main_tf.read_text().replace(
            'ingestion_access_mode = "Open"\n  query', 'ingestion_access_mode = "PrivateOnly"\n  query', 1
        )
    )
    code, out, _err = run(capsys, "infra", "--baseline", "baseline.json")
    assert code == 0
    assert out == "0 findings, 0 errors in 1 file (1 suppressed, 2 in baseline)\n"


def test_json_counts_baselined_findings_and_sarif_marks_results_new(repo, capsys):
    run(capsys, "infra", "--create-baseline", "baseline.json")
    with (repo / "infra" / "main.tf").open("a") as handle:
        handle.write(NEW_SCOPE)
    _code, out, _err = run(capsys, "infra", "--baseline", "baseline.json", "--format", "json")
    document = json.loads(out)
    assert document["summary"]["baseline"] == 3
    assert [f["resource"] for f in document["findings"] if "suppressed" not in f] == [
        "azurerm_monitor_private_link_scope.added"
    ] * 2
    _code, out, _err = run(capsys, "infra", "--baseline", "baseline.json", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert {r["baselineState"] for r in results} == {"new"}
    _code, out, _err = run(capsys, "infra", "--format", "json")
    assert "baseline" not in json.loads(out)["summary"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read baseline"),
        ("{not json", "is not valid JSON"),
        ('{"tool": "other", "version": 1, "findings": []}', "was not written by ampls-checks"),
        ('{"tool": "ampls-checks", "version": 9, "findings": []}', "has version 9"),
        ('{"tool": "ampls-checks", "version": 1, "findings": [{"check_id": 1}]}', "entry 0 lacks"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(repo, capsys, content, message):
    if content is not None:
        (repo / "baseline.json").write_text(content)
    code, out, err = run(capsys, "infra", "--baseline", "baseline.json")
    assert code == 2
    assert out == ""
    assert message in err


def test_baseline_and_create_baseline_do_not_go_together(repo, capsys):
    code, _out, err = run(capsys, "infra", "--baseline", "a.json", "--create-baseline", "b.json")
    assert code == 2
    assert "do not go together" in err


def finding(directory, resource: str, message: str, line: int) -> Finding:
    file = str(directory / "main.tf")
    return Finding("CKV_AMPLS_11", "limits", Severity.HIGH, resource, file, line, line, message, "")


def test_several_findings_of_one_check_on_one_resource_match_by_message_first(tmp_path):
    baseline = Baseline(
        str(tmp_path / "b.json"),
        (Entry("main.tf", "CKV_AMPLS_11", "scope", "endpoints over 10"),),
    )
    findings = [
        finding(tmp_path, "scope", "workspaces over 300", 3),
        finding(tmp_path, "scope", "endpoints over 10", 9),
    ]
    new, known = split(findings, baseline)
    assert [f.message for f in new] == ["workspaces over 300"]
    assert [f.message for f in known] == ["endpoints over 10"]


def test_a_changed_message_alone_does_not_make_a_finding_new(tmp_path):
    baseline = Baseline(str(tmp_path / "b.json"), (Entry("main.tf", "CKV_AMPLS_11", "scope", "old wording"),))
    new, known = split([finding(tmp_path, "scope", "new wording", 3)], baseline)
    assert (new, len(known)) == ([], 1)


def test_create_baseline_does_not_write_through_a_link(repo, capsys):
    (repo / "victim.txt").write_text("keep me\n")
    (repo / "baseline.json").symlink_to(repo / "victim.txt")
    code, _out, err = run(capsys, "infra", "--create-baseline", "baseline.json")
    assert code == 2
    assert err == (
        "ampls-checks: error: baseline: baseline.json is a symbolic link; ampls-checks does not write through "
        "links (remove the link, or name the file it points to)\n"
    )
    assert (repo / "victim.txt").read_text() == "keep me\n"
