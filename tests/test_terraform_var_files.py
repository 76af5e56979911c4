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
