"""Specification of Terraform modules as the scanner sees them.

A module is a directory. Local module calls pass their inputs into the module's variables, and
the module's resources are reported at the module's own file and line under the caller's address
(`module.x.azurerm_...`, `module.x["a"]...`). Two root directories share nothing. Remote modules
and module sources outside the scanned roots are unknown, never read. Fixtures live in
tests/fixtures/terraform_forms/modules/<case>/; each test scans from inside its case directory,
so displayed paths are relative to it.
"""

from __future__ import annotations

import builtins
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.discover import discover
from ampls_checks.model import (
    DnsZoneVnetLink,
    Entity,
    MonitorResource,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    ScopedLink,
    Unknown,
)
from ampls_checks.scan import ScanOptions, parse_terraform, scan

CASES = Path(__file__).parent / "fixtures" / "terraform_forms" / "modules"


def model(in_dir: Any, case: str) -> ParseResult:
    """The entities scan builds for a case: its discovery and its Terraform parse step."""
    in_dir(CASES / case)
    candidates = discover(["."]).files
    return parse_terraform([(c, Path(c.path).read_text(encoding="utf-8")) for c in candidates])


def by_address(result: ParseResult) -> dict[str, Entity]:
    return {e.address: e for e in result.entities}


def findings_of(in_dir: Any, case: str, *paths: str) -> list[tuple[str, str, int, str]]:
    in_dir(CASES / case)
    report = scan(list(paths) or ["."], ScanOptions())
    assert report.errors == []
    return [(f.check_id, f.file, f.start_line, f.resource) for f in report.findings]


# ---------------------------------------------------------------------------------------------
# Local modules
# ---------------------------------------------------------------------------------------------


def test_local_module_inputs_flow_into_the_module_resources(in_dir: Any) -> None:
    scope = by_address(model(in_dir, "local_module"))["module.hub.azurerm_monitor_private_link_scope.this"]
    assert isinstance(scope, PrivateLinkScope)
    assert scope.name == "ampls-prod-hub"  # a template of the caller's local
    assert scope.ingestion_access_mode == "Open"  # the caller's literal beats the module default
    assert scope.query_access_mode == "PrivateOnly"  # the caller's variable default
    assert (scope.location.file, scope.location.start_line, scope.location.end_line) == ("modules/scope/main.tf", 1, 6)


def test_module_findings_point_at_the_module_file_and_line(in_dir: Any) -> None:
    assert findings_of(in_dir, "local_module") == [
        ("CKV_AMPLS_13", "modules/scope/main.tf", 1, "module.hub.azurerm_monitor_private_link_scope.this"),
        ("CKV_AMPLS_1", "modules/scope/main.tf", 4, "module.hub.azurerm_monitor_private_link_scope.this"),
    ]


def test_a_module_directory_called_by_a_root_is_not_also_a_root(in_dir: Any) -> None:
    addresses = set(by_address(model(in_dir, "local_module")))
    assert addresses == {"module.hub.azurerm_monitor_private_link_scope.this"}


def test_nested_modules_chain_their_addresses_and_inputs(in_dir: Any) -> None:
    assert findings_of(in_dir, "nested_modules") == [
        (
            "CKV_AMPLS_13",
            "modules/inner/main.tf",
            5,
            "module.platform.module.scope.azurerm_monitor_private_link_scope.this",
        ),
        (
            "CKV_AMPLS_1",
            "modules/inner/main.tf",
            8,
            "module.platform.module.scope.azurerm_monitor_private_link_scope.this",
        ),
    ]


def test_module_for_each_and_count_make_one_instance_each(in_dir: Any) -> None:
    scopes = by_address(model(in_dir, "module_for_each_count"))
    modes = {a: e.ingestion_access_mode for a, e in scopes.items() if isinstance(e, PrivateLinkScope)}
    assert modes == {
        'module.team["blue"].azurerm_monitor_private_link_scope.this': "PrivateOnly",
        'module.team["green"].azurerm_monitor_private_link_scope.this': "Open",
        "module.numbered[0].azurerm_monitor_private_link_scope.this": "PrivateOnly",
        "module.numbered[1].azurerm_monitor_private_link_scope.this": "Open",
    }
    assert scopes['module.team["green"].azurerm_monitor_private_link_scope.this'].name == "ampls-green"
    assert scopes["module.numbered[1].azurerm_monitor_private_link_scope.this"].name == "ampls-1"


