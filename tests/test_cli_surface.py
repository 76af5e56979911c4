"""The command line's manners: wrong ids and numbers are errors that name what is wrong, a closed
pipe is not an error, an empty scan says so, colour and progress only on a terminal, standard
input with `--stdin-filename`, `--list-checks --format json` and `explain`.

Each test runs the console entry point as a real process (or, for a terminal, under a pseudo
terminal) on tests/fixtures/terraform_forms/cli/.
"""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.checks import all_checks
from ampls_checks.docgen import render_page
from ampls_checks.terminal import Progress, colour_text_report, use_colour

from .conftest import REPO

CLI_CASES = Path(__file__).parent / "fixtures" / "terraform_forms" / "cli"
COMMAND = [sys.executable, "-c", "from ampls_checks.cli import entry_point; entry_point()"]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["AMPLS_CHECKS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    return env


@pytest.fixture
def cli(environment: dict[str, str]) -> Any:
    def run(*args: str, cwd: Path = CLI_CASES, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [*COMMAND, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=environment, input=stdin
        )
        assert "Traceback" not in completed.stderr, completed.stderr
        return completed

    return run


# ---------------------------------------------------------------------------------------------
# Wrong command lines
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--check", "CKV_AMPLS_1,CKV_BOGUS", "'CKV_BOGUS'"),
        ("--skip-check", "CKV_AMPLS_2,ckv_nope_7", "'ckv_nope_7'"),
        ("--check", "CKV_AWS_*", "'CKV_AWS_*'"),
    ],
)
def test_an_unknown_check_id_is_an_error_naming_it(cli: Any, option: str, value: str, named: str) -> None:
    completed = cli("findings", option, value)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert f"{option}: unknown check {named}" in completed.stderr


def test_known_ids_and_wildcards_in_any_case_are_accepted(cli: Any) -> None:
    completed = cli("findings", "--check", "ckv_ampls_1,CKV_AMPLS_2*", "--skip-check", "CKV_AMPLS_13")
    assert completed.returncode == 1, completed.stderr
    assert [line.split()[1] for line in completed.stdout.splitlines()[:-1]] == ["CKV_AMPLS_1", "CKV_AMPLS_2"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-file-size", "-5"), ("--max-file-size", "0"), ("--jobs", "0"), ("--jobs", "-3"), ("-j", "x")],
)
def test_numbers_out_of_range_are_errors(cli: Any, option: str, value: str) -> None:
    completed = cli("findings", f"{option}={value}")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "ampls-checks: error: argument" in completed.stderr
    assert "must be at least 1" in completed.stderr or "is not a whole number" in completed.stderr
    assert "ValueError" not in completed.stderr


def test_standard_input_is_scanned_with_its_neighbours(cli: Any) -> None:
    # examples/terraform/main.tf takes its workspace's public ingestion from terraform.tfvars beside
    # it: the buffer alone could not tell, its directory can. Only the buffer's findings are shown.
    source = (REPO / "examples" / "terraform" / "main.tf").read_text(encoding="utf-8")
    completed = cli("-", "--stdin-filename", "examples/terraform/main.tf", cwd=REPO, stdin=source)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert [line.split(" [")[0] for line in lines[:-1]] == ["examples/terraform/main.tf:51: CKV_AMPLS_3"]
    assert lines[-1].startswith("1 finding, 0 errors in ")
    fixed = source.replace(
        "internet_ingestion_enabled = var.allow_public_ingestion", "internet_ingestion_enabled = false"
    )
    assert fixed != source
    completed = cli("-", "--stdin-filename", "examples/terraform/main.tf", cwd=REPO, stdin=fixed)
    assert completed.returncode == 0, completed.stdout
    assert completed.stdout.startswith("0 findings, 0 errors in ")
    # the file on disk was not touched
    assert (REPO / "examples" / "terraform" / "main.tf").read_text(encoding="utf-8") == source


