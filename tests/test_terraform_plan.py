"""`ampls-checks --plan plan.json [ROOT_DIR]`: a Terraform plan in JSON gives the findings of the
configuration it was made from.

The plans under tests/plan_fixtures/ are written by hand in HashiCorp's "JSON Output Format"
(developer.hashicorp.com/terraform/internals/json-format), format_version "1.2" as Terraform 1.9
writes it: `planned_values` with `child_modules`, `resource_changes[].change.after_unknown`, and
`configuration` with `module_calls` and expressions (`constant_value` or `references`, every step of
a reference listed, as Terraform lists them). They are pretty-printed, as `jq .` would print
`terraform show -json`'s one line.

two_modules/: a root module, one local module (monitoring) and one registry module (dns, for_each
over four zones, downloaded under .terraform/modules as `terraform init` leaves it, with its
modules.json). Values known only at plan time: the scope's ingestion mode and the workspace's
public ingestion come from root variables without defaults (`-var`). Edges known only through
`configuration` references: the endpoint's subnet and scope, its zone group's zone ids (through
the dns module's output) and the zone links' network (through the dns module's input) are all
unknown until apply.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.cli import main
from ampls_checks.scan import ScanOptions, scan, scan_plan

from .conftest import REPO

PLANS = Path(__file__).parent / "plan_fixtures"
TWO_MODULES = PLANS / "two_modules"
ROOT = "tests/plan_fixtures/two_modules"
WHAT_THE_PLAN_WAS_GIVEN = ["ingestion_access_mode=Open", "workspace_public_ingestion=true"]


def _rows(report: Any) -> list[tuple[str, str, int, str, str]]:
    return sorted((f.check_id, f.file, f.start_line, f.resource, f.message) for f in report.findings)


@pytest.fixture
def at_repo(in_dir: Any) -> None:
    in_dir(REPO)


def test_plan_with_its_configuration_gives_the_hcl_findings_at_the_same_lines(at_repo: None) -> None:
    given = [("var", value, "") for value in WHAT_THE_PLAN_WAS_GIVEN]
    hcl = scan([ROOT], ScanOptions(terraform_vars=given))
    plan = scan_plan(f"{ROOT}/plan.json", ROOT)
    assert (hcl.errors, plan.errors) == ([], [])
    assert [row[:4] for row in _rows(plan)] == [
        (
            "CKV_AMPLS_1",
            f"{ROOT}/modules/monitoring/main.tf",
            12,
            "module.monitoring.azurerm_monitor_private_link_scope.this",
        ),
        (
            "CKV_AMPLS_3",
            f"{ROOT}/modules/monitoring/main.tf",
            20,
            "module.monitoring.azurerm_log_analytics_workspace.this",
        ),
        ("CKV_AMPLS_6", f"{ROOT}/main.tf", 63, "azurerm_private_endpoint.ampls"),
    ]
    assert _rows(plan) == _rows(hcl)


def test_the_hcl_scan_without_the_plan_values_cannot_see_two_of_them(at_repo: None) -> None:
    hcl = scan([ROOT], ScanOptions())
    assert [f.check_id for f in hcl.findings] == ["CKV_AMPLS_6"]


def test_plan_alone_points_at_the_plan_lines_with_the_addresses(at_repo: None) -> None:
    plan = scan_plan(f"{ROOT}/plan.json", None)
    assert plan.errors == []
    assert [row[:4] for row in _rows(plan)] == [
        # the zone group's line in planned_values, the workspace's internet_ingestion_enabled, the
        # scope's ingestion_access_mode
        ("CKV_AMPLS_1", f"{ROOT}/plan.json", 383, "module.monitoring.azurerm_monitor_private_link_scope.this"),
        ("CKV_AMPLS_3", f"{ROOT}/plan.json", 354, "module.monitoring.azurerm_log_analytics_workspace.this"),
        ("CKV_AMPLS_6", f"{ROOT}/plan.json", 31, "azurerm_private_endpoint.ampls"),
    ]


def test_a_plan_on_one_line_points_at_line_one(at_repo: None, tmp_path: Path) -> None:
    """`terraform show -json` prints one line: every finding is on it, told apart by address."""
    compact = tmp_path / "plan.json"
    compact.write_text(json.dumps(json.loads((TWO_MODULES / "plan.json").read_text())))
    plan = scan_plan(str(compact), None)
    assert sorted((f.check_id, f.start_line) for f in plan.findings) == [
        ("CKV_AMPLS_1", 1),
        ("CKV_AMPLS_3", 1),
        ("CKV_AMPLS_6", 1),
    ]


def test_the_cli_reads_the_plan_and_exits_one_on_findings(at_repo: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--plan", f"{ROOT}/plan.json", ROOT, "--no-cache", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted((f["check_id"], f["file"], f["start_line"]) for f in out["findings"]) == [
        ("CKV_AMPLS_1", f"{ROOT}/modules/monitoring/main.tf", 12),
        ("CKV_AMPLS_3", f"{ROOT}/modules/monitoring/main.tf", 20),
        ("CKV_AMPLS_6", f"{ROOT}/main.tf", 63),
    ]


def _plan() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((TWO_MODULES / "plan.json").read_text())
    return loaded


def _write(tmp_path: Path, plan: dict[str, Any]) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    return str(path)


def test_zone_ids_unknown_until_apply_need_the_configuration_references(tmp_path: Path) -> None:
    """Without `configuration`, the ids unknown until apply stay unknown: the zone group's zones
    (CKV_AMPLS_6), the workspace's link to the scope (CKV_AMPLS_3) and the endpoint's scope (so
    CKV_AMPLS_13 cannot say the scope has none). What the plan knows still counts (CKV_AMPLS_1)."""
    plan = _plan()
    del plan["configuration"]
    report = scan_plan(_write(tmp_path, plan), None)
    assert [f.check_id for f in report.findings] == ["CKV_AMPLS_1"]
    notes = [n.message for n in report.notes if "azurerm_private_endpoint.ampls" in n.message]
    assert (
        "azurerm_private_endpoint.ampls: private_dns_zone_ids is unknown: "
        + ("known only after apply (after_unknown in the plan)")
        in notes
    )


def test_a_module_call_with_no_instance_in_the_plan_makes_absence_checks_silent(tmp_path: Path) -> None:
    """The dns module's instances removed from planned_values: what it creates is unknown, so the
    missing zone is not reported (CKV_AMPLS_6), and --verbose names the module call."""
    plan = _plan()
    root = plan["planned_values"]["root_module"]
    root["child_modules"] = [m for m in root["child_modules"] if not m["address"].startswith("module.dns")]
    plan["resource_changes"] = [c for c in plan["resource_changes"] if not c["address"].startswith("module.dns")]
    report = scan_plan(_write(tmp_path, plan), None)
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1", "CKV_AMPLS_3"]
    assert any(
        n.message.startswith(
            'module.dns: module call (source "Azure/avm-res-network-privatednszone/azurerm") has no '
            "instance in planned_values"
        )
        for n in report.notes
    )


def test_a_value_unknown_after_apply_is_silent_and_verbose_says_why(
    at_repo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = "tests/plan_fixtures/after_unknown/plan.json"
    code = main(["--plan", plan, "--no-cache", "--verbose"])
    captured = capsys.readouterr()
    assert code == 1
    assert [line for line in captured.out.splitlines() if "CKV_AMPLS_" in line] == [
        f"{plan}:7: CKV_AMPLS_13 [LOW] azurerm_monitor_private_link_scope.this: Scope has no private endpoint and "
        "links no monitor resource: connect a private endpoint (sub-resource azuremonitor) and link the monitor "
        "resources its networks use, or remove the scope"
    ]
    assert captured.err.splitlines() == [
        f"{plan}:16: unknown: azurerm_monitor_private_link_scope.this: ingestion_access_mode is unknown: known only "
        "after apply (after_unknown in the plan)"
    ]


def test_the_same_null_without_after_unknown_is_the_provider_default(tmp_path: Path) -> None:
    """The control for the test above: a null that after_unknown does not mark is an omitted
    value, and the scope's ingestion mode defaults to Open."""
    plan = json.loads((PLANS / "after_unknown" / "plan.json").read_text())
    plan["resource_changes"][0]["change"]["after_unknown"] = {"id": True}
    report = scan_plan(_write(tmp_path, plan), None)
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1", "CKV_AMPLS_13"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format_version": "1.2", "planned_values": {', "invalid JSON"),
        ('{"format_version": "2.0", "planned_values": {}}', 'unsupported plan format_version "2.0"'),
        ('{"format_version": 1, "planned_values": {}}', "unsupported plan format_version 1"),
        ('{"planned_values": {}}', "not a Terraform plan in JSON"),
        ('{"format_version": "1.0", "values": {"root_module": {}}}', "no planned_values (a state file?"),
        ("[" * 5000 + "]" * 5000, "invalid JSON"),
    ],
)
def test_input_that_is_not_a_plan_this_reads_is_an_error_naming_the_file(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    code = main(["--plan", str(path), "--no-cache"])
    out = capsys.readouterr().out
    assert code == 2
    assert f"{path}:" in out and message in out


def test_format_versions_0_x_and_1_x_are_read(tmp_path: Path) -> None:
    for version in ("0.1", "0.2", "1.0", "1.9"):
        plan = _plan()
        plan["format_version"] = version
        assert len(scan_plan(_write(tmp_path, plan), None).findings) == 3


def test_a_plan_over_the_size_limit_is_an_error(at_repo: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--plan", f"{ROOT}/plan.json", "--max-file-size", "1000", "--no-cache"])
    assert code == 2
    assert "over the limit of 1000" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["a", "b"], "--plan takes at most one PATH"),
        ([f"{ROOT}/main.tf"], "is not a directory"),
        (["--var", "x=1", ROOT], "drop --var and --var-file"),
        (["--changed-files", ROOT], "--plan does not go with --changed-files"),
    ],
)
def test_plan_command_lines_that_do_not_make_sense_are_refused(
    arguments: list[str], message: str, at_repo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--plan", f"{ROOT}/plan.json", *arguments, "--no-cache"]) == 2
    assert message in capsys.readouterr().err


def test_references_pin_only_what_they_name_exactly(tmp_path: Path) -> None:
    """A zone list whose unknown elements are more than the resources its references name stays
    unknown: no guess, so CKV_AMPLS_6 is silent."""
    plan = _plan()
    endpoint = plan["planned_values"]["root_module"]["resources"][0]
    assert endpoint["address"] == "azurerm_private_endpoint.ampls"
    endpoint["values"]["private_dns_zone_group"][0]["private_dns_zone_ids"].append(None)
    change = next(c for c in plan["resource_changes"] if c["address"] == "azurerm_private_endpoint.ampls")
    change["change"]["after_unknown"]["private_dns_zone_group"][0]["private_dns_zone_ids"].append(True)
    report = scan_plan(_write(tmp_path, copy.deepcopy(plan)), None)
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1", "CKV_AMPLS_3"]


def _located(report: Any) -> list[tuple[str, str, int, int, str]]:
    graph = report.graph
    return sorted(
        (type(e).__name__, e.address, e.location.start_line, e.location.end_line, e.location.file)
        for e in graph.by_key.values()
    )


def test_every_planned_resource_is_located_at_its_block_as_the_hcl_scan_locates_it(at_repo: None) -> None:
    """All fourteen entities, the registry module's zones and links included (at their lines in
    .terraform/modules/dns/main.tf), and the same edges: each zone link reaches the hub network."""
    given = [("var", value, "") for value in WHAT_THE_PLAN_WAS_GIVEN]
    hcl = scan([ROOT], ScanOptions(terraform_vars=given))
    plan = scan_plan(f"{ROOT}/plan.json", ROOT)
    assert len(_located(plan)) == 14
    assert _located(plan) == _located(hcl)
    assert (
        "PrivateDnsZone",
        'module.dns["oms"].azurerm_private_dns_zone.this',
        16,
        19,
        (f"{ROOT}/.terraform/modules/dns/main.tf"),
    ) in _located(plan)
    assert plan.graph is not None and hcl.graph is not None
    edges = [
        sorted((zone, link.key, repr(vnet)) for zone, links in g.zone_vnet_links.items() for link, vnet in links)
        for g in (plan.graph, hcl.graph)
    ]
    assert len(edges[0]) == 4 and all(vnet.endswith(":azurerm_virtual_network.hub'") for _zone, _link, vnet in edges[0])
    assert edges[0] == edges[1]


def test_a_skip_comment_in_the_configuration_applies_to_the_plan_finding(tmp_path: Path, in_dir: Any) -> None:
    import shutil

    root = tmp_path / "root"
    shutil.copytree(TWO_MODULES, root)
    module = root / "modules" / "monitoring" / "main.tf"
    module.write_text(
        module.read_text().replace(
            '  query_access_mode     = "PrivateOnly"\n',
            '  query_access_mode     = "PrivateOnly"\n  # checkov:skip=CKV_AMPLS_1:opened while agents move\n',
        )
    )
    in_dir(root)
    plan = scan_plan("plan.json", ".")
    skipped = [(f.check_id, f.suppression.reason) for f in plan.findings if f.suppression is not None]
    assert skipped == [("CKV_AMPLS_1", "opened while agents move")]
    assert sorted(f.check_id for f in plan.active_findings) == ["CKV_AMPLS_3", "CKV_AMPLS_6"]


AZAPI_CASE = (
    REPO / "tests" / "fixtures" / "terraform" / "ckv_ampls_14" / "bad_azapi_resource_exclusion_reopens_ingestion"
)


def _azapi_plan(body: Any) -> dict[str, Any]:
    """The plan of AZAPI_CASE (one azapi_resource), in format 1.2; `body` as azapi v2 (an object)
    or v1 (the JSON string `jsonencode` made) plans it."""
    values = {
        "body": body,
        "id": None,
        "location": "global",
        "name": "ampls-hub",
        "output": None,
        "parent_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-monitoring-k71777",
        "type": "Microsoft.Insights/privateLinkScopes@2021-07-01-preview",
    }
    address = {"address": "azapi_resource.ampls", "mode": "managed", "type": "azapi_resource", "name": "ampls"}
    provider = "registry.terraform.io/azure/azapi"
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {
            "root_module": {
                "resources": [{**address, "provider_name": provider, "schema_version": 2, "values": values}]
            }
        },
        "resource_changes": [
            {
                **address,
                "provider_name": provider,
                "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {"id": True}},
            }
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {**address, "provider_config_key": "azapi", "expressions": {"body": {"constant_value": body}}}
                ]
            }
        },
    }


