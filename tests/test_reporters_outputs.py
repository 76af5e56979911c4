"""Several formats from one scan: `--format NAME[:FILE]`, and `--output-file` for the last format
named without a file."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from ampls_checks.cli import main, resolve_outputs

from .conftest import FIXTURES

BASIC = FIXTURES / "annotations" / "basic"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--no-cache", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_with_output_file_writes_the_file_and_prints_nothing(in_dir, capsys, tmp_path):
    in_dir(BASIC)
    target = tmp_path / "report.json"
    code, out, _err = run(capsys, ".", "--format", "json", "--output-file", str(target))
    assert code == 1
    assert out == ""
    assert json.loads(target.read_text())["summary"]["findings"] == 3


def test_text_on_stdout_and_sarif_in_the_output_file(in_dir, capsys, tmp_path):
    in_dir(BASIC)
    target = tmp_path / "results.sarif"
    code, out, _err = run(capsys, ".", "--format", "text", "--format", "sarif", "--output-file", str(target))
    assert code == 1
    assert out.splitlines()[-1] == "3 findings, 0 errors in 1 file (1 suppressed)"
    assert len(json.loads(target.read_text())["runs"][0]["results"]) == 4


def test_format_colon_file_for_each_artifact(in_dir, capsys, tmp_path):
    in_dir(BASIC)
    sarif, junit = tmp_path / "r.sarif", tmp_path / "r.xml"
    code, out, _err = run(
        capsys, ".", "-f", "github", "-f", f"sarif:{sarif}", "--format", f"junitxml:{junit}", "--fail-on", "HIGH"
    )
    assert code == 1
    assert out.splitlines()[1].startswith("::error file=main.tf,line=4,")
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.fromstring(junit.read_text()).get("failures") == "3"


@pytest.mark.parametrize(
    ("formats", "output_file", "expected"),
    [
        (["text"], None, [("text", None)]),
        (["json"], "x.json", [("json", "x.json")]),
        (["text", "sarif"], "r.sarif", [("text", None), ("sarif", "r.sarif")]),
        (["sarif:r.sarif", "text"], None, [("sarif", "r.sarif"), ("text", None)]),
        (["github", "sarif:-"], "g.txt", [("github", "g.txt"), ("sarif", None)]),
        (["SARIF:C:\\out\\r.sarif"], None, [("sarif", "C:\\out\\r.sarif")]),
    ],
)
def test_resolve_outputs_pairs_formats_with_destinations(formats, output_file, expected):
    assert resolve_outputs(formats, output_file) == expected


@pytest.mark.parametrize(
    ("formats", "output_file", "message"),
    [
        (["xml"], None, "unknown format 'xml'"),
        (["text", "json"], None, "would all print to stdout"),
        (["sarif:a", "json:a"], None, "same file"),
        (["sarif:a"], "b", "every --format already names its file"),
        (["sarif:"], None, "name a file after the colon"),
    ],
)
def test_resolve_outputs_rejects_what_cannot_be_meant(formats, output_file, message):
    result = resolve_outputs(formats, output_file)
    assert isinstance(result, str) and message in result


def test_a_wrong_format_is_a_usage_error(in_dir, capsys):
    in_dir(BASIC)
    code, out, err = run(capsys, ".", "--format", "text", "--format", "json")
    assert code == 2
    assert out == ""
    assert "would all print to stdout" in err


def test_an_unwritable_output_file_is_exit_code_2_and_the_others_are_still_written(in_dir, capsys, tmp_path):
    in_dir(BASIC)
    sarif = tmp_path / "ok.sarif"
    code, out, err = run(
        capsys, ".", "--format", f"json:{tmp_path / 'missing' / 'dir' / 'r.json'}", "--format", f"sarif:{sarif}"
    )
    assert code == 2
    assert "cannot write" in err
    assert sarif.is_file()


def test_the_cli_names_exactly_the_reporters_there_are():
    from ampls_checks.cli import FORMAT_NAMES
    from ampls_checks.reporters import FORMATS, reporter

    assert tuple(FORMATS) == FORMAT_NAMES
    assert all(callable(reporter(name)) for name in FORMAT_NAMES)


def test_an_output_file_that_is_a_committed_link_is_refused_and_its_target_kept(in_dir, capsys, tmp_path):
    # a pull request commits `results.sarif -> ~/.bashrc`; the workflow names results.sarif
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / "results.sarif").symlink_to(precious)
    in_dir(BASIC)
    json_file = tmp_path / "r.json"
    code, _out, err = run(
        capsys, ".", "--format", f"sarif:{tmp_path / 'results.sarif'}", "--format", f"json:{json_file}"
    )
    assert code == 2
    assert err.splitlines() == [
        f"ampls-checks: error: {tmp_path / 'results.sarif'} is a symbolic link; ampls-checks does not write "
        "through links (remove the link, or name the file it points to)"
    ]
    assert precious.read_text() == "keep me\n"
    assert json.loads(json_file.read_text())["summary"]["findings"] == 3  # the other output is written


def test_the_systems_own_links_to_open_files_are_written_through(in_dir, tmp_path):
    # `--output-file /dev/stdout` and a shell's `>(...)` (/dev/fd/N) are links the system keeps
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ampls_checks", "--no-cache", ".", "--format", "json", "--output-file", "/dev/stdout"],
        cwd=BASIC,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == 3
