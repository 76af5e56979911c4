"""Bicep evaluation of what modern modules use, shared with ARM JSON (template_functions):
lambdas (`map`, `filter`, `reduce`, `sort`, `toObject`, `groupBy`, `mapValues`), `items`,
`objectKeys`, `tryGet`, `shallowMerge`, the CIDR functions, and nullable parameters."""

from __future__ import annotations

from typing import Any

import pytest

from ampls_checks.model import DnsZoneVnetLink, PrivateDnsZone, Ref, Unknown
from ampls_checks.parsers.bicep.evaluate import Context, Instance, SourceFile
from ampls_checks.parsers.bicep.parse import parse_bicep_files
from ampls_checks.parsers.bicep.syntax import parse_bicep


def value_of(expression: str, declarations: str = "") -> Any:
    text = f"{declarations}\nvar probe = {expression}\n"
    source = SourceFile("/scan/main.bicep", "main.bicep", text.splitlines(), parse_bicep(text))
    return Instance(Context({source.real: source}, None, []), source, "main.bicep", {}).lookup("probe")


ZONES = "param zones array = ['oms', 'ods', 'monitor']\n"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("map(zones, z => 'privatelink.${z}')", ["privatelink.oms", "privatelink.ods", "privatelink.monitor"]),
        ("map(zones, (z, i) => '${i}:${z}')", ["0:oms", "1:ods", "2:monitor"]),
        ("filter(zones, z => startsWith(z, 'o'))", ["oms", "ods"]),
        ("reduce(zones, '', (acc, z) => '${acc}${z}')", "omsodsmonitor"),
        ("sort(zones, (a, b) => a < b)", ["monitor", "ods", "oms"]),
        ("toObject(zones, z => z, z => length(z))", {"oms": 3, "ods": 3, "monitor": 7}),
        ("groupBy(zones, z => substring(z, 0, 1))", {"o": ["oms", "ods"], "m": ["monitor"]}),
        ("mapValues({ a: 1, b: 2 }, v => v * 10)", {"a": 10, "b": 20}),
        ("items({ b: 1, a: 2 })", [{"key": "a", "value": 2}, {"key": "b", "value": 1}]),
        ("objectKeys({ b: 1, a: 2 })", ["b", "a"]),
        ("tryGet({ a: { b: 1 } }, 'a', 'b')", 1),
        ("tryGet({ a: 1 }, 'missing')", None),
        ("shallowMerge([{ a: { x: 1 } }, { a: { y: 2 }, b: 3 }])", {"a": {"y": 2}, "b": 3}),
        ("cidrSubnet('10.144.0.0/20', 24, 2)", "10.144.2.0/24"),
        ("cidrHost('10.144.3.0/24', 0)", "10.144.3.1"),
        ("parseCidr('10.0.0.0/30').lastUsable", "10.0.0.2"),
        ("map(range(0, 3), i => cidrSubnet('10.0.0.0/16', 24, i))", ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
    ],
)
def test_modern_functions(expression: str, expected: Any) -> None:
    assert value_of(expression, ZONES) == expected


def test_a_lambda_sees_the_variables_of_an_enclosing_loop() -> None:
    text = "[for p in ['a', 'b']: map(zones, z => '${p}-${z}')]"
    assert value_of(text, "param zones array = ['x']\n") == [["a-x"], ["b-x"]]


def test_what_a_lambda_cannot_decide_is_unknown() -> None:
    declarations = "param unknown string\nparam zones array = ['a']\n"
    assert isinstance(value_of("filter(zones, z => z == unknown)", declarations), Unknown)
    assert isinstance(value_of("toObject(zones, z => unknown)", declarations), Unknown)
    assert isinstance(value_of("cidrSubnet(unknown, 24, 0)", declarations), Unknown)


def test_lambdas_are_bounded_by_the_step_budget() -> None:
    text = "map(range(0, 5000), i => map(range(0, 5000), j => j))"
    value = value_of(text)
    assert isinstance(value, Unknown)
    assert value.reason == "evaluation step limit reached (see --max-eval-steps)"


def test_a_spent_size_budget_is_named_as_such_not_as_the_step_limit() -> None:
    # 5,000 strings of 900 characters: few steps, 4.5 million cells
    value = value_of("map(range(0, 5000), i => padLeft('', 900, 'x'))")
    assert isinstance(value, Unknown)
    assert value.reason == "evaluation size limit reached (values built past 4,000,000 characters and items)"


def test_nullable_parameters_without_a_value_are_null() -> None:
    declarations = (
        "type modes = {\n  ingestionAccessMode: string\n}?\n"
        "type alias = modes\n"
        "param direct object?\n"
        "param declared alias\n"
        "param required object\n"
    )
    assert value_of("direct", declarations) is None
    assert value_of("declared", declarations) is None
    assert isinstance(value_of("required", declarations), Unknown)
    assert value_of("direct.?ingestionAccessMode ?? 'Open'", declarations) == "Open"


MAIN = """
resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.monitor.azure.com'
  location: 'global'
}

module link 'link.bicep' = {
  name: 'link'
  SCOPE
  params: {
    zoneName: zone.name
  }
}
"""

LINK = """
param zoneName string

resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = {
  name: zoneName
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: 'hub'
  location: 'global'
  properties: {
    virtualNetwork: {
      id: resourceId('Microsoft.Network/virtualNetworks', 'hub')
    }
  }
}
"""


@pytest.mark.parametrize(("scope", "merged"), [("", True), ("scope: resourceGroup('rg-other')", False)])
def test_a_module_existing_view_of_a_zone_the_deployment_declares_is_that_zone(scope: str, merged: bool) -> None:
    files = [("/scan/main.bicep", "main.bicep", MAIN.replace("SCOPE", scope)), ("/scan/link.bicep", "link.bicep", LINK)]
    result = parse_bicep_files(files)
    assert result.errors == []
    (deployed,) = [z for z in result.entities if isinstance(z, PrivateDnsZone) and not z.external]
    (link,) = [e for e in result.entities if isinstance(e, DnsZoneVnetLink)]
    assert isinstance(link.zone, Ref)
    assert (link.zone.key == deployed.key) is merged


def test_an_existing_resource_not_analysed_counts_only_when_it_would_be_an_entity() -> None:
    text = """
param flag bool

resource pe 'Microsoft.Network/privateEndpoints@2023-04-01' existing = if (flag) {
  name: 'pe'
}

resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = if (flag) {
  name: 'privatelink.monitor.azure.com'
}
"""
    result = parse_bicep_files([("/scan/main.bicep", "main.bicep", text)])
    assert [getattr(e, "kind", None) for e in result.entities] == ["PrivateDnsZone"]
