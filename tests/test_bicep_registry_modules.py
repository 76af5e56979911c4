"""Bicep after `bicep restore`: registry modules (`br:`, `br/<alias>:`) and template specs
(`ts:`, `ts/<alias>:`) read from the local module cache, laid out as Bicep lays it out
(Azure/bicep OciArtifactRegistry.GetArtifactDirectory, TagEncoder, TemplateSpecModuleArtifact),
their compiled `main.json` evaluated as the module with the parameters the call passes.

The fixtures under fixtures/bicep/registry: `local` (two local Bicep modules), `restored` (the
same deployment with the modules from registries; their compiled templates, written by hand,
in `.bicep`), `template_spec`, and `not_restored`. Every scan names the cache it reads; the
conftest gives in-process scans an empty home, so the machine's `~/.bicep` never takes part."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ampls_checks.model import ScanReport
from ampls_checks.parsers.bicep.registry import BicepConfig, CachePath, cache_path, encode_tag, read_config
from ampls_checks.scan import ScanOptions, scan

from .conftest import FIXTURES

REGISTRY = FIXTURES / "bicep" / "registry"
CACHE = REGISTRY / ".bicep"
SCOPE_MODULE = CACHE / "br" / "mcr.microsoft.com" / "bicep$avm$res$insights$private-link-scope" / "0.1.0-fixture$"
ENDPOINT_MODULE = CACHE / "br" / "myregistry.azurecr.io" / "modules$monitoring$scope-endpoint" / "V1.0$1"


def run(case: Path, cache: Path | None = CACHE, **options: object) -> ScanReport:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(case)  # displayed paths are relative to the case
        return scan(["."], ScanOptions(bicep_module_cache=str(cache) if cache else None, **options))  # type: ignore[arg-type]


def findings(report: ScanReport) -> list[tuple[str, str, int, str]]:
    assert report.errors == []
    return sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings)


def test_restored_registry_modules_give_the_findings_of_the_same_modules_written_locally() -> None:
    local = findings(run(REGISTRY / "local"))
    assert local == [
        ("CKV_AMPLS_1", "modules/scope.bicep", 15, "module.ampls.privateLinkScope"),
        ("CKV_AMPLS_13", "modules/scope.bicep", 10, "module.ampls.privateLinkScope"),
        ("CKV_AMPLS_6", "modules/endpoint.bicep", 26, "module.endpoint.endpoint"),
    ]
    scope = str(SCOPE_MODULE / "main.json")  # outside the working directory: shown absolute
    endpoint = str(ENDPOINT_MODULE / "main.json")
    assert findings(run(REGISTRY / "restored")) == [
        ("CKV_AMPLS_1", scope, 46, "module.ampls.Microsoft.Insights/privateLinkScopes/ampls-registry-fixture"),
        ("CKV_AMPLS_13", scope, 39, "module.ampls.Microsoft.Insights/privateLinkScopes/ampls-registry-fixture"),
        ("CKV_AMPLS_6", endpoint, 51, "module.endpoint.Microsoft.Network/privateEndpoints/pe-registry-fixture"),
    ]


def test_the_lines_are_those_of_the_cached_template() -> None:
    lines = (SCOPE_MODULE / "main.json").read_text().split("\n")
    assert '"ingestionAccessMode": "[parameters(\'ingestionAccessMode\')]"' in lines[46 - 1]
    assert '"type": "Microsoft.Insights/privateLinkScopes"' in lines[39 + 1 - 1]
    endpoint = (ENDPOINT_MODULE / "main.json").read_text().split("\n")
    assert '"type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"' in endpoint[51]


def test_a_cache_under_the_working_directory_is_shown_relative(tmp_path: Path) -> None:
    shutil.copytree(REGISTRY, tmp_path / "registry")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path / "registry")
        report = scan(["restored"], ScanOptions(bicep_module_cache=".bicep"))
    assert {f.file for f in report.findings} == {
        ".bicep/br/mcr.microsoft.com/bicep$avm$res$insights$private-link-scope/0.1.0-fixture$/main.json",
        ".bicep/br/myregistry.azurecr.io/modules$monitoring$scope-endpoint/V1.0$1/main.json",
    }


def test_template_spec_through_a_bicepconfig_alias() -> None:
    spec = str(CACHE / "ts" / "00000000-0000-0000-0000-0000000000aa" / "templates-rg" / "ampls-scope" / "1.0")
    spec += "/main.json"
    address = "module.ampls.Microsoft.Insights/privateLinkScopes/ampls-template-spec-fixture"
    assert findings(run(REGISTRY / "template_spec")) == [
        ("CKV_AMPLS_13", spec, 21, address),
        ("CKV_AMPLS_2", spec, 29, address),
    ]


def test_a_module_not_restored_stays_unknown_and_verbose_says_where_it_was_looked_for() -> None:
    report = run(REGISTRY / "not_restored")
    assert findings(report) == []  # CKV_AMPLS_13 ("no private endpoint") would be a guess
    looked = CACHE / "br" / "mcr.microsoft.com" / "bicep$avm$res$network$private-endpoint" / "0.0.0-never-restored$"
    assert [(n.file, n.line, n.message) for n in report.notes] == [
        (
            "main.bicep",
            14,
            "module.endpoint: module not followed: module module.endpoint comes from a registry "
            "(br/public:avm/res/network/private-endpoint:0.0.0-never-restored); not in the module cache at "
            f"{looked}/main.json: run `bicep restore`",
        )
    ]


def test_without_the_module_line_the_scope_is_reported(tmp_path: Path) -> None:
    """The silence above comes from the unresolved module, not from the scope itself."""
    text = (REGISTRY / "not_restored" / "main.bicep").read_text()
    (tmp_path / "main.bicep").write_text(text.split("module endpoint")[0])
    assert [f[0] for f in findings(run(tmp_path))] == ["CKV_AMPLS_13"]


def test_the_default_cache_is_bicep_in_the_home_directory(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(CACHE, home / ".bicep")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ampls_checks.units._home", lambda: str(home))
        report = run(REGISTRY / "restored", cache=None)
    assert [f[0] for f in findings(report)] == ["CKV_AMPLS_1", "CKV_AMPLS_13", "CKV_AMPLS_6"]


def test_an_empty_default_cache_leaves_the_registry_modules_unknown() -> None:
    report = run(REGISTRY / "restored", cache=None)  # the conftest's empty home
    assert findings(report) == []
    assert sorted(n.line for n in report.notes if "run `bicep restore`" in n.message) == [45, 53]


def test_a_changed_cached_template_is_not_answered_from_the_scan_cache(tmp_path: Path) -> None:
    cache = tmp_path / "modules"
    shutil.copytree(CACHE, cache)
    options = {"use_cache": True, "cache_dir": str(tmp_path / "scan-cache")}
    first = run(REGISTRY / "restored", cache=cache, **options)
    assert "CKV_AMPLS_1" in [f.check_id for f in first.findings]
    template = cache / SCOPE_MODULE.relative_to(CACHE) / "main.json"
    template.write_text(template.read_text().replace("[parameters('ingestionAccessMode')]", "PrivateOnly"))
    second = run(REGISTRY / "restored", cache=cache, **options)
    assert "CKV_AMPLS_1" not in [f.check_id for f in second.findings]


def test_a_link_out_of_the_cache_is_not_followed(tmp_path: Path) -> None:
    cache = tmp_path / "modules"
    shutil.copytree(CACHE, cache)
    outside = tmp_path / "elsewhere.json"
    outside.write_text((SCOPE_MODULE / "main.json").read_text())
    target = cache / SCOPE_MODULE.relative_to(CACHE) / "main.json"
    target.unlink()
    target.symlink_to(outside)
    report = run(REGISTRY / "restored", cache=cache)
    # the scope module is unknown, so is the endpoint's target (an output of it)
    assert findings(report) == []
    assert any("leads out of the module cache; not read" in n.message and n.line == 45 for n in report.notes)


def test_a_fifo_or_an_oversized_template_is_not_read(tmp_path: Path) -> None:
    cache = tmp_path / "modules"
    shutil.copytree(CACHE, cache)
    scope = cache / SCOPE_MODULE.relative_to(CACHE) / "main.json"
    scope.unlink()
    os.mkfifo(scope)
    endpoint = cache / ENDPOINT_MODULE.relative_to(CACHE) / "main.json"
    report = run(REGISTRY / "restored", cache=cache, max_file_bytes=endpoint.stat().st_size - 1)
    assert findings(report) == []
    why = {n.line: n.message.split("; ", 1)[1] for n in report.notes if n.line in (45, 53)}
    assert why[45] == f"cannot read {scope}: not a regular file"
    assert why[53] == f"{endpoint} is over the limit of {endpoint.stat().st_size - 1} bytes (--max-file-size); not read"


def test_a_broken_cached_template_is_an_error_and_the_module_stays_unknown(tmp_path: Path) -> None:
    cache = tmp_path / "modules"
    shutil.copytree(CACHE, cache)
    (cache / ENDPOINT_MODULE.relative_to(CACHE) / "main.json").write_text('{"$schema": ')
    report = run(REGISTRY / "restored", cache=cache)
    assert [(e.file.endswith("V1.0$1/main.json"), e.line) for e in report.errors] == [(True, 1)]
    # the endpoint module may deploy anything: nothing is said about what the scope lacks
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1"]


def test_cache_root_directory_in_bicepconfig_is_named_but_not_followed(tmp_path: Path) -> None:
    """A scanned repository must not make the scan read elsewhere: the user passes the directory."""
    case = tmp_path / "case"
    shutil.copytree(REGISTRY / "restored", case)
    (case / "bicepconfig.json").write_text('{"cacheRootDirectory": "/opt/bicep-cache"}')
    report = run(case, cache=tmp_path / "empty")
    assert findings(report) == []
    assert all(
        "(bicepconfig.json sets cacheRootDirectory /opt/bicep-cache: pass it with --bicep-module-cache)" in n.message
        for n in report.notes
    )


def test_the_cli_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ampls_checks.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REGISTRY / "restored")
        code = main([".", "--no-cache", "--format", "json", "--bicep-module-cache", str(CACHE)])
    assert code == 1
    assert capsys.readouterr().out.count('"check_id": "CKV_AMPLS_') == 3


# -- the layout, without files --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "encoded"),
    [
        ("0.7.1", "0.7.1$"),
        ("V1.0", "V1.0$1"),
        ("v1.0-Beta", "v1.0-Beta$20"),
        ("a" * 64 + "B", "a" * 64 + "B$1" + "0" * 16),
    ],
)
def test_tags_are_encoded_as_bicep_does(tag: str, encoded: str) -> None:
    assert encode_tag(tag) == encoded


@pytest.mark.parametrize(
    ("reference", "parts"),
    [
        (
            "br/public:avm/res/network/private-endpoint:0.7.1",
            ("br", "mcr.microsoft.com", "bicep$avm$res$network$private-endpoint", "0.7.1$", "main.json"),
        ),
        ("br:MyRegistry.azurecr.io:443/a/b:v2", ("br", "myregistry.azurecr.io$443", "a$b", "v2$", "main.json")),
        ("br/corp:net/pe:1", ("br", "corp.azurecr.io", "modules$net$pe", "1$", "main.json")),
        ("br/bare:pe:1", ("br", "bare.azurecr.io", "pe", "1$", "main.json")),
        ("br:r.io/x@sha256:" + "a" * 64, ("br", "r.io", "x", "sha256#" + "a" * 64, "main.json")),
        (
            "ts:00000000-0000-0000-0000-0000000000AA/RG/Spec:V1",
            ("ts", "00000000-0000-0000-0000-0000000000aa", "rg", "spec", "v1", "main.json"),
        ),
        ("ts/corp:spec:1.0", ("ts", "00000000-0000-0000-0000-0000000000aa", "templates", "spec", "1.0", "main.json")),
    ],
)
def test_references_map_to_the_directories_bicep_restore_writes(reference: str, parts: tuple[str, ...]) -> None:
    config = read_config(
        """{
          // comments are allowed in bicepconfig.json
          "moduleAliases": {
            "br": {"corp": {"registry": "corp.azurecr.io", "modulePath": "modules"},
                   "bare": {"registry": "bare.azurecr.io"}},
            "ts": {"corp": {"subscription": "00000000-0000-0000-0000-0000000000aa", "resourceGroup": "Templates"}}
          }
        }""",
        home="/home/u",
    )
    found = cache_path(reference, config)
    assert isinstance(found, CachePath)
    assert found.parts == parts
    assert found.template_spec == (parts[0] == "ts")


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("br/corp:net/pe:1", "alias br/corp is not defined in moduleAliases.br"),
        ("ts/corp:spec:1", "alias ts/corp is not defined in moduleAliases.ts"),
        ("br:r.io/x", "has no tag or digest"),
        ("br:../../etc:1", "registry"),
        ("br:r.io/../x:1", "repository"),
        ("br:r.io/x:..", "tag"),
        ("ts:not-a-guid/rg/spec:1", "not a GUID"),
        ("ts:00000000-0000-0000-0000-0000000000aa/rg/..:1", "not valid"),
    ],
)
def test_references_bicep_would_refuse_are_not_resolved(reference: str, why: str) -> None:
    found = cache_path(reference, BicepConfig())
    assert isinstance(found, str)
    assert why in found


def test_bicepconfig_keeps_the_public_alias_and_expands_the_home_in_the_cache_root() -> None:
    config = read_config('{"cacheRootDirectory": "~/bicep-cache", "moduleAliases": {"br": {}}}', home="/home/u")
    assert config.br["public"] == ("mcr.microsoft.com", "bicep")
    assert config.cache_root == "/home/u/bicep-cache"
    broken = read_config("{", home=None)
    assert broken.problem is not None
    assert "bicepconfig.json is not valid JSON" in str(cache_path("br/corp:x:1", broken))


def test_a_registry_module_in_a_loop_is_evaluated_once_per_instance(tmp_path: Path) -> None:
    (tmp_path / "main.bicep").write_text(
        "module scopes 'br/public:avm/res/insights/private-link-scope:0.1.0-fixture' = [for name in ['a', 'b']: {\n"
        "  name: 'scope-${name}'\n"
        "  params: {\n"
        "    name: 'ampls-loop-${name}'\n"
        "    ingestionAccessMode: 'Open'\n"
        "  }\n"
        "}]\n"
    )
    got = [(f.check_id, f.start_line, f.resource) for f in run(tmp_path).findings if f.check_id == "CKV_AMPLS_1"]
    assert got == [
        ("CKV_AMPLS_1", 46, "module.scopes[0].Microsoft.Insights/privateLinkScopes/ampls-loop-a"),
        ("CKV_AMPLS_1", 46, "module.scopes[1].Microsoft.Insights/privateLinkScopes/ampls-loop-b"),
    ]


def test_the_checkov_pack_reads_the_cache_named_in_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from ampls_checks.checkov_pack.adapter import PackSession

    root = str(REGISTRY / "restored")
    assert PackSession().report_for(root).findings == []  # the conftest's empty home
    monkeypatch.setenv("AMPLS_CHECKS_BICEP_MODULE_CACHE", str(CACHE))
    found = PackSession().report_for(root).findings
    assert sorted(f.check_id for f in found) == ["CKV_AMPLS_1", "CKV_AMPLS_13", "CKV_AMPLS_6"]


def test_each_file_resolves_an_alias_with_its_own_bicepconfig(tmp_path: Path) -> None:
    call = (
        "module ampls 'br/corp:insights/private-link-scope:0.1.0-fixture' = {\n"
        "  name: 'ampls'\n"
        "  params: {\n"
        "    name: 'ampls-alias-{0}'\n"
        "    ingestionAccessMode: 'Open'\n"
        "  }\n"
        "}\n"
    )
    aliases = {"a": '{"registry": "mcr.microsoft.com", "modulePath": "bicep/avm/res"}', "b": '{"registry": "other.io"}'}
    for name, alias in aliases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.bicep").write_text(call.replace("{0}", name))
        (tmp_path / name / "bicepconfig.json").write_text('{"moduleAliases": {"br": {"corp": ' + alias + "}}}")
    report = run(tmp_path)
    assert [(f[0], f[1]) for f in findings(report) if f[0] == "CKV_AMPLS_1"] == [
        ("CKV_AMPLS_1", str(SCOPE_MODULE / "main.json"))
    ]
    assert [n.file for n in report.notes if "other.io/insights$private-link-scope" in n.message] == ["b/main.bicep"]


def test_the_graph_command_draws_the_restored_modules(capsys: pytest.CaptureFixture[str]) -> None:
    from ampls_checks.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REGISTRY / "restored")
        assert main(["graph", ".", "--format", "json", "--bicep-module-cache", str(CACHE)]) == 0
    out = capsys.readouterr().out
    assert '"address": "module.ampls.Microsoft.Insights/privateLinkScopes/ampls-registry-fixture"' in out
    assert '"address": "module.endpoint.Microsoft.Network/privateEndpoints/pe-registry-fixture"' in out