def test_findings_in_module_instances_name_the_instance(in_dir: Any) -> None:
    ingestion = [f for f in findings_of(in_dir, "module_for_each_count") if f[0] == "CKV_AMPLS_1"]
    assert ingestion == [
        ("CKV_AMPLS_1", "modules/scope/main.tf", 12, "module.numbered[1].azurerm_monitor_private_link_scope.this"),
        ("CKV_AMPLS_1", "modules/scope/main.tf", 12, 'module.team["green"].azurerm_monitor_private_link_scope.this'),
    ]


def test_module_outputs_are_consumed_by_the_caller(in_dir: Any) -> None:
    entities = by_address(model(in_dir, "module_outputs"))
    link = entities["azurerm_monitor_private_link_scoped_service.logs"]
    scope = entities["module.scope.azurerm_monitor_private_link_scope.this"]
    workspace = entities["module.logs.azurerm_log_analytics_workspace.this"]
    assert isinstance(link, ScopedLink)
    assert not isinstance(link.scope, Unknown) and link.scope.key == scope.key
    assert not isinstance(link.linked_resource, Unknown) and link.linked_resource.key == workspace.key


def test_a_link_made_through_module_outputs_counts_for_the_checks(in_dir: Any) -> None:
    public = [f for f in findings_of(in_dir, "module_outputs") if f[0] in ("CKV_AMPLS_3", "CKV_AMPLS_4")]
    assert public == [
        ("CKV_AMPLS_3", "modules/logs/main.tf", 1, "module.logs.azurerm_log_analytics_workspace.this"),
        ("CKV_AMPLS_4", "modules/logs/main.tf", 1, "module.logs.azurerm_log_analytics_workspace.this"),
    ]


def test_a_module_that_calls_itself_stops_without_error(in_dir: Any) -> None:
    in_dir(CASES / "self_calling")
    started = time.perf_counter()
    report = scan(["."], ScanOptions())
    assert time.perf_counter() - started < 5
    assert report.errors == []
    assert [(f.check_id, f.file, f.start_line, f.resource) for f in report.findings if f.check_id == "CKV_AMPLS_1"] == [
        ("CKV_AMPLS_1", "main.tf", 15, "azurerm_monitor_private_link_scope.root")
    ]
    scopes = sorted(f.resource for f in report.findings if f.check_id == "CKV_AMPLS_13")
    assert scopes == [
        "azurerm_monitor_private_link_scope.root",
        'module.loop["a"].azurerm_monitor_private_link_scope.loop',
        'module.loop["b"].azurerm_monitor_private_link_scope.loop',
    ]


def test_module_inputs_in_a_cycle_are_unknown_and_make_no_finding(in_dir: Any) -> None:
    result = model(in_dir, "input_cycle")
    modes = {e.address: e.ingestion_access_mode for e in result.entities if isinstance(e, PrivateLinkScope)}
    assert set(modes) == {
        "module.a.azurerm_monitor_private_link_scope.this",
        "module.b.azurerm_monitor_private_link_scope.this",
        "module.self.azurerm_monitor_private_link_scope.this",
    }
    assert all(isinstance(mode, Unknown) and "circular" in mode.reason for mode in modes.values()), modes
    assert [f for f in findings_of(in_dir, "input_cycle") if f[0] == "CKV_AMPLS_1"] == []


def _fan_out_tree(root: Path, levels: int, width: int) -> None:
    keys = ", ".join(f'"k{i}"' for i in range(width))
    for level in range(levels):
        call = (
            f'module "next" {{\n  source   = "../m{level + 1}"\n  for_each = toset([{keys}])\n}}\n'
            if level < levels - 1
            else ""
        )
        (root / f"m{level}").mkdir(parents=True)
        (root / f"m{level}" / "main.tf").write_text(
            call + 'resource "azurerm_monitor_private_link_scope" "s" {\n  name = "x"\n}\n'
        )
    (root / "main.tf").write_text('module "top" {\n  source = "./m0"\n}\n')


def test_module_fan_out_is_bounded_in_time(tmp_path: Path) -> None:
    _fan_out_tree(tmp_path, levels=7, width=10)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "ampls_checks.cli", ".", "--no-cache", "--format", "json", "--check", "CKV_AMPLS_1"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=6,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the scan of a fanned-out module tree did not end within 6 seconds")
    assert "Traceback" not in completed.stderr


# ---------------------------------------------------------------------------------------------
# Roots share nothing
# ---------------------------------------------------------------------------------------------


