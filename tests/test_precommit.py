"""The pre-commit hook: `--changed-files` widens the changed files to the units they belong to and
reports only what is in their directories (and the modules they call); the real `pre-commit`
runs the hook from `.pre-commit-hooks.yaml` and fails on a bad fixture with the check id.

`pre-commit try-repo` installs the hook from a commit, so the integration tests commit the
current working tree (the package, pyproject.toml, README.md and the hook file) into a temporary
repository and point pre-commit there: they test this code, committed or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ampls_checks.cli import main
from ampls_checks.model import Note, ParseError
from ampls_checks.precommit import plan, restrict
from ampls_checks.scan import ScanReport
from ampls_checks.speed.cache import Cache
from ampls_checks.units import resource_group_names

from .conftest import FIXTURES, REPO

PRECOMMIT = FIXTURES / "precommit"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "ampls-checks tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "ampls-checks tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", *args])
    return code, capsys.readouterr().out


def relative(paths, root: Path) -> list[str]:
    return sorted(os.path.relpath(os.path.realpath(p), os.path.realpath(root)) for p in paths)


# --- what --changed-files scans and reports ------------------------------------------------------


HUB_AND_SPOKE = FIXTURES / "terraform" / "ckv_ampls_8" / "bad_hub_root_and_spoke_root_share_hub_zones"


def test_a_root_naming_the_changed_units_resource_groups_is_scanned_with_it(in_dir, tmp_path: Path, capsys):
    """Deployments meet only through a full identity (type, name, resource group): the spoke
    root looks up the hub root's zones by name in the hub's DNS resource group, so the finding
    on either scope needs both roots. A change in one scans the other as well (reporting only
    the changed directory); a root naming other resource groups is not scanned. Through the
    call index kept in a cache, built and then read back."""
    repo = tmp_path / "repo"
    shutil.copytree(HUB_AND_SPOKE, repo)
    (repo / "expected.txt").unlink()
    (repo / "elsewhere").mkdir()
    (repo / "elsewhere" / "main.tf").write_text(
        'resource "azurerm_private_dns_zone" "z" {\n  name                = "privatelink.monitor.azure.com"\n'
        '  resource_group_name = "rg-dns-elsewhere"\n}\n'
    )
    in_dir(repo)
    cache = tmp_path / "cache"
    for _ in range(2):
        work = plan(["hub/main.tf"], cache=Cache(str(cache)))
        assert relative(work.files, repo) == ["hub/main.tf", "spoke/main.tf"]
        assert relative(work.directories, repo) == ["hub"]
    code = main(["--changed-files", "spoke/main.tf", "--cache-dir", str(cache), "--check", "CKV_AMPLS_8"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [line.split(" [")[0] for line in lines if "CKV_AMPLS" in line] == ["spoke/main.tf:15: CKV_AMPLS_8"]
    code, out = run(capsys, "--changed-files", "elsewhere/main.tf", "--check", "CKV_AMPLS_8")
    assert code == 0
    assert plan(["elsewhere/main.tf"]).files == [str(repo / "elsewhere" / "main.tf")]


def test_resource_group_names_come_from_the_raw_text():
    """What the hook reads to find roots sharing a resource group: literals assigned to a name
    that says resource group, an azurerm_resource_group's name, a resource group variable's
    default, the segment of a literal resource id; lower-cased. Not other strings, nor a name
    built by interpolation."""
    text = b"""