@pytest.mark.parametrize("v1", [False, True], ids=["body object (azapi v2)", "body string (azapi v1)"])
def test_an_azapi_scope_in_a_plan_gives_the_hcl_finding_and_line(v1: bool, tmp_path: Path, in_dir: Any) -> None:
    import shutil

    body = {
        "properties": {
            "accessModeSettings": {
                "exclusions": [
                    {
                        "ingestionAccessMode": "Open",
                        "privateEndpointConnectionName": "pe-ampls-legacy.0b1d3c2e-7a6f-4e1b-9c1d-2f3a4b5c6d7e",
                        "queryAccessMode": "PrivateOnly",
                    }
                ],
                "ingestionAccessMode": "PrivateOnly",
                "queryAccessMode": "PrivateOnly",
            }
        }
    }
    root = tmp_path / "root"
    shutil.copytree(AZAPI_CASE, root)
    (root / "plan.json").write_text(json.dumps(_azapi_plan(json.dumps(body) if v1 else body), indent=2))
    in_dir(root)
    hcl = scan(["."], ScanOptions())
    plan = scan_plan("plan.json", ".")
    assert [row[:4] for row in _rows(plan)] == [
        ("CKV_AMPLS_13", "main.tf", 3, "azapi_resource.ampls"),  # no endpoint: not this case's point
        ("CKV_AMPLS_14", "main.tf", 17, "azapi_resource.ampls"),
    ]
    assert _rows(plan) == _rows(hcl)