def test_a_broken_buffer_is_an_error_on_that_file(cli: Any) -> None:
    broken = 'resource "azurerm_monitor_private_link_scope" "s" {\n'
    completed = cli("-", "--stdin-filename", "findings/main.tf", stdin=broken)
    assert completed.returncode == 2
    assert completed.stdout.startswith("findings/main.tf:2: error: invalid HCL")
    assert completed.stdout.endswith("0 findings, 1 error in 1 file\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-"], "reading standard input ('-') needs --stdin-filename FILE"),
        (["-", "clean"], "'-' (standard input) must be the only PATH"),
        (["clean", "--stdin-filename", "clean/main.tf"], "'-' (standard input) must be the only PATH"),
        (["-", "--stdin-filename", "nowhere/main.tf"], "--stdin-filename 'nowhere/main.tf' is not an existing file"),
        (["-", "--stdin-filename", "findings"], "is not an existing file"),
        (["-", "--stdin-filename", "clean/main.tf", "--changed-files"], "'-' does not go with --changed-files"),
    ],
)
def test_standard_input_misuse_is_explained(cli: Any, args: list[str], message: str) -> None:
    completed = cli(*args, stdin="")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert message in completed.stderr


# ---------------------------------------------------------------------------------------------
# Pipes and empty scans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status"),
    [(["--list-checks"], 0), (["findings"], 1), (["explain", "CKV_AMPLS_6"], 0), (["--help"], 0)],
)
def test_a_closed_pipe_ends_the_output_quietly(environment: dict[str, str], args: list[str], status: int) -> None:
    # `ampls-checks ... | head -1`: the reader goes away after one line (here: before any).
    reader, writer = os.pipe()
    os.close(reader)
    try:
        completed = subprocess.run(
            [*COMMAND, *args], cwd=CLI_CASES, stdout=writer, stderr=subprocess.PIPE, text=True, env=environment
        )
    finally:
        os.close(writer)
    assert completed.stderr == ""
    assert completed.returncode == status


def test_head_of_a_shell_pipeline(environment: dict[str, str]) -> None:
    command = " ".join(f"'{part}'" for part in COMMAND) + " --list-checks | head -1; echo status=${PIPESTATUS[0]}"
    completed = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=environment)
    assert completed.stdout.splitlines()[0].startswith("CKV_AMPLS_1\tHIGH\t")
    assert completed.stdout.splitlines()[-1] == "status=0"
    assert completed.stderr == ""


