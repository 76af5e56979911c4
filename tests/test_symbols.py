"""Specification of opaque but stable symbols (model.symbol).

`uniqueString(...)` of known arguments, `resourceGroup().id`, `subscription()` ids in ARM and
Bicep, and the ids of a Terraform provider configuration (`data.azurerm_client_config`,
`data.azapi_client_config`, `data.azurerm_subscription`) are known only to Azure, but two
references to the same expression in one deployment are the same value. They are carried as
strings holding a symbol: names and ids built from them link as a deployment would; compared with
anything else they are unknown, never a finding; reporters print them as the expression.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.model import Unknown, has_symbol, is_symbol, parse_arm_id, shown
from ampls_checks.scan import ScanOptions, scan

from .test_arm_parser import evaluate as arm_value
from .test_bicep_parser import value_of as bicep_value
from .test_terraform_eval import module


@pytest.mark.parametrize(
    ("arm", "bicep", "written"),
    [
        ("uniqueString(resourceGroup().id)", "uniqueString(resourceGroup().id)", "uniqueString(resourceGroup().id)"),
        ("UNIQUESTRING(resourceGroup().id, 'x')", "uniqueString(resourceGroup().id, 'x')", None),
        ("subscription().subscriptionId", "subscription().subscriptionId", "subscription().subscriptionId"),
        ("subscription().tenantId", "subscription().tenantId", "subscription().tenantId"),
    ],
)
def test_arm_and_bicep_give_one_symbol_for_one_expression(arm: str, bicep: str, written: str | None) -> None:
    from_arm, from_bicep = arm_value(arm), bicep_value(bicep)
    assert is_symbol(from_arm) and from_arm == from_bicep
    if written is not None:
        assert shown(from_arm) == written


def test_a_name_built_from_a_symbol_is_a_string_that_shows_the_expression() -> None:
    name = arm_value("concat('pe-', uniqueString(resourceGroup().id))")
    assert isinstance(name, str) and has_symbol(name) and not is_symbol(name)
    assert name == bicep_value("'pe-${uniqueString(resourceGroup().id)}'")
    assert shown(name) == "pe-uniqueString(resourceGroup().id)"


def test_different_arguments_give_different_symbols() -> None:
    assert arm_value("uniqueString('a')") != arm_value("uniqueString('b')")
    assert arm_value("uniqueString('a', 'b')") != arm_value("uniqueString('a,b')")


@pytest.mark.parametrize(
    "expression",
    ["uniqueString(deployment().name)", "uniqueString(parameters('missing'))", "uniqueString()"],
)
def test_unique_string_of_an_unknown_is_unknown(expression: str) -> None:
    assert isinstance(arm_value(expression), Unknown)


def test_a_symbol_compared_with_anything_else_is_unknown_and_with_itself_true() -> None:
    assert isinstance(arm_value("equals(uniqueString('a'), 'k3j4h5g6f7d8s')"), Unknown)
    assert isinstance(arm_value("equals(uniqueString('a'), uniqueString('b'))"), Unknown)
    assert arm_value("equals(uniqueString('a'), uniqueString('a'))") is True
    assert isinstance(bicep_value("uniqueString('a') == 'k3j4h5g6f7d8s'"), Unknown)


def test_a_symbol_never_splits_a_resource_id() -> None:
    # an argument holding "/" is escaped inside the symbol, so the id keeps its segments
    suffix = arm_value("uniqueString('/subscriptions/x/resourceGroups/y')")
    assert "/" not in suffix
    zone_id = arm_value(
        "concat(subscription().id, '/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/', "
        "'privatelink.monitor.azure.com')"
    )
    ref = parse_arm_id(zone_id)
    assert ref is not None
    assert (ref.name, ref.resource_group) == ("privatelink.monitor.azure.com", "rg-dns")


def test_the_resource_group_id_of_a_named_group_holds_its_name() -> None:
    bicep = bicep_value("resourceGroup('rg-dns').id")
    assert isinstance(bicep, str) and bicep.endswith("/resourceGroups/rg-dns")
    assert shown(bicep) == "/subscriptions/subscription().subscriptionId/resourceGroups/rg-dns"
    assert isinstance(bicep_value("resourceGroup(undefinedParam).id", "param undefinedParam string"), Unknown)


# -- Terraform --------------------------------------------------------------------------------

CLIENT_CONFIGS = """
data "azurerm_client_config" "current" {}
data "azurerm_client_config" "again" {}
data "azurerm_subscription" "current" {}
data "azapi_client_config" "current" {}
data "azurerm_client_config" "hub" {
  provider = azurerm.hub
}
data "azurerm_subscription" "other" {
  subscription_id = "00000000-0000-0000-0000-000000000000"
}
locals {
  a     = data.azurerm_client_config.current.subscription_id
  b     = data.azurerm_client_config.again.subscription_id
  c     = data.azurerm_subscription.current.subscription_id
  sid   = data.azurerm_subscription.current.id
  azapi = data.azapi_client_config.current.subscription_id
  hub   = data.azurerm_client_config.hub.subscription_id
  other = data.azurerm_subscription.other.subscription_id
  t     = data.azurerm_client_config.current.tenant_id
  zone  = "/subscriptions/${data.azurerm_client_config.current.subscription_id}/resourceGroups/rg-dns/${local.zones}"
  zones = "providers/Microsoft.Network/privateDnsZones/privatelink.monitor.azure.com"
}
"""


def test_terraform_client_config_ids_are_one_symbol_per_provider_configuration() -> None:
    instance = module(CLIENT_CONFIGS)
    a = instance.local("a")
    assert is_symbol(a) and shown(a) == "azurerm.subscription_id"
    assert instance.local("b") == a and instance.local("c") == a
    assert instance.local("sid") == f"/subscriptions/{a}"
    assert is_symbol(instance.local("azapi")) and instance.local("azapi") != a  # another provider
    assert is_symbol(instance.local("hub")) and instance.local("hub") != a  # another configuration
    assert instance.local("other") == "00000000-0000-0000-0000-000000000000"  # as the block names it
    assert is_symbol(instance.local("t")) and instance.local("t") != a
    ref = parse_arm_id(instance.local("zone"))
    assert ref is not None and (ref.name, ref.resource_group) == ("privatelink.monitor.azure.com", "rg-dns")


def test_terraform_symbols_compare_unknown_with_literals() -> None:
    instance = module(
        'data "azurerm_client_config" "current" {}\n'
        "locals {\n"
        "  same  = data.azurerm_client_config.current.tenant_id == data.azurerm_client_config.current.tenant_id\n"
        '  other = data.azurerm_client_config.current.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47"\n'
        "}\n"
    )
    assert instance.local("same") is True
    assert isinstance(instance.local("other"), Unknown)


def test_a_module_given_providers_works_in_another_configuration(tmp_path: Path, in_dir: Any) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text(
        'data "azurerm_client_config" "current" {}\n'
        'output "sub" {\n  value = data.azurerm_client_config.current.subscription_id\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'data "azurerm_client_config" "current" {}\n'
        'module "same" {\n  source = "./child"\n}\n'
        'module "hub" {\n  source = "./child"\n  providers = {\n    azurerm = azurerm.hub\n  }\n}\n'
        "locals {\n"
        "  root = data.azurerm_client_config.current.subscription_id\n"
        "  same = module.same.sub\n"
        "  hub  = module.hub.sub\n"
        "}\n"
    )
    from ampls_checks.parsers.terraform.parse import ModuleInstance, ModuleSource, parse_tf_file

    sources: dict[str, ModuleSource] = {}
    for directory in (tmp_path, tmp_path / "child"):
        source = ModuleSource(str(directory))
        text = (directory / "main.tf").read_text()
        parsed = parse_tf_file(str(directory / "main.tf"), "main.tf", text)
        assert not isinstance(parsed, Unknown)
        source.add(parsed)  # type: ignore[arg-type]
        sources[str(directory)] = source
    root = ModuleInstance(sources[str(tmp_path)], "", "root", {}, sources.get, (str(tmp_path),))
    assert root.local("same") == root.local("root")
    assert is_symbol(root.local("hub")) and root.local("hub") != root.local("root")


# -- Through a scan: links, no false finding, nothing printed raw ------------------------------


def _zone_group_template(zone_names: list[str]) -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "variables": {"peName": "[concat('pe-', uniqueString(resourceGroup().id))]"},
        "resources": [
            {
                "type": "Microsoft.Insights/privateLinkScopes",
                "apiVersion": "2021-07-01-preview",
                "name": "ampls",
                "location": "global",
                "properties": {
                    "accessModeSettings": {"ingestionAccessMode": "PrivateOnly", "queryAccessMode": "PrivateOnly"}
                },
            },
            {
                "type": "Microsoft.Network/privateEndpoints",
                "apiVersion": "2023-04-01",
                "name": "[variables('peName')]",
                "location": "westeurope",
                "properties": {
                    "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet')]"},
                    "privateLinkServiceConnections": [
                        {
                            "name": "ampls",
                            "properties": {
                                "privateLinkServiceId": "[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls')]",
                                "groupIds": ["azuremonitor"],
                            },
                        }
                    ],
                },
            },
            {
                # the parent written another way: the same value once deployed
                "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
                "apiVersion": "2023-04-01",
                "name": "[format('pe-{0}/default', uniqueString(resourceGroup().id))]",
                "properties": {
                    "privateDnsZoneConfigs": [
                        {
                            "name": str(i),
                            "properties": {
                                "privateDnsZoneId": f"[resourceId('Microsoft.Network/privateDnsZones', {name})]"
                            },
                        }
                        for i, name in enumerate(zone_names)
                    ]
                },
            },
        ],
    }


FOUR = [
    "'privatelink.monitor.azure.com'",
    "'privatelink.oms.opinsights.azure.com'",
    "'privatelink.ods.opinsights.azure.com'",
    "'privatelink.agentsvc.azure-automation.net'",
]


def _scan(tmp_path: Path, in_dir: Any, template: dict[str, Any], *formats: str) -> Any:
    (tmp_path / "main.json").write_text(json.dumps(template, indent=2))
    in_dir(tmp_path)
    return scan(["."], ScanOptions())


def test_a_zone_group_finds_its_endpoint_through_unique_string(tmp_path: Path, in_dir: Any) -> None:
    report = _scan(tmp_path, in_dir, _zone_group_template(FOUR))
    got = [(f.check_id, f.resource) for f in report.findings if f.check_id in ("CKV_AMPLS_5", "CKV_AMPLS_6")]
    assert got == [("CKV_AMPLS_6", "Microsoft.Network/privateEndpoints/pe-uniqueString(resourceGroup().id)")]


def test_a_zone_name_holding_a_symbol_is_unknown_not_a_missing_zone(tmp_path: Path, in_dir: Any) -> None:
    template = _zone_group_template([*FOUR, "concat('privatelink.', uniqueString('x'), '.example')"])
    template["resources"].append(
        {
            "type": "Microsoft.Network/privateDnsZones",
            "apiVersion": "2020-06-01",
            "name": "[concat('privatelink.', uniqueString('x'), '.example')]",
            "location": "global",
        }
    )
    report = _scan(tmp_path, in_dir, template)
    assert [f.check_id for f in report.findings if f.check_id in ("CKV_AMPLS_5", "CKV_AMPLS_6")] == []


def test_no_report_prints_a_symbol_raw(tmp_path: Path, in_dir: Any) -> None:
    from ampls_checks.cli import main

    (tmp_path / "main.json").write_text(json.dumps(_zone_group_template(FOUR), indent=2))
    in_dir(tmp_path)
    for output_format in ("text", "json", "sarif", "github", "junitxml", "markdown", "azure-devops"):
        out = tmp_path / f"out.{output_format}"
        assert main(["--no-cache", "--format", output_format, "-o", str(out), "."]) == 1
        text = out.read_text(encoding="utf-8")
        assert "uniqueString(resourceGroup().id)" in text, output_format
        assert not has_symbol(text), output_format
    graph = tmp_path / "graph.json"
    assert main(["graph", "--format", "json", "-o", str(graph), "."]) == 0
    assert not has_symbol(graph.read_text(encoding="utf-8"))


def test_a_zone_group_naming_its_endpoint_by_a_literal_is_unknown_beside_a_symbol_name(
    tmp_path: Path, in_dir: Any
) -> None:
    # 'pe-k3j4h5g6f7d8s' may be the uniqueString() the endpoint's name holds: whether the endpoint
    # has a zone group is unknown, so CKV_AMPLS_5 stays silent (it fired when the symbol was read
    # as a literal that differs)
    template = _zone_group_template(FOUR)
    template["resources"][2]["name"] = "pe-k3j4h5g6f7d8s/default"
    report = _scan(tmp_path, in_dir, template)
    assert [f.check_id for f in report.findings if f.check_id in ("CKV_AMPLS_5", "CKV_AMPLS_6")] == []


@pytest.mark.parametrize(
    "expression",
    [
        "length(uniqueString('a'))",
        "startsWith(uniqueString('a'), 'k')",
        "indexOf(concat('pe-', uniqueString('a')), 'x')",
        "contains(uniqueString('a'), 'k')",
        "split(uniqueString('a-b-c'), '-')",
        "empty(uniqueString('a'))",
    ],
)
def test_measuring_a_symbol_is_unknown(expression: str) -> None:
    # the symbol's own text is not the value: its length or first letter says nothing
    assert isinstance(arm_value(expression), Unknown)
    assert isinstance(bicep_value(expression), Unknown)


def test_cutting_a_symbol_gives_a_symbol_of_the_cut() -> None:
    cut = arm_value("substring(uniqueString('a'), 0, 5)")
    assert is_symbol(cut) and cut == arm_value("substring(uniqueString('a'), 0, 5)")
    assert cut != arm_value("substring(uniqueString('a'), 0, 6)")
    assert cut == bicep_value("substring(uniqueString('a'), 0, 5)")
    assert is_symbol(arm_value("take(uniqueString('a'), 5)"))


def test_terraform_measuring_a_symbol_is_unknown_and_cutting_gives_a_symbol() -> None:
    instance = module(
        'data "azurerm_client_config" "current" {}\n'
        "locals {\n"
        "  n   = length(data.azurerm_client_config.current.tenant_id)\n"
        '  p   = split("-", data.azurerm_client_config.current.tenant_id)\n'
        "  cut = substr(data.azurerm_client_config.current.tenant_id, 0, 8)\n"
        "  up  = upper(data.azurerm_client_config.current.tenant_id)\n"
        "}\n"
    )
    assert isinstance(instance.local("n"), Unknown)
    assert isinstance(instance.local("p"), Unknown)
    assert is_symbol(instance.local("cut"))
    assert has_symbol(instance.local("up"))
