"""Terraform after `terraform init`: registry and git module calls followed through the root's
`.terraform/modules/modules.json` (the shape `terraform init` writes: {"Modules": [{"Key",
"Source", "Version", "Dir"}]}, nested keys "a.b", Dir relative to the root) to the downloaded
copies, never outside `.terraform/modules`, never downloading. Findings are those of the same
module called locally: same checks, lines and addresses, at the downloaded file.
The trees are written at test time (`.terraform` is git-ignored)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ampls_checks.scan import ScanOptions, scan

LOCAL = Path(__file__).parent / "fixtures" / "terraform" / "ckv_ampls_1" / "bad_local_module"


def findings(root: Path) -> list[tuple[str, str, int, str]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # displayed paths are relative to the root
        report = scan(["."], ScanOptions())
    assert report.errors == []
    return sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings)


def downloaded(tmp_path: Path, directory: str = ".terraform/modules/ampls", manifest: bool = True) -> Path:
    root = tmp_path / "root"
    target = root / ".terraform" / "modules" / "ampls"
    target.mkdir(parents=True)
    shutil.copy(LOCAL / "modules" / "ampls" / "main.tf", target / "main.tf")
    text = (LOCAL / "main.tf").read_text().replace('"./modules/ampls"', '"Azure/ampls/azurerm"\n  version = "1.2.0"')
    (root / "main.tf").write_text(text)
    (root / ".terraform" / "providers").mkdir()
    (root / ".terraform" / "providers" / "stray.tf").write_text((LOCAL / "modules" / "ampls" / "main.tf").read_text())
    if manifest:
        modules = [
            {"Key": "", "Source": "", "Dir": "."},
            {
                "Key": "ampls",
                "Source": "registry.terraform.io/Azure/ampls/azurerm",
                "Version": "1.2.0",
                "Dir": directory,
            },
        ]
        (root / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": modules}))
    return root


def test_registry_module_gives_the_local_modules_findings(tmp_path: Path) -> None:
    address = "module.ampls.azurerm_monitor_private_link_scope.this"
    local = findings(LOCAL)
    assert local == [
        ("CKV_AMPLS_1", "modules/ampls/main.tf", 22, address),
        ("CKV_AMPLS_13", "modules/ampls/main.tf", 19, address),
    ]
    remote = findings(downloaded(tmp_path))
    assert remote == [(check, ".terraform/" + file, line, where) for check, file, line, where in local]


def test_without_manifest_nothing_under_dot_terraform_is_read(tmp_path: Path) -> None:
    assert findings(downloaded(tmp_path, manifest=False)) == []


def test_manifest_dir_outside_dot_terraform_modules_is_not_followed(tmp_path: Path) -> None:
    root = downloaded(tmp_path, directory=".terraform/providers")
    assert findings(root) == []  # and the downloaded copy, called by nothing, is not a root either


def test_nested_registry_module(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / ".terraform" / "modules" / "outer").mkdir(parents=True)
    (root / ".terraform" / "modules" / "outer.ampls").mkdir()
    shutil.copy(LOCAL / "modules" / "ampls" / "main.tf", root / ".terraform" / "modules" / "outer.ampls" / "main.tf")
    (root / ".terraform" / "modules" / "outer" / "main.tf").write_text(
        (LOCAL / "main.tf").read_text().replace('"./modules/ampls"', '"git::https://example.com/ampls.git"')
    )
    (root / "main.tf").write_text('module "outer" {\n  source = "Contoso/outer/azurerm"\n}\n')
    modules = [
        {"Key": "outer", "Source": "registry.terraform.io/Contoso/outer/azurerm", "Dir": ".terraform/modules/outer"},
        {"Key": "outer.ampls", "Source": "git::https://example.com/ampls.git", "Dir": ".terraform/modules/outer.ampls"},
    ]
    (root / ".terraform" / "modules" / "modules.json").write_text(json.dumps({"Modules": modules}))
    assert findings(root) == [
        (
            "CKV_AMPLS_1",
            ".terraform/modules/outer.ampls/main.tf",
            22,
            "module.outer.module.ampls.azurerm_monitor_private_link_scope.this",
        ),
        (
            "CKV_AMPLS_13",
            ".terraform/modules/outer.ampls/main.tf",
            19,
            "module.outer.module.ampls.azurerm_monitor_private_link_scope.this",
        ),
    ]


def test_for_each_on_a_registry_module_call(tmp_path: Path) -> None:
    root = downloaded(tmp_path)
    text = (
        (root / "main.tf")
        .read_text()
        .replace('  name                = "ampls-hub"', '  for_each = toset(["a", "b"])\n  name = each.key')
    )
    (root / "main.tf").write_text(text)
    assert [(check, address) for check, _file, _line, address in findings(root)] == [
        ("CKV_AMPLS_1", 'module.ampls["a"].azurerm_monitor_private_link_scope.this'),
        ("CKV_AMPLS_1", 'module.ampls["b"].azurerm_monitor_private_link_scope.this'),
        ("CKV_AMPLS_13", 'module.ampls["a"].azurerm_monitor_private_link_scope.this'),
        ("CKV_AMPLS_13", 'module.ampls["b"].azurerm_monitor_private_link_scope.this'),
    ]


def test_pre_commit_mode_follows_downloaded_modules_as_the_full_scan_does(tmp_path: Path) -> None:
    # the finding is in the downloaded module, made by the root's arguments: a commit that
    # changes the root file gets it, at the downloaded file and line, as the full scan does
    from ampls_checks.precommit import plan, scan_changed

    root = downloaded(tmp_path)
    full = findings(root)
    assert [f[0] for f in full] == ["CKV_AMPLS_1", "CKV_AMPLS_13"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        work = plan(["main.tf"])
        assert sorted(str(Path(p).relative_to(root.resolve())) for p in work.files) == [
            ".terraform/modules/ampls/main.tf",
            "main.tf",
        ]
        report = scan_changed(["main.tf"], ScanOptions(use_cache=False))
    assert report.errors == []
    assert sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings) == full


def test_pre_commit_mode_reads_no_stray_file_under_dot_terraform(tmp_path: Path) -> None:
    from ampls_checks.precommit import plan

    root = downloaded(tmp_path, manifest=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        assert [Path(p).name for p in plan(["main.tf"]).files] == ["main.tf"]