def test_an_empty_directory_says_nothing_was_scanned(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# not infrastructure\n")
    for target in ("empty", "docs"):
        completed = cli(target, cwd=tmp_path)
        assert completed.returncode == 0
        assert completed.stdout == "0 findings, 0 errors in 0 files\n"
        assert f"ampls-checks: nothing was scanned: no .tf, .tfvars, .json or .bicep file in {target};" in (
            completed.stderr
        )
        assert "pass the files or directories" in completed.stderr


def test_a_scan_that_reads_files_says_nothing_extra(cli: Any) -> None:
    completed = cli("clean")
    assert completed.stderr == ""


# ---------------------------------------------------------------------------------------------
# --list-checks --format json, explain
# ---------------------------------------------------------------------------------------------


def test_list_checks_as_json(cli: Any) -> None:
    completed = cli("--list-checks", "--format", "json", "--check", "CKV_AMPLS_1,CKV_AMPLS_6")
    assert completed.returncode == 0
    rows = json.loads(completed.stdout)
    assert [row["id"] for row in rows] == ["CKV_AMPLS_1", "CKV_AMPLS_6"]
    assert rows[1]["severity"] == "HIGH"
    assert rows[1]["name"] == "Private DNS zone group of an Azure Monitor private endpoint has every required zone"
    assert rows[1]["languages"] == ["terraform", "arm", "bicep"]
    assert rows[1]["guideline"].startswith("https://learn.microsoft.com/")
    everything = json.loads(cli("--list-checks", "--format", "json").stdout)
    assert [row["id"] for row in everything] == [check.id for check in all_checks()]


def test_list_checks_refuses_a_format_it_cannot_print(cli: Any) -> None:
    completed = cli("--list-checks", "--format", "sarif")
    assert completed.returncode == 2
    assert "--list-checks prints text or json, not sarif" in completed.stderr


@pytest.mark.parametrize("argument", ["CKV_AMPLS_6", "ckv_ampls_6", "6"])
def test_explain_prints_the_checks_page(cli: Any, argument: str) -> None:
    completed = cli("explain", argument)
    assert completed.returncode == 0
    assert completed.stdout.startswith("# CKV_AMPLS_6: Private DNS zone group of an Azure Monitor private endpoint")
    # The same page as docs/checks/, rendered from the installed package (no docs/ needed).
    assert completed.stdout == (REPO / "docs" / "checks" / "CKV_AMPLS_6.md").read_text(encoding="utf-8")


def test_explain_renders_every_check_from_its_docstring() -> None:
    for check in all_checks():
        page = render_page(check)
        assert page.startswith(f"# {check.id}: {check.name}\n")
        assert check.doc.strip()[:40] in page


@pytest.mark.parametrize("arguments", [["CKV_AMPLS_99"], ["nonsense"], [], ["CKV_AMPLS_1", "CKV_AMPLS_2"]])
def test_explain_without_a_known_id_is_an_error(cli: Any, arguments: list[str]) -> None:
    completed = cli("explain", *arguments)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert ("unknown check" in completed.stderr) or ("usage: ampls-checks explain" in completed.stderr)


# ---------------------------------------------------------------------------------------------
# Colour and progress: only on a terminal
# ---------------------------------------------------------------------------------------------


def run_in_terminal(args: list[str], env: dict[str, str], cwd: Path = CLI_CASES) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo terminal; what the terminal received, and the status."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=follower, stderr=follower, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = process.wait(timeout=120)
    finally:
        os.close(leader)
    return status, b"".join(chunks).decode("utf-8", "replace")


def test_severities_are_coloured_on_a_terminal(environment: dict[str, str]) -> None:
    status, output = run_in_terminal(["findings"], environment)
    assert status == 1
    assert "CKV_AMPLS_1 \x1b[1;31m[HIGH]\x1b[0m azurerm_monitor_private_link_scope.ampls" in output
    assert "CKV_AMPLS_13 \x1b[36m[LOW]\x1b[0m" in output


@pytest.mark.parametrize(("flag", "extra"), [("--no-color", {}), (None, {"NO_COLOR": "1"}), (None, {"TERM": "dumb"})])
def test_no_colour_when_asked(environment: dict[str, str], flag: str | None, extra: dict[str, str]) -> None:
    status, output = run_in_terminal(["findings", *([flag] if flag else [])], {**environment, **extra})
    assert status == 1
    assert "[HIGH]" in output
    assert "\x1b[" not in output


def test_no_colour_in_a_pipe(cli: Any) -> None:
    completed = cli("findings")
    assert "[HIGH]" in completed.stdout
    assert "\x1b" not in completed.stdout + completed.stderr


def test_colour_decision() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_colour(Terminal(), False, {})
    assert not use_colour(Terminal(), True, {})
    assert not use_colour(Terminal(), False, {"NO_COLOR": "yes"})
    assert use_colour(Terminal(), False, {"NO_COLOR": ""})  # no-color.org: only a non-empty value counts
    assert not use_colour(io.StringIO(), False, {})


def test_colouring_touches_only_the_severity_marker() -> None:
    text = (
        "a.tf:3: CKV_AMPLS_6 [HIGH] x: lacks [LOW] zones\n"
        "weird [HIGH] name.tf:1: CKV_AMPLS_12 [LOW] y: m\n"
        "1 finding, 0 errors in 1 file\n"
    )
    coloured = colour_text_report(text)
    assert coloured.split("\n")[0] == "a.tf:3: CKV_AMPLS_6 \x1b[1;31m[HIGH]\x1b[0m x: lacks [LOW] zones"
    assert coloured.split("\n")[1] == "weird [HIGH] name.tf:1: CKV_AMPLS_12 \x1b[36m[LOW]\x1b[0m y: m"
    assert coloured.split("\n")[2:] == text.split("\n")[2:]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_appears_only_after_the_delay_and_is_erased() -> None:
    stream = FakeTerminal()
    with Progress("big/repo", enabled=True, stream=stream, delay=0.05):
        time.sleep(0.3)
    written = stream.getvalue()
    assert "ampls-checks: scanning big/repo ... " in written
    assert written.endswith("\r\x1b[2K")

    quick = FakeTerminal()
    with Progress("small", enabled=True, stream=quick, delay=5):
        pass
    assert quick.getvalue() == ""

    off = FakeTerminal()
    with Progress("big/repo", enabled=False, stream=off, delay=0):
        time.sleep(0.1)
    assert off.getvalue() == ""


def test_quick_scans_on_a_terminal_show_no_progress_line(environment: dict[str, str]) -> None:
    status, output = run_in_terminal(["clean", "--no-color"], environment)
    assert status == 0
    assert "scanning" not in output