def test_sibling_roots_with_the_same_addresses_share_nothing(in_dir: Any) -> None:
    assert findings_of(in_dir, "sibling_roots") == [
        ("CKV_AMPLS_13", "team-a/main.tf", 12, "azurerm_monitor_private_link_scope.ampls"),
        ("CKV_AMPLS_13", "team-b/main.tf", 1, "azurerm_monitor_private_link_scope.ampls"),
        ("CKV_AMPLS_1", "team-b/main.tf", 4, "azurerm_monitor_private_link_scope.ampls"),
    ]
    report = scan(["."], ScanOptions())
    for finding in report.findings:
        other = "team-b" if finding.file.startswith("team-a/") else "team-a"
        assert other not in finding.message, finding


def test_a_reference_to_another_root_is_unknown_not_resolved_there(in_dir: Any) -> None:
    result = model(in_dir, "sibling_roots")
    endpoint = next(e for e in result.entities if isinstance(e, PrivateEndpoint))
    scope_b = next(
        e for e in result.entities if isinstance(e, PrivateLinkScope) and e.location.file.startswith("team-b")
    )
    assert endpoint.location.file == "team-b/main.tf"
    assert isinstance(endpoint.connections, list) and not isinstance(endpoint.connections[0].target, Unknown)
    assert endpoint.connections[0].target.key == scope_b.key
    assert isinstance(endpoint.zone_groups, list)
    [zone] = endpoint.zone_groups[0].zones  # type: ignore[misc]
    assert isinstance(zone, Unknown) and "not declared" in zone.reason
    assert scope_b.key != next(
        e.key for e in result.entities if isinstance(e, PrivateLinkScope) and e.location.file.startswith("team-a")
    )


# ---------------------------------------------------------------------------------------------
# tfvars
# ---------------------------------------------------------------------------------------------


def test_tfvars_precedence_default_then_terraform_tfvars_then_auto_tfvars_in_order(in_dir: Any) -> None:
    result = model(in_dir, "tfvars_precedence")
    modes = {e.name: e.ingestion_access_mode for e in result.entities if isinstance(e, PrivateLinkScope)}
    assert modes == {
        "default_only": "Open",
        "set_by_tfvars": "PrivateOnly",
        "auto_over_tfvars": "PrivateOnly",
        "later_auto_wins": "PrivateOnly",  # b.auto.tfvars is read after a.auto.tfvars
        "not_auto_loaded": "Open",  # prod.tfvars needs -var-file; it is not read
    }


def test_json_tfvars_are_read_like_tfvars(in_dir: Any) -> None:
    # Terraform loads terraform.tfvars.json and *.auto.tfvars.json automatically; ignoring them
    # reports the variable defaults ("Open") that the deployment never uses.
    [scope] = [e for e in model(in_dir, "tfvars_json").entities if isinstance(e, PrivateLinkScope)]
    assert (scope.ingestion_access_mode, scope.query_access_mode) == ("PrivateOnly", "PrivateOnly")


# ---------------------------------------------------------------------------------------------
# What is not read
# ---------------------------------------------------------------------------------------------