resource "azurerm_resource_group" "main" {
  name     = "RG-Main"
  location = "westeurope"
}
variable "dns_rg" {
  type    = string
  default = "rg-dns"
}
variable "location" {
  default = "not-a-group"
}
module "m" {
  source              = "./m"
  resource_group_name = "rg-module"
  target              = "not-either"
}
data "azurerm_private_dns_zone" "z" {
  id   = "/subscriptions/0/resourceGroups/rg-in-id/providers/Microsoft.Network/privateDnsZones/z"
  name = "rg-${var.env}"
  resource_group_name = "rg-${var.env}"
}
"""
    assert resource_group_names(text) == {"rg-main", "rg-dns", "rg-module", "rg-in-id"}
    assert resource_group_names(b'{"resource_group_name": "RG-Json", "location": "x"}') == {"rg-json"}
    assert resource_group_names(b'rg_name = "rg-tfvars"\nname = "x"\n') == {"rg-tfvars"}
    assert resource_group_names(b'resource "x" "y" {\n  name = "z"\n}\n') == set()


def test_a_changed_module_is_scanned_with_its_caller_and_only_its_findings_reported(in_dir, capsys):
    in_dir(PRECOMMIT / "bad")
    work = plan(["modules/ampls/main.tf"])
    assert relative(work.files, PRECOMMIT / "bad") == ["live/main.tf", "modules/ampls/main.tf"]
    assert relative(work.directories, PRECOMMIT / "bad") == ["modules/ampls"]
    code, out = run(capsys, "--changed-files", "modules/ampls/main.tf")
    assert code == 1
    assert out.splitlines()[0].startswith(
        "modules/ampls/main.tf:33: CKV_AMPLS_1 [HIGH] module.ampls.azurerm_monitor_private_link_scope.this: "
    )
    # Alone, the module's mode is an unset variable: the caller is what makes the finding.
    code, out = run(capsys, "modules/ampls")
    assert (code, out) == (0, "0 findings, 0 errors in 1 file\n")


def test_a_changed_caller_reports_what_its_arguments_do_inside_the_module(in_dir, capsys):
    in_dir(PRECOMMIT / "bad")
    work = plan(["live/main.tf"])
    assert relative(work.directories, PRECOMMIT / "bad") == ["live", "modules/ampls"]
    code, out = run(capsys, "--changed-files", "live/main.tf")
    assert code == 1
    assert out.splitlines()[0].startswith("modules/ampls/main.tf:33: CKV_AMPLS_1 [HIGH] ")


def test_old_problems_in_unrelated_roots_do_not_block_the_commit(in_dir, capsys):
    in_dir(PRECOMMIT / "good")
    work = plan(["live/main.tf", "modules/ampls/main.tf"])
    assert "legacy/main.tf" not in relative(work.files, PRECOMMIT / "good")
    code, out = run(capsys, "--changed-files", "live/main.tf", "modules/ampls/main.tf")
    assert (code, out) == (0, "0 findings, 0 errors in 2 files\n")
    code, out = run(capsys, "--changed-files", "legacy/main.tf")
    assert code == 1
    assert [line.split(" ")[1] for line in out.splitlines()[:-1]] == ["CKV_AMPLS_13", "CKV_AMPLS_2"]


def test_bicep_files_are_scanned_with_the_files_that_use_them_as_modules(in_dir, capsys):
    in_dir(PRECOMMIT / "bicep")
    work = plan(["modules/ampls.bicep"])
    assert relative(work.files, PRECOMMIT / "bicep") == ["app/main.bicep", "modules/ampls.bicep"]
    code, out = run(capsys, "--changed-files", "modules/ampls.bicep", "--check", "CKV_AMPLS_1,CKV_AMPLS_2")
    assert code == 1
    assert out.splitlines()[:-1] == [
        "modules/ampls.bicep:9: CKV_AMPLS_1 [HIGH] module.ampls.scope: Ingestion access mode is Open: set it to "
        "PrivateOnly so that connected networks can send data only to monitor resources in the scope"
    ]
    code, out = run(capsys, "--changed-files", "app/main.bicep", "--check", "CKV_AMPLS_1,CKV_AMPLS_2")
    assert out.splitlines()[0].startswith("modules/ampls.bicep:9: CKV_AMPLS_1 ")
    work = plan(["legacy/main.bicep"])
    assert relative(work.files, PRECOMMIT / "bicep") == ["legacy/main.bicep"]


def test_a_changed_json_file_brings_the_json_files_of_its_directory(in_dir, tmp_path):
    (tmp_path / "arm").mkdir()
    (tmp_path / "other").mkdir()
    for name in ("arm/main.json", "arm/main.parameters.json", "other/x.json"):
        (tmp_path / name).write_text("{}")
    in_dir(tmp_path)
    work = plan(["arm/main.parameters.json"])
    assert relative(work.files, tmp_path) == ["arm/main.json", "arm/main.parameters.json"]


def test_files_the_scanner_does_not_read_change_nothing(in_dir, capsys):
    in_dir(PRECOMMIT / "bad")
    assert plan(["README.md", "missing.tf"]).files == []
    code, out = run(capsys, "--changed-files", "README.md")
    assert (code, out) == (0, "0 findings, 0 errors in 0 files\n")


def test_restrict_keeps_errors_and_notes_of_the_reported_directories_and_fileless_errors(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = str(tmp_path / "a" / "x.tf"), str(tmp_path / "b" / "y.tf")
    report = ScanReport(
        errors=[ParseError(a, "bad a"), ParseError(b, "bad b"), ParseError("<internal>", "check failed")],
        notes=[Note(a, 1, "unknown a"), Note(b, 2, "unknown b")],
    )
    kept = restrict(report, frozenset({str((tmp_path / "a").resolve())}))
    assert [e.message for e in kept.errors] == ["bad a", "check failed"]
    assert [n.message for n in kept.notes] == ["unknown a"]


def test_a_changed_bicepparam_file_is_scanned_with_its_template(tmp_path, in_dir, capsys):
    source = FIXTURES / "bicep" / "ckv_ampls_1" / "good_private_from_bicepparam"
    shutil.copytree(source, tmp_path / "infra")
    (tmp_path / "infra" / "prod.bicepparam").write_text("using 'main.bicep'\n\nparam ingestionAccessMode = 'Open'\n")
    in_dir(tmp_path)
    work = plan(["infra/prod.bicepparam"])
    assert relative(work.files, tmp_path) == ["infra/main.bicep", "infra/prod.bicepparam"]
    code, out = run(capsys, "--changed-files", "infra/prod.bicepparam", "--check", "CKV_AMPLS_1")
    assert (code, out.splitlines()[0].split(": ")[0]) == (1, "infra/main.bicep:9")


def test_the_hook_definition(tmp_path):
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "ampls-checks"
    assert hook["language"] == "python"
    assert hook["entry"] == "ampls-checks --changed-files"
    pattern = re.compile(hook["files"])
    matching = [
        "main.tf",
        "env/prod.tfvars",
        "azuredeploy.json",
        "main.bicep",
        "a/b/c.parameters.json",
        "dev.bicepparam",
    ]
    assert all(pattern.search(name) for name in matching)
    assert not any(pattern.search(name) for name in ["README.md", "main.tf.bak", "x.py", "bicepconfig.yaml"])
    validated = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


# --- the real pre-commit -------------------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_IDENTITY},
    )
    return completed.stdout.strip()


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding the working tree's package and hook file in one commit."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hook")
    target = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "ampls_checks", target / "ampls_checks", ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, target / name)
    git("init", "-q", cwd=target)
    git("add", "-A", cwd=target)
    git("commit", "-q", "-m", "working tree under test", cwd=target)
    return target, git("rev-parse", "HEAD", cwd=target)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def project(tmp_path: Path, fixture: str) -> Path:
    root = tmp_path / fixture
    shutil.copytree(PRECOMMIT / fixture, root)
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    return root


def pre_commit(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_pre_commit_fails_on_the_bad_fixture_with_the_check_id(hook_repo, pre_commit_home, tmp_path):
    repo, _rev = hook_repo
    root = project(tmp_path, "bad")
    completed = pre_commit(root, pre_commit_home, "try-repo", str(repo), "ampls-checks", "--all-files")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "ampls-checks (Azure Monitor Private Link)" in completed.stdout
    assert "Failed" in completed.stdout
    assert "modules/ampls/main.tf:33: CKV_AMPLS_1 [HIGH] module.ampls.azurerm_monitor_private_link_scope.this" in (
        completed.stdout
    )
    # Only the caller changed: the finding its argument causes in the module still stops it.
    completed = pre_commit(root, pre_commit_home, "try-repo", str(repo), "ampls-checks", "--files", "live/main.tf")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "CKV_AMPLS_1" in completed.stdout


def test_pre_commit_passes_on_the_good_fixture(hook_repo, pre_commit_home, tmp_path):
    repo, _rev = hook_repo
    root = project(tmp_path, "good")
    files = ["live/main.tf", "modules/ampls/main.tf"]
    completed = pre_commit(root, pre_commit_home, "try-repo", str(repo), "ampls-checks", "--files", *files)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(r"ampls-checks \(Azure Monitor Private Link\)\.+Passed", completed.stdout)
    # The same repository with every file: the old problem in legacy/ is real, and reported.
    completed = pre_commit(root, pre_commit_home, "try-repo", str(repo), "ampls-checks", "--all-files")
    assert completed.returncode == 1
    assert "legacy/main.tf:6: CKV_AMPLS_2 [HIGH]" in completed.stdout


def readme_block(title: str, language: str) -> str:
    """The first `language` code block under the README heading `title`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    block = re.search(rf"```{language}\n(.*?)```", text[start:], re.DOTALL)
    assert block is not None, f"no {language} block under '{title}'"
    return block.group(1)


def test_the_readme_pre_commit_config_runs_the_hook(hook_repo, pre_commit_home, tmp_path):
    repo, rev = hook_repo
    config = yaml.safe_load(readme_block("pre-commit", "yaml"))
    (entry,) = config["repos"]
    assert [hook["id"] for hook in entry["hooks"]] == ["ampls-checks"]
    assert entry["rev"] == "v" + __import__("ampls_checks").__version__
    # The snippet as a user pastes it, with the repository and revision of the code under test.
    entry["repo"], entry["rev"] = str(repo), rev
    root = project(tmp_path, "bad")
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    completed = pre_commit(root, pre_commit_home, "run", "--all-files")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "modules/ampls/main.tf:33: CKV_AMPLS_1 [HIGH]" in completed.stdout
