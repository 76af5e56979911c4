"""Specification of the command line, run as a real process on fixture directories.

Every test runs `python -m ampls_checks.cli` (what the `ampls-checks` console script calls) from
tests/fixtures/terraform_forms/cli/, so the paths it prints are relative to that directory. The
parse cache goes to a temporary directory, never to the user's.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ampls_checks

CLI_CASES = Path(__file__).parent / "fixtures" / "terraform_forms" / "cli"
REPO = Path(__file__).parent.parent
TEXT_LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): (?P<id>CKV_AMPLS_\d+) \[(?P<severity>[A-Z]+)\] "
    r"(?P<resource>[^:]+): (?P<message>.+)$"
)
FINDING_KEYS = {
    "check_id",
    "check_name",
    "severity",
    "file",
    "start_line",
    "end_line",
    "resource",
    "message",
    "guideline",
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def cli(cache_dir: Path) -> Any:
    def run(*args: str, cwd: Path = CLI_CASES) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [sys.executable, "-m", "ampls_checks.cli", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "AMPLS_CHECKS_CACHE_DIR": str(cache_dir)},
        )
        assert "Traceback" not in completed.stderr, completed.stderr
        return completed

    return run


def text_findings(stdout: str) -> list[tuple[str, int, str, str, str]]:
    out = []
    for line in stdout.splitlines()[:-1]:
        match = TEXT_LINE.match(line)
        if match:
            out.append(
                (match["file"], int(match["line"]), match["id"], match["severity"], match["resource"]),
            )
    return out


def ids(stdout: str) -> list[str]:
    return [f[2] for f in text_findings(stdout)]


# ---------------------------------------------------------------------------------------------
# Text output
# ---------------------------------------------------------------------------------------------


def test_text_lists_one_finding_a_line_then_the_summary(cli: Any) -> None:
    completed = cli("findings")
    lines = completed.stdout.splitlines()
    assert text_findings(completed.stdout) == [
        ("findings/main.tf", 1, "CKV_AMPLS_13", "LOW", "azurerm_monitor_private_link_scope.ampls"),
        ("findings/main.tf", 4, "CKV_AMPLS_1", "HIGH", "azurerm_monitor_private_link_scope.ampls"),
        ("findings/main.tf", 5, "CKV_AMPLS_2", "HIGH", "azurerm_monitor_private_link_scope.ampls"),
    ]
    assert len(lines) == 4
    assert lines[-1] == "3 findings, 0 errors in 1 file"
    assert "PrivateOnly" in lines[1]
    assert "'Private'" in lines[2] and "PrivateOnly" in lines[2]  # the typo is named
    assert completed.stderr == ""


def test_text_and_json_carry_the_same_findings_and_messages(cli: Any) -> None:
    text = cli("findings").stdout.splitlines()[:-1]
    document = json.loads(cli("findings", "--format", "json").stdout)
    rebuilt = [
        f"{f['file']}:{f['start_line']}: {f['check_id']} [{f['severity']}] {f['resource']}: {f['message']}"
        for f in document["findings"]
    ]
    assert rebuilt == text


def test_a_clean_directory_prints_only_the_summary_and_exits_0(cli: Any) -> None:
    completed = cli("clean")
    assert completed.stdout == "0 findings, 0 errors in 1 file\n"
    assert completed.returncode == 0


def test_the_default_path_is_the_working_directory(cli: Any) -> None:
    completed = cli(cwd=CLI_CASES / "findings")
    assert [(f[0], f[1], f[2]) for f in text_findings(completed.stdout)] == [
        ("main.tf", 1, "CKV_AMPLS_13"),
        ("main.tf", 4, "CKV_AMPLS_1"),
        ("main.tf", 5, "CKV_AMPLS_2"),
    ]


# ---------------------------------------------------------------------------------------------
# JSON output
# ---------------------------------------------------------------------------------------------


def test_json_has_findings_errors_and_summary(cli: Any) -> None:
    completed = cli("findings", "--format", "json")
    document = json.loads(completed.stdout)
    assert set(document) == {"findings", "errors", "summary"}
    assert document["errors"] == []
    assert [set(f) for f in document["findings"]] == [FINDING_KEYS] * 3
    ingestion = document["findings"][1]
    assert {k: v for k, v in ingestion.items() if k not in ("message", "guideline")} == {
        "check_id": "CKV_AMPLS_1",
        "check_name": "Azure Monitor Private Link Scope ingestion access mode is PrivateOnly",
        "severity": "HIGH",
        "file": "findings/main.tf",
        "start_line": 4,
        "end_line": 4,
        "resource": "azurerm_monitor_private_link_scope.ampls",
    }
    assert ingestion["message"] and ingestion["guideline"].startswith("https://")
    omission = document["findings"][0]  # CKV_AMPLS_13 is about the whole block
    assert (omission["start_line"], omission["end_line"]) == (1, 6)
    assert document["summary"]["findings"] == 3
    assert document["summary"]["errors"] == 0
    assert document["summary"]["files_scanned"] == 1
    assert completed.returncode == 1


def test_json_file_is_relative_to_the_working_directory_with_slashes(cli: Any) -> None:
    completed = cli("--format", "json", "tests/fixtures/terraform_forms/cli/findings", cwd=REPO)
    files = {f["file"] for f in json.loads(completed.stdout)["findings"]}
    assert files == {"tests/fixtures/terraform_forms/cli/findings/main.tf"}


def test_json_file_given_as_an_absolute_path_under_the_working_directory_is_relative(cli: Any) -> None:
    completed = cli("--format", "json", str(CLI_CASES / "findings"))
    assert {f["file"] for f in json.loads(completed.stdout)["findings"]} == {"findings/main.tf"}


def test_json_file_outside_the_working_directory_is_absolute(cli: Any, tmp_path: Path) -> None:
    completed = cli("--format", "json", str(CLI_CASES / "findings"), cwd=tmp_path)
    files = {f["file"] for f in json.loads(completed.stdout)["findings"]}
    assert files == {Path(os.path.abspath(CLI_CASES / "findings" / "main.tf")).as_posix()}


def test_json_errors_name_the_file_and_line(cli: Any) -> None:
    document = json.loads(cli("broken", "--format", "json").stdout)
    [error] = document["errors"]
    assert set(error) == {"file", "line", "message"}
    assert error["file"] == "broken/broken.tf"
    assert isinstance(error["line"], int) and error["line"] >= 6
    assert "invalid HCL" in error["message"]


# ---------------------------------------------------------------------------------------------
# Exit codes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["clean"], 0),
        (["findings"], 1),
        (["broken"], 2),  # an unparseable file, beside a file with findings: 2 wins over 1
        (["findings", "no-such-directory"], 2),
    ],
)
def test_exit_codes(cli: Any, args: list[str], code: int) -> None:
    assert cli(*args).returncode == code


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-option"],
        ["--format", "yaml"],
        ["--fail-on", "EXTREME"],
        ["--cloud", "mars"],
        ["--check", "NOT_A_CHECK_*"],
        ["--limit", "endpoints-per-scope=many"],
    ],
)
def test_a_bad_option_exits_2_with_a_message(cli: Any, args: list[str]) -> None:
    completed = cli("findings", *args)
    assert completed.returncode == 2
    assert "error" in completed.stderr
    assert completed.stdout == ""


def test_a_negative_evaluation_budget_is_a_usage_error(cli: Any) -> None:
    completed = cli("findings", "--max-eval-steps", "-5")
    assert completed.returncode == 2
    assert "--max-eval-steps" in completed.stderr


def test_fail_on_high_ignores_lower_findings_but_still_lists_them(cli: Any) -> None:
    completed = cli("low_only", "--fail-on", "HIGH")
    assert completed.returncode == 0
    assert ids(completed.stdout) == ["CKV_AMPLS_13"]
    assert cli("low_only").returncode == 1  # default LOW


@pytest.mark.parametrize(("threshold", "code"), [("LOW", 1), ("medium", 1), ("HIGH", 1), ("CRITICAL", 0)])
def test_fail_on_compares_with_the_highest_finding(cli: Any, threshold: str, code: int) -> None:
    assert cli("findings", "--fail-on", threshold).returncode == code


def test_fail_on_does_not_hide_an_unparseable_file(cli: Any) -> None:
    assert cli("broken", "--fail-on", "CRITICAL").returncode == 2


# ---------------------------------------------------------------------------------------------
# Selecting checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--check", "CKV_AMPLS_1"], ["CKV_AMPLS_1"]),
        (["--check", "CKV_AMPLS_1,CKV_AMPLS_2"], ["CKV_AMPLS_1", "CKV_AMPLS_2"]),
        (["--check", "CKV_AMPLS_2", "--check", "CKV_AMPLS_13"], ["CKV_AMPLS_13", "CKV_AMPLS_2"]),
        (["--check", "ckv_ampls_2"], ["CKV_AMPLS_2"]),
        (["--check", "CKV_AMPLS_1*"], ["CKV_AMPLS_13", "CKV_AMPLS_1"]),
        (["--skip-check", "CKV_AMPLS_1*"], ["CKV_AMPLS_2"]),
        (["--skip-check", "CKV_AMPLS_2,CKV_AMPLS_13"], ["CKV_AMPLS_1"]),
        (["--check", "CKV_AMPLS_1*", "--skip-check", "CKV_AMPLS_13"], ["CKV_AMPLS_1"]),
        (["--skip-check", "CKV_AMPLS_*"], []),
    ],
)
def test_check_and_skip_check_take_ids_and_wildcards(cli: Any, args: list[str], expected: list[str]) -> None:
    completed = cli("findings", *args)
    assert ids(completed.stdout) == expected
    assert completed.returncode == (1 if expected else 0)


CHECK_NUMBERS = list(range(1, 25))


def test_list_checks_lists_every_check_in_numeric_order(cli: Any) -> None:
    completed = cli("--list-checks")
    rows = [line.split("\t") for line in completed.stdout.splitlines()]
    assert [row[0] for row in rows] == [f"CKV_AMPLS_{n}" for n in CHECK_NUMBERS]
    assert all(len(row) == 3 and row[1] in ("LOW", "MEDIUM", "HIGH", "CRITICAL") and row[2] for row in rows)
    assert completed.returncode == 0


def test_list_checks_honours_the_selection(cli: Any) -> None:
    completed = cli("--list-checks", "--check", "CKV_AMPLS_1*")
    assert [line.split("\t")[0] for line in completed.stdout.splitlines()] == [
        "CKV_AMPLS_1",
        "CKV_AMPLS_10",
        "CKV_AMPLS_11",
        "CKV_AMPLS_12",
        "CKV_AMPLS_13",
        "CKV_AMPLS_14",
        "CKV_AMPLS_15",
        "CKV_AMPLS_16",
        "CKV_AMPLS_17",
        "CKV_AMPLS_18",
        "CKV_AMPLS_19",
    ]


# ---------------------------------------------------------------------------------------------
# Other options
# ---------------------------------------------------------------------------------------------


def test_output_file_receives_the_report_and_stdout_stays_empty(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    completed = cli("findings", "--format", "json", "--output-file", str(target))
    assert completed.stdout == ""
    assert completed.returncode == 1
    assert [f["check_id"] for f in json.loads(target.read_text(encoding="utf-8"))["findings"]] == [
        "CKV_AMPLS_13",
        "CKV_AMPLS_1",
        "CKV_AMPLS_2",
    ]


def test_output_file_in_text_format_holds_what_stdout_would(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    cli("findings", "--output-file", str(target))
    assert target.read_text(encoding="utf-8") == cli("findings").stdout


def test_cloud_usgovernment_requires_the_government_zones(cli: Any) -> None:
    public = cli("clean")
    government = cli("clean", "--cloud", "usgovernment", "--format", "json")
    assert public.returncode == 0
    [finding] = json.loads(government.stdout)["findings"]
    assert (finding["check_id"], finding["file"], finding["start_line"], finding["resource"]) == (
        "CKV_AMPLS_6",
        "clean/main.tf",
        72,
        "azurerm_private_endpoint.ampls",
    )
    assert "privatelink.monitor.azure.us" in finding["message"]
    assert government.returncode == 1


def test_require_private_reports_public_access_on_unlinked_resources(cli: Any) -> None:
    assert cli("require_private").stdout == "0 findings, 0 errors in 1 file\n"
    completed = cli("require_private", "--require-private")
    assert [(f[0], f[1], f[2]) for f in text_findings(completed.stdout)] == [
        ("require_private/main.tf", 2, "CKV_AMPLS_3"),
        ("require_private/main.tf", 2, "CKV_AMPLS_4"),
    ]


def test_verbose_says_on_stderr_what_was_unknown_and_no_finding_is_made_of_it(cli: Any) -> None:
    quiet = cli("unknown_variable", "--check", "CKV_AMPLS_1")
    assert quiet.stdout == "0 findings, 0 errors in 1 file\n"
    assert quiet.stderr == ""
    assert quiet.returncode == 0
    verbose = cli("unknown_variable", "--check", "CKV_AMPLS_1", "--verbose")
    assert verbose.stdout == quiet.stdout
    [note] = verbose.stderr.splitlines()
    assert note.startswith("unknown_variable/main.tf:9: unknown: azurerm_monitor_private_link_scope.ampls:")
    assert "ingestion_access_mode" in note and "ingestion_mode" in note


def test_version_prints_the_package_version(cli: Any) -> None:
    completed = cli("--version")
    assert completed.stdout == f"ampls-checks {ampls_checks.__version__}\n"
    assert completed.returncode == 0


def test_version_and_help_do_not_load_the_hcl_parser(cli: Any) -> None:
    script = (
        "import sys\n"
        "from ampls_checks import cli\n"
        "for argv in (['--version'], ['--help']):\n"
        "    try:\n"
        "        cli.main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('hcl2', 'lark', 'jsonpath_ng', 'pycep'))\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert completed.stderr == "[]"


def test_the_console_script_is_the_cli_entry_point() -> None:
    [script] = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "ampls-checks"]
    assert script.value == "ampls_checks.cli:entry_point"


# ---------------------------------------------------------------------------------------------
# Broken input
# ---------------------------------------------------------------------------------------------


def test_a_broken_file_is_an_error_naming_it_and_the_other_files_are_still_scanned(cli: Any) -> None:
    completed = cli("broken")
    lines = completed.stdout.splitlines()
    # What the broken file declares is unknown (it may be the scope's endpoint), so the absence
    # check CKV_AMPLS_13 is silent; what good.tf itself says is still reported.
    assert [(f[0], f[1], f[2]) for f in text_findings(completed.stdout)] == [("broken/good.tf", 4, "CKV_AMPLS_1")]
    [error] = [line for line in lines if ": error: " in line]
    assert re.match(r"^broken/broken\.tf:\d+: error: invalid HCL", error)
    assert lines[-1] == "1 finding, 1 error in 2 files"
    assert completed.stderr == ""


@pytest.mark.parametrize(
    "value",
    ["1e400", "1e400 - 1e400", "length([1, 2][1e400])", 'length(element(["a"], 1e400))'],
    ids=["infinite_count", "nan_count", "infinite_index", "infinite_element"],
)
def test_an_infinite_number_is_unknown_not_an_internal_error(cli: Any, tmp_path: Path, value: str) -> None:
    (tmp_path / "zones.tf").write_text(f'resource "azurerm_private_dns_zone" "z" {{\n  count = {value}\n}}\n')
    (tmp_path / "scope.tf").write_text(
        'resource "azurerm_monitor_private_link_scope" "s" {\n  name = "s"\n  ingestion_access_mode = "Open"\n}\n'
    )
    completed = cli(".", "--check", "CKV_AMPLS_1", cwd=tmp_path)
    assert "internal error" not in completed.stderr
    assert ids(completed.stdout) == ["CKV_AMPLS_1"]
