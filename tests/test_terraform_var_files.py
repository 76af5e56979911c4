"""`--var-file` and `--var`: Terraform's precedence for root module variables (defaults, then
terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) by name, then the command-line
options in their order), errors naming the file and line, exact findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

MAIN = """\
variable "ingestion" {
  type    = string
  default = "PrivateOnly"
}

resource "azurerm_monitor_private_link_scope" "this" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = var.ingestion
  query_access_mode     = "PrivateOnly"
}
"""


def run(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ampls_checks", "--no-cache", "-c", "CKV_AMPLS_1", "-f", "json", *options, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ckv1(root: Path, *options: str) -> list[tuple[str, str, int]]:
    result = run(root, *options)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    findings = document["findings"] if isinstance(document, dict) else document
    return sorted((f["check_id"], f["file"], f["start_line"]) for f in findings)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(MAIN)
    return tmp_path


OPEN = [("CKV_AMPLS_1", "main.tf", 9)]  # the ingestion_access_mode line


def test_default_private_is_silent(root: Path) -> None:
    assert ckv1(root) == []


def test_var_file_sets_open(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("envs") / "prod.tfvars"  # outside the scan root: allowed
    outside.write_text('ingestion = "Open"\n')
    assert ckv1(root, "--var-file", str(outside)) == OPEN


def test_var_after_var_file_wins(root: Path) -> None:
    (root / "prod.tfvars").write_text('ingestion = "Open"\n')
    assert ckv1(root, "--var-file", "prod.tfvars") == OPEN
    assert ckv1(root, "--var-file", "prod.tfvars", "--var", "ingestion=PrivateOnly") == []
    # command-line order: the later option wins
    assert ckv1(root, "--var", "ingestion=PrivateOnly", "--var-file", "prod.tfvars") == OPEN


def test_command_line_over_auto_tfvars(root: Path) -> None:
    (root / "terraform.tfvars").write_text('ingestion = "PrivateOnly"\n')
    (root / "a.auto.tfvars.json").write_text('{"ingestion": "Open"}')
    assert ckv1(root) == OPEN  # *.auto.tfvars.json over terraform.tfvars
    (root / "b.auto.tfvars").write_text('ingestion = "PrivateOnly"\n')
    assert ckv1(root) == []  # lexical order: b after a
    (root / "dev.tfvars.json").write_text('{"ingestion": "Open"}')
    assert ckv1(root, "--var-file", "dev.tfvars.json") == OPEN


def test_var_file_errors_name_file_and_line(root: Path) -> None:
    (root / "bad.tfvars").write_text('ingestion = "Open"\nthis is = = wrong\n')
    result = run(root, "--var-file", "bad.tfvars")
    assert result.returncode == 2
    assert "bad.tfvars:2" in result.stderr
    result = run(root, "--var-file", "missing.tfvars")
    assert result.returncode == 2 and "missing.tfvars" in result.stderr
    result = run(root, "--var-file", ".")
    assert result.returncode == 2
    (root / "d.tfvars").mkdir()
    result = run(root, "--var-file", "d.tfvars")
    assert result.returncode == 2 and "d.tfvars" in result.stderr
    result = run(root, "--var", "no_equals_sign")
    assert result.returncode == 2 and "NAME=VALUE" in result.stderr


# -- a value for a variable no root module declares -------------------------------------------


def run_verbose(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return run(root, "--verbose", *options)


def test_var_for_an_undeclared_variable_is_ignored_and_noted(root: Path) -> None:
    # terraform plan stops on it ("Value for undeclared variable"); the scan ignores it and says so
    result = run_verbose(root, "--var", "ingestoin=Open")
    assert result.returncode == 0
    assert json.loads(result.stdout)["findings"] == []
    assert (
        "--var:0: unknown: variable 'ingestoin' given by --var is declared by no root module in the scan: "
        "ignored (terraform plan stops on it: Value for undeclared variable)"
    ) in result.stderr


def test_var_file_value_for_an_undeclared_variable_is_noted_at_its_line(root: Path) -> None:
    (root / "prod.tfvars").write_text('ingestion = "Open"\nextra     = "x"\n')
    result = run_verbose(root, "--var-file", "prod.tfvars")
    assert sorted((f["check_id"], f["start_line"]) for f in json.loads(result.stdout)["findings"]) == [
        ("CKV_AMPLS_1", 9)
    ]
    assert (
        "prod.tfvars:2: unknown: variable 'extra' given by prod.tfvars is declared by no root module in the "
        "scan: ignored (terraform plan warns of it)"
    ) in result.stderr
    assert "'ingestion' given by" not in result.stderr


def test_a_variable_one_root_declares_is_not_noted_for_the_others(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.tf").write_text(MAIN)
    (tmp_path / "b" / "main.tf").write_text(
        MAIN.replace('"ingestion"', '"other"').replace("var.ingestion", "var.other")
    )
    result = run_verbose(tmp_path, "--var", "ingestion=Open")
    assert [(f["file"], f["start_line"]) for f in json.loads(result.stdout)["findings"]] == [("a/main.tf", 9)]
    assert "declared by no root module" not in result.stderr


# -- values converted to the declared type, from every kind of file ----------------------------

COUNTED = """\
variable "scopes" {
  type = number
}