def test_malformed_parts_of_a_plan_are_never_a_crash(at_repo: None) -> None:
    """Every seventh value of the two-module plan replaced by a value of another shape: the plan is
    still read (findings or not), and nothing raises."""
    from ampls_checks.parsers.terraform.plan import load_plan
    from ampls_checks.parsers.terraform.plan_config import ConfigTree

    base = (TWO_MODULES / "plan.json").read_text()
    paths: list[tuple[Any, ...]] = []

    def walk(value: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        for key, item in items:
            walk(item, (*path, key))

    walk(json.loads(base), ())
    assert len(paths) > 1000
    config = ConfigTree(ROOT, 10_000_000)  # read once: it holds only what the directory says
    for path in paths[1::7]:
        for replacement in (None, "x", [True], {"a": True}):
            document = json.loads(base)
            parent = document
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = replacement
            load_plan("plan.json", json.dumps(document), config)


@pytest.mark.parametrize("marker", [{"errored": True}, {"complete": False}])
def test_an_errored_or_incomplete_plan_makes_absence_checks_silent(marker: dict[str, Any], tmp_path: Path) -> None:
    """Such a plan may not show every resource: the missing blob zone is not reported, the
    written values still are, and --verbose says why."""
    plan = {**_plan(), **marker}
    report = scan_plan(_write(tmp_path, plan), None)
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1", "CKV_AMPLS_3"]
    assert any(n.message.startswith("the plan is ") for n in report.notes)


def test_an_id_built_on_a_resource_no_check_reads_is_not_that_resource(tmp_path: Path) -> None:
    """`private_connection_resource_id = "${azurerm_resource_group.rg.id}/providers/..."`, unknown
    until apply: the endpoint's target stays unknown, so the scope is not said to lack its
    endpoint (CKV_AMPLS_13), as it would if the id stood for the resource group."""
    plan = _plan()
    group = {
        "address": "azurerm_resource_group.rg",
        "mode": "managed",
        "type": "azurerm_resource_group",
        "name": "rg",
        "values": {"id": None, "location": "westeurope", "name": "rg-plan-two-modules"},
    }
    plan["planned_values"]["root_module"]["resources"].append(group)
    plan["resource_changes"].append({**group, "change": {"actions": ["create"], "after_unknown": {"id": True}}})
    endpoint = plan["configuration"]["root_module"]["resources"][0]
    assert endpoint["address"] == "azurerm_private_endpoint.ampls"
    endpoint["expressions"]["private_service_connection"][0]["private_connection_resource_id"] = {
        "references": ["azurerm_resource_group.rg.id", "azurerm_resource_group.rg"]
    }
    report = scan_plan(_write(tmp_path, plan), None)
    assert sorted(f.check_id for f in report.findings) == ["CKV_AMPLS_1", "CKV_AMPLS_3", "CKV_AMPLS_6"]


def test_graph_draws_the_plan_with_the_edges_known_only_through_references(
    at_repo: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "--plan", f"{ROOT}/plan.json", ROOT, "--format", "mermaid"]) == 0
    drawn = capsys.readouterr().out
    assert '  n2["private endpoint<br/>pe-plan-ampls"]' in drawn
    for edge in ("n2 -->|private link| n1", "n2 -->|subnet in| n9", "n3 --> n5", "n1 -->|scoped link| n0"):
        assert f"  {edge}\n" in drawn
    assert drawn.count("-->|vnet link| n9") == 4


