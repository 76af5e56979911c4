"""Bicep modules that are local ARM templates (`module x './t.json' = {...}`): the template is
evaluated by the ARM parser as a nested deployment with the call's params, as a restored
registry module is, and only through its callers: the directory scan also finds the `.json` file,
but never evaluates it on its own with its defaults. What cannot be read (outside the scan
roots, not a template, not JSON, absent) leaves the module unknown, with a --verbose note.

Fixtures: fixtures/bicep/ckv_ampls_1/{bad,good}_json_module_* and
fixtures/bicep/ckv_ampls_13/good_json_module_* (the twins of the `.bicep` module cases)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ampls_checks.model import ScanReport
from ampls_checks.precommit import plan, scan_changed, scan_paths
from ampls_checks.scan import ScanOptions, scan

from .conftest import FIXTURES

CKV1 = FIXTURES / "bicep" / "ckv_ampls_1"
CKV13 = FIXTURES / "bicep" / "ckv_ampls_13"
SCOPE = "Microsoft.Insights/privateLinkScopes"

TEMPLATE_HEAD = '{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",'


def run(case: Path, paths: tuple[str, ...] = (".",), **options: object) -> ScanReport:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(case)
        return scan(list(paths), ScanOptions(**options))  # type: ignore[arg-type]


def found(report: ScanReport) -> list[tuple[str, str, int, str]]:
    return sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings)


def test_a_json_module_gives_the_findings_of_the_same_module_written_in_bicep() -> None:
    bicep = found(run(CKV1 / "bad_module_param"))
    arm = found(run(CKV1 / "bad_json_module_param"))
    assert [f[0] for f in bicep] == [f[0] for f in arm] == ["CKV_AMPLS_1", "CKV_AMPLS_13"]
    assert arm == [
        ("CKV_AMPLS_1", "modules/ampls.json", 32, f"module.ampls.{SCOPE}/ampls-json-param"),
        ("CKV_AMPLS_13", "modules/ampls.json", 25, f"module.ampls.{SCOPE}/ampls-json-param"),
    ]
    lines = (CKV1 / "bad_json_module_param" / "modules" / "ampls.json").read_text().split("\n")
    assert '"ingestionAccessMode": "[parameters(\'ingestionAccessMode\')]"' in lines[32 - 1]
    bicep_13 = found(run(CKV13 / "good_endpoint_in_module"))
    arm_13 = found(run(CKV13 / "good_json_module_endpoint"))
    assert [f[0] for f in bicep_13] == [f[0] for f in arm_13] == ["CKV_AMPLS_3", "CKV_AMPLS_4", "CKV_AMPLS_5"]
    assert arm_13[2] == (
        "CKV_AMPLS_5",
        "modules/endpoint.json",
        10,
        "module.endpoint.Microsoft.Network/privateEndpoints/pe-ampls-json-module",
    )


def test_the_template_is_evaluated_through_its_caller_only_never_with_its_defaults() -> None:
    # its ingestionAccessMode defaults to Open; the only call passes PrivateOnly
    case = CKV1 / "good_json_module_param"
    report = run(case)
    assert found(report) == [("CKV_AMPLS_13", "modules/ampls.json", 25, f"module.ampls.{SCOPE}/ampls-json-good")]
    # the template named alone is still read through its caller (its unit), not on its own
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(case)
        alone = scan_paths(["modules/ampls.json"], ScanOptions())
    assert found(alone) == found(report)
    # with the caller out of the scan, the template is an ARM deployment of its own again
    assert [f[:3] for f in found(run(case, ("modules",)))] == [
        ("CKV_AMPLS_1", "modules/ampls.json", 32),
        ("CKV_AMPLS_13", "modules/ampls.json", 25),
    ]


def test_loops_and_conditions_on_a_json_module_call() -> None:
    assert found(run(CKV1 / "bad_json_module_loop")) == [
        ("CKV_AMPLS_1", "modules/scope.json", 20, f"module.scopes[0].{SCOPE}/ampls-json-loop-dev"),
        ("CKV_AMPLS_13", "modules/scope.json", 13, f"module.scopes[0].{SCOPE}/ampls-json-loop-dev"),
        ("CKV_AMPLS_13", "modules/scope.json", 13, f"module.scopes[1].{SCOPE}/ampls-json-loop-prod"),
    ]


def test_a_changed_json_module_brings_its_calling_unit_in_pre_commit_mode(tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(CKV1 / "bad_json_module_param", case)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(case)
        work = plan(["modules/ampls.json"])
        assert sorted(os.path.relpath(f, case) for f in work.files) == ["main.bicep", "modules/ampls.json"]
        report = scan_changed(["modules/ampls.json"], ScanOptions())
        assert found(report) == found(run(case))
        # a changed caller brings the template it calls
        assert sorted(os.path.relpath(f, case) for f in plan(["main.bicep"]).files) == [
            "main.bicep",
            "modules/ampls.json",
        ]


SCOPE_ALONE = """resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-unknown'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: 'PrivateOnly'
      queryAccessMode: 'PrivateOnly'
    }
  }
}
"""


def _module(path: str) -> str:
    return f"\nmodule endpoint '{path}' = {{\n  name: 'endpoint'\n  params: {{\n    scopeId: scope.id\n  }}\n}}\n"


ENDPOINT_TEMPLATE = (
    TEMPLATE_HEAD + '"contentVersion": "1.0.0.0", "parameters": {"scopeId": {"type": "string"}}, "resources": []}'
)


@pytest.mark.parametrize(
    ("path", "files", "note", "error"),
    [
        (
            "../outside.json",
            {"../outside.json": ENDPOINT_TEMPLATE},
            (
                "main.bicep",
                12,
                "module.endpoint: module not followed: its template ../outside.json is not among "
                "the scanned files (outside the scan roots, excluded, or not readable); not read",
            ),
            None,
        ),
        (
            "./absent.json",
            {},
            ("main.bicep", 12, "module.endpoint: module not followed: its template ./absent.json does not exist"),
            None,
        ),
        (
            "./settings.json",
            {"settings.json": '{"endpoint": "pe"}'},
            ("settings.json", 1, "module.endpoint: module not followed: not an ARM deployment template; not analysed"),
            None,
        ),
        (
            "./broken.json",
            {"broken.json": TEMPLATE_HEAD + "\n"},
            None,
            ("broken.json", "not valid JSON: unexpected end of file"),
        ),
    ],
)
def test_a_json_module_that_cannot_be_read_stays_unknown_and_says_why(
    tmp_path: Path, path: str, files: dict[str, str], note: tuple[str, int, str] | None, error: tuple[str, str] | None
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.bicep").write_text(SCOPE_ALONE)
    # without the module the missing endpoint is reported: the silence below is the module's doing
    assert [f[0] for f in found(run(root))] == ["CKV_AMPLS_13"]
    (root / "main.bicep").write_text(SCOPE_ALONE + _module(path))
    for name, text in files.items():
        (root / name).write_text(text)
    report = run(root)
    assert found(report) == []
    if note is not None:
        assert note in [(n.file, n.line, n.message) for n in report.notes]
        assert report.errors == []
    if error is not None:
        assert [(e.file, e.message) for e in report.errors] == [error]


def test_the_same_template_called_twice_is_read_and_decoded_once(tmp_path: Path, monkeypatch) -> None:
    from ampls_checks.parsers.bicep import evaluate

    shutil.copytree(CKV1 / "bad_json_module_loop", tmp_path / "case")
    calls: list[object] = []
    original = evaluate.decode_module_template

    def counting(text: str) -> object:
        calls.append(text)
        return original(text)

    monkeypatch.setattr(evaluate, "decode_module_template", counting)
    report = run(tmp_path / "case", jobs=1)
    assert len([f for f in report.findings if f.check_id == "CKV_AMPLS_13"]) == 2  # two instances
    assert len(calls) == 1


def test_the_scan_cache_sees_a_changed_json_module(tmp_path: Path) -> None:
    case = tmp_path / "case"
    shutil.copytree(CKV1 / "good_json_module_param", case)
    options = {"use_cache": True, "cache_dir": str(tmp_path / "cache"), "checks": None}
    assert [f[0] for f in found(run(case, **options))] == ["CKV_AMPLS_13"]
    template = case / "modules" / "ampls.json"
    text = template.read_text().replace(
        '"queryAccessMode": "[parameters(\'queryAccessMode\')]"', '"queryAccessMode": "Open"'
    )
    template.write_text(text)
    assert [f[0] for f in found(run(case, **options))] == ["CKV_AMPLS_13", "CKV_AMPLS_2"]