resource "azurerm_monitor_private_link_scope" "this" {
  count                 = var.scopes
  name                  = "ampls-${count.index}"
  resource_group_name   = "rg"
  ingestion_access_mode = "Open"
  query_access_mode     = "PrivateOnly"
}
"""


@pytest.mark.parametrize(
    ("file_name", "text"),
    [
        ("terraform.tfvars.json", '{"scopes": "2"}'),
        ("terraform.tfvars", 'scopes = "2"\n'),
        ("terraform.tfvars.json", '{"scopes": 2}'),
        ("terraform.tfvars", "scopes = 2\n"),
    ],
)
def test_a_number_given_as_a_string_is_a_number_in_both_file_kinds(tmp_path: Path, file_name: str, text: str) -> None:
    (tmp_path / "main.tf").write_text(COUNTED)
    (tmp_path / file_name).write_text(text)
    assert ckv1(tmp_path) == [("CKV_AMPLS_1", "main.tf", 9), ("CKV_AMPLS_1", "main.tf", 9)]


def test_a_number_given_on_the_command_line_is_a_number(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(COUNTED)
    assert ckv1(tmp_path, "--var", "scopes=2") == [("CKV_AMPLS_1", "main.tf", 9), ("CKV_AMPLS_1", "main.tf", 9)]


def test_a_value_that_does_not_convert_is_unknown_and_noted(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(COUNTED)
    (tmp_path / "terraform.tfvars.json").write_text('{"scopes": "two"}')
    result = run_verbose(tmp_path)
    assert json.loads(result.stdout)["findings"] == []
    assert "variable 'scopes': 'two' given for a number" in result.stderr


@pytest.mark.parametrize(
    ("type_text", "value", "expected"),
    [
        ("string", 3, "3"),
        ("string", True, "true"),
        ("number", "2.5", 2.5),
        ("bool", "false", False),
        ("list(number)", ["1", 2], [1, 2]),
        ("map(string)", {"a": 1}, {"a": "1"}),
        ("object({ n = number, s = optional(string) })", {"n": "1", "s": 2, "x": "y"}, {"n": 1, "s": "2", "x": "y"}),
        ("tuple([string, number])", [1, "2"], ["1", 2]),
        ("any", "3", "3"),
    ],
)
def test_values_convert_to_the_declared_type(type_text: str, value: object, expected: object) -> None:
    from ampls_checks.parsers.terraform.hcl_syntax import parse_hcl
    from ampls_checks.parsers.terraform.parse import convert_to_type

    type_expr = parse_hcl(f"t = {type_text}\n").attributes["t"].expr
    assert convert_to_type(type_expr, value) == expected