def test_a_remote_module_is_unknown_and_nothing_is_fetched(in_dir: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the scanner opened a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    result = model(in_dir, "remote_module")
    link = by_address(result)["azurerm_monitor_private_link_scoped_service.logs"]
    assert isinstance(link, ScopedLink)
    assert isinstance(link.scope, Unknown) and "not a local module" in link.scope.reason
    # nothing of the module is read; the call stands in the unit as a resource of unknown kind
    assert [(type(e).__name__, e.address) for e in result.entities if e.address.startswith("module.")] == [
        ("UnresolvedResource", "module.ampls")
    ]
    assert any("module 'ampls' is not a local module" in n.message and n.line == 19 for n in result.notes)
    assert any(
        n.line == 2
        and n.message.startswith("module.ampls: module call not followed: source")
        and "registry or remote module" in n.message
        for n in result.notes
    )


def test_a_module_source_outside_the_scanned_root_is_not_read(in_dir: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    in_dir(CASES / "outside_root")
    opened: list[str] = []
    real_open = builtins.open

    def tracking_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(os.path.abspath(str(file)))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def tracking_os_open(file: Any, *args: Any, **kwargs: Any) -> Any:  # what read_regular opens with
        opened.append(os.path.abspath(str(file)))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", tracking_open)
    monkeypatch.setattr(os, "open", tracking_os_open)
    report = scan(["caller"], ScanOptions())
    monkeypatch.setattr(builtins, "open", real_open)
    monkeypatch.setattr(os, "open", real_os_open)
    assert any(os.sep + "caller" + os.sep in p for p in opened)
    assert not [p for p in opened if os.sep + "shared" + os.sep in p]
    assert report.findings == [] and report.errors == []
    assert any("outside the scanned roots" in n.message for n in report.notes)


def test_the_same_module_is_read_when_its_directory_is_scanned_too(in_dir: Any) -> None:
    assert findings_of(in_dir, "outside_root") == [
        ("CKV_AMPLS_13", "shared/main.tf", 5, "module.shared.azurerm_monitor_private_link_scope.shared"),
        ("CKV_AMPLS_1", "shared/main.tf", 8, "module.shared.azurerm_monitor_private_link_scope.shared"),
    ]


def test_a_module_directory_reached_through_a_symlink_inside_the_root(tmp_path: Path, in_dir: Any) -> None:
    # `aaa/` sorts before `env/`, so the walk meets the real directory first and skips the link.
    (tmp_path / "aaa" / "scope").mkdir(parents=True)
    (tmp_path / "aaa" / "scope" / "main.tf").write_text(
        textwrap.dedent(
            """\
            variable "mode" {}
            resource "azurerm_monitor_private_link_scope" "s" {
              name                  = "x"
              ingestion_access_mode = var.mode
              query_access_mode     = "PrivateOnly"
            }
            """
        )
    )
    (tmp_path / "env" / "prod").mkdir(parents=True)
    os.symlink("../../aaa", tmp_path / "env" / "prod" / "modules")
    (tmp_path / "env" / "prod" / "main.tf").write_text(
        'module "scope" {\n  source = "./modules/scope"\n  mode   = "Open"\n}\n'
    )
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert [(f.check_id, f.resource) for f in report.findings if f.check_id == "CKV_AMPLS_1"] == [
        ("CKV_AMPLS_1", "module.scope.azurerm_monitor_private_link_scope.s")
    ]


# ---------------------------------------------------------------------------------------------
# Provider generations
# ---------------------------------------------------------------------------------------------


def test_provider_v5_access_types_are_read_beside_v4_booleans(in_dir: Any) -> None:
    entities = by_address(model(in_dir, "provider_v5"))
    flags = {
        address: (e.public_ingestion, e.public_query, e.ingestion_attribute, e.query_attribute)
        for address, e in entities.items()
        if isinstance(e, MonitorResource)
    }
    assert flags == {
        "azurerm_log_analytics_workspace.v5": (
            False,
            False,  # SecuredByPerimeter admits only what the perimeter allows: not public
            "internet_ingestion_access_type",
            "internet_query_access_type",
        ),
        "azurerm_application_insights.v5_open": (
            True,
            False,
            "internet_ingestion_access_type",
            "internet_query_access_type",
        ),
        "azurerm_log_analytics_workspace.v4": (False, True, "internet_ingestion_enabled", "internet_query_enabled"),
    }


def test_vnet_links_name_their_zone_by_v5_id_or_v4_name(in_dir: Any) -> None:
    entities = by_address(model(in_dir, "provider_v5"))
    zone = entities["azurerm_private_dns_zone.monitor"]
    assert isinstance(zone, PrivateDnsZone)
    for address in (
        "azurerm_private_dns_zone_virtual_network_link.v5",
        "azurerm_private_dns_zone_virtual_network_link.v4",
    ):
        link = entities[address]
        assert isinstance(link, DnsZoneVnetLink)
        assert not isinstance(link.zone, Unknown) and link.zone.key == zone.key, address


def test_a_null_input_to_a_non_nullable_variable_takes_its_default(in_dir: Any) -> None:
    scope = by_address(model(in_dir, "nullable_false"))["module.strict.azurerm_monitor_private_link_scope.this"]
    assert isinstance(scope, PrivateLinkScope)
    assert scope.ingestion_access_mode == "PrivateOnly"


def test_override_files_merge_into_the_original_blocks(in_dir: Any) -> None:
    entities = by_address(model(in_dir, "override_files"))
    modes = {
        address: (e.name, e.ingestion_access_mode, e.query_access_mode, e.location.file)
        for address, e in entities.items()
        if isinstance(e, PrivateLinkScope)
    }
    assert modes == {
        "azurerm_monitor_private_link_scope.first": ("ampls-first", "PrivateOnly", "PrivateOnly", "main.tf"),
        "azurerm_monitor_private_link_scope.second": ("ampls-second", "PrivateOnly", "PrivateOnly", "main.tf"),
    }