def test_references_past_the_budget_stay_unknown_and_verbose_says_so(tmp_path: Path) -> None:
    """A zone list naming a module output over 1,200 module instances: following them all passes
    the budget of one attribute (1,000 steps), so the list stays unknown (a part of it would be a
    guess), and a note says why."""
    instances = 1_200
    zone = {"mode": "managed", "type": "azurerm_private_dns_zone", "name": "z"}
    children = [
        {
            "address": f'module.m["k{i}"]',
            "resources": [
                {**zone, "address": f'module.m["k{i}"].azurerm_private_dns_zone.z', "values": {"name": f"z{i}.test"}}
            ],
        }
        for i in range(instances)
    ]
    endpoint = {"address": "azurerm_private_endpoint.e", "mode": "managed", "type": "azurerm_private_endpoint"}
    endpoint["name"] = "e"
    group = {"name": "g", "private_dns_zone_ids": [None] * instances}
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [{**endpoint, "values": {"name": "pe", "private_dns_zone_group": [group]}}],
                "child_modules": children,
            }
        },
        "resource_changes": [
            {
                "address": "azurerm_private_endpoint.e",
                "change": {"after_unknown": {"private_dns_zone_group": [{"private_dns_zone_ids": [True] * instances}]}},
            }
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        **endpoint,
                        "expressions": {
                            "private_dns_zone_group": [{"private_dns_zone_ids": {"references": ["module.m.out"]}}]
                        },
                    }
                ],
                "module_calls": {
                    "m": {
                        "source": "./m",
                        "module": {
                            "outputs": {"out": {"expression": {"references": ["azurerm_private_dns_zone.z.id"]}}},
                            "resources": [{**zone, "address": "azurerm_private_dns_zone.z"}],
                        },
                    }
                },
            }
        },
    }
    report = scan_plan(_write(tmp_path, plan), None)
    assert report.graph is not None
    (group_node,) = report.graph.endpoints[0].zone_groups  # type: ignore[union-attr]
    assert all(type(zone).__name__ == "Unknown" for zone in group_node.zones)  # type: ignore[union-attr]
    assert any(n.message.startswith("references too many to follow") for n in report.notes)


def test_a_directory_scan_says_it_did_not_read_a_plan_lying_there(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_bytes((TWO_MODULES / "plan.json").read_bytes())
    (tmp_path / "other.json").write_text('{"format_version": "1.0", "something": "else"}')
    report = scan([str(tmp_path)], ScanOptions(use_cache=False))
    assert [(n.file.rsplit("/", 1)[-1], n.line, n.message) for n in report.notes] == [
        (
            "plan.json",
            1,
            "a Terraform plan (terraform show -json): a directory scan does not read it; "
            "scan it with --plan FILE [ROOT_DIR]",
        )
    ]
    assert report.findings == [] and report.errors == []
