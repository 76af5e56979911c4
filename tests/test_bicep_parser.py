"""The Bicep parser: its syntax tree, the evaluator, modules and the entities they yield."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ampls_checks.azure import Cloud
from ampls_checks.model import (
    DnsZoneVnetLink,
    Entity,
    MonitorResource,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Subnet,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
)
from ampls_checks.parsers.bicep.evaluate import Context, Instance, SourceFile
from ampls_checks.parsers.bicep.parse import parse_bicep_files
from ampls_checks.parsers.bicep.syntax import (
    MAX_CHAIN,
    MAX_DEPTH,
    MAX_ERRORS,
    ArrayExpr,
    Attr,
    Binary,
    Call,
    Cond,
    ForExpr,
    IfExpr,
    Index,
    Lambda,
    Lit,
    Name,
    NonNull,
    ObjectExpr,
    Spread,
    Str,
    TypeExpr,
    parse_bicep,
    parse_expression,
)

from .conftest import FIXTURES

SCOPE = """
resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls-hub'
  location: 'global'
  properties: {
    accessModeSettings: {
      ingestionAccessMode: 'PrivateOnly'
      queryAccessMode: 'PrivateOnly'
    }
  }
}
"""


def parse(tmp_path: Path, files: dict[str, str], cloud: Cloud | None = None) -> ParseResult:
    given = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        given.append((str(path), name, text))
    return parse_bicep_files(given, cloud=cloud)


def by_address(result: ParseResult) -> dict[str, Entity]:
    return {e.address: e for e in result.entities}


def value_of(expression: str, declarations: str = "", cloud: Cloud | None = None) -> Any:
    """The value of `var probe = <expression>` in a file holding `declarations`."""
    text = f"{declarations}\nvar probe = {expression}\n"
    source = SourceFile("/scan/main.bicep", "main.bicep", text.splitlines(), parse_bicep(text))
    context = Context({source.real: source}, cloud, [])
    return Instance(context, source, "main.bicep", {}).lookup("probe")


# -- syntax ------------------------------------------------------------------------------------


def test_operators_follow_bicep_precedence_not_pycep_right_nesting() -> None:
    expr = parse_expression("x.y == 'a' ? 1 : 2", 7)
    assert expr == Cond(
        Binary("==", Attr(Name("x", 7), "y", 7), Lit("a", 7), 7),
        Lit(1, 7),
        Lit(2, 7),
        7,
    )


def test_parentheses_group_even_though_lark_drops_them() -> None:
    assert parse_expression("a * (b + c)", 1) == Binary(
        "*", Name("a", 1), Binary("+", Name("b", 1), Name("c", 1), 1), 1
    )
    assert parse_expression("a * (b) + c", 1) == Binary(
        "+", Binary("*", Name("a", 1), Name("b", 1), 1), Name("c", 1), 1
    )


def test_accessor_chains_read_left_to_right() -> None:
    assert parse_expression("vnet.properties.subnets[0].id", 3) == Attr(
        Index(Attr(Attr(Name("vnet", 3), "properties", 3), "subnets", 3), Lit(0, 3), 3), "id", 3
    )


def test_interpolation_is_split_and_escapes_applied() -> None:
    expr = parse_expression("'it\\'s ${name}-${concat('a}', 'b')}'", 4)
    assert isinstance(expr, Str)
    assert expr.parts[0] == "it's "
    assert expr.parts[1] == Name("name", 4)
    assert expr.parts[2] == "-"


def test_two_nested_resources_in_one_body_are_both_kept() -> None:
    parsed = parse_bicep(
        "resource v 'Microsoft.Network/virtualNetworks@2023-04-01' = {\n"
        "  name: 'v'\n"
        "  resource a 'subnets' = {\n"
        "    name: 'a'\n"
        "  }\n"
        "  resource b 'subnets' = {\n"
        "    name: 'b'\n"
        "  }\n"
        "}\n"
    )
    children = parsed.resources[0].children
    assert [(c.symbol, c.line, c.end_line) for c in children] == [("a", 3, 5), ("b", 6, 8)]


# -- parse errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "func double(x int) int => x * 2\n",  # user-defined functions
        "param names string[]\n",  # typed arrays
        "param mode 'Open' | 'PrivateOnly' = 'Open'\n",  # literal union types
        "import * as types from 'types.bicep'\n",
        "var a = {}\nvar b = {\n  ...a\n}\n",  # spread
        "var a = 1\nparam b string?\n",  # nullable types
        "param first object\nvar b = first.id\n",  # a symbol named like a function
        "var a = map([1], x => x)\n",  # lambdas other than filter()
        "var a = concat(\n  [1],\n  [2]\n)\n",  # arguments on several lines
        "var a = [for x in [1]: [for y in [2]: y]]\n",  # a for-expression inside another's body
    ],
)
def test_syntax_pycep_could_not_read_is_read_now(tmp_path: Path, text: str) -> None:
    assert parse(tmp_path, {"new.bicep": text}).errors == []


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("param\n", 1, "expected a name, found a line break"),
        ("var a = 1 +\n", 1, "expected a value, found the end of the file"),
        ("var a = [\n  1\n  2 3\n]\n", 3, "expected a line break, ',' or ']', found the number 3"),
        ("resource x 'T@1' = {\n  name: 'a'\n", 2, "expected a property name, found the end of the file"),
        ("var a = 'x\nvar b = 1\n", 1, "unterminated string"),
        ("var a = 1 $ 2\n", 1, "unexpected character '$'"),
        ("import {a} 'x'\n", 1, "expected 'from', found a string"),
    ],
)
def test_a_declaration_that_cannot_be_read_is_an_error_naming_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    result = parse(tmp_path, {"new.bicep": text})
    assert [(e.file, e.line, e.message) for e in result.errors] == [("new.bicep", line, message)]


def test_after_a_declaration_in_error_the_rest_of_the_file_is_analysed(tmp_path: Path) -> None:
    text = "import {a} 'types.bicep'\nvar broken = [\n  1 2\n]\n" + SCOPE
    result = parse(tmp_path, {"main.bicep": text})
    assert [(e.line, e.message) for e in result.errors] == [
        (1, "expected 'from', found a string"),
        (3, "expected a line break, ',' or ']', found the number 2"),
    ]
    assert [e.address for e in result.entities] == ["scope"]


def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    result = parse(tmp_path, {"bad.bicep": "resource x = {\n", "good.bicep": SCOPE})
    assert [e.file for e in result.errors] == ["bad.bicep"]
    assert [e.address for e in result.entities] == ["scope"]


def test_unbalanced_multi_line_string_is_an_error(tmp_path: Path) -> None:
    result = parse(tmp_path, {"main.bicep": "var a = '''\nx\n"})
    assert [(e.file, e.line, e.message) for e in result.errors] == [
        ("main.bicep", 1, "unterminated ''' multi-line string")
    ]


def test_a_broken_interpolation_is_an_error_with_its_line(tmp_path: Path) -> None:
    result = parse(tmp_path, {"main.bicep": "var a = 1\nvar b = 'x${a +}'\n"})
    assert [(e.file, e.line) for e in result.errors] == [("main.bicep", 2)]


# -- references --------------------------------------------------------------------------------


def test_symbolic_id_is_a_ref_to_the_entity_key(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": SCOPE
            + """
resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-${scope.name}'
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'c'
        properties: {
          privateLinkServiceId: scope.id
          groupIds: [
            'azuremonitor'
          ]
        }
      }
    ]
  }
}
"""
        },
    )
    endpoint = by_address(result)["endpoint"]
    assert isinstance(endpoint, PrivateEndpoint)
    assert endpoint.name == "pe-ampls-hub"
    assert isinstance(endpoint.connections, list)
    target = endpoint.connections[0].target
    assert isinstance(target, Ref)
    assert target.key == "bicep:main.bicep:scope"
    assert endpoint.connections[0].group_ids_line == 21


def test_subnet_of_a_vnet_body_is_referenced_by_its_entity_key(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' = {
  name: 'vnet-hub'
  properties: {
    subnets: [
      {
        name: 'snet-pe'
      }
    ]
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe'
  properties: {
    subnet: {
      id: vnet.properties.subnets[0].id
    }
  }
}
"""
        },
    )
    entities = by_address(result)
    subnet = entities["vnet.subnets[0]"]
    endpoint = entities["endpoint"]
    assert isinstance(subnet, Subnet) and isinstance(endpoint, PrivateEndpoint)
    assert isinstance(endpoint.subnet, Ref)
    assert endpoint.subnet.key == subnet.key == "bicep:main.bicep:vnet/subnets/snet-pe"


def test_id_with_a_child_path_in_a_string_is_a_name_reference(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' = {
  name: 'vnet-hub'
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe'
  properties: {
    subnet: {
      id: '${vnet.id}/subnets/snet-pe'
    }
  }
}
"""
        },
    )
    endpoint = by_address(result)["endpoint"]
    assert isinstance(endpoint, PrivateEndpoint)
    assert endpoint.subnet == Ref(name="vnet-hub/snet-pe", arm_type="microsoft.network/virtualnetworks/subnets")


def test_parent_property_builds_full_type_name_and_parent_ref(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource zone 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: 'privatelink.monitor.azure.com'
}

resource link 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: zone
  name: 'hub'
  properties: {
    virtualNetwork: {
      id: resourceId('rg-net', 'Microsoft.Network/virtualNetworks', 'vnet-hub')
    }
  }
}
"""
        },
    )
    link = by_address(result)["link"]
    assert isinstance(link, DnsZoneVnetLink)
    assert link.name == "hub"
    assert isinstance(link.zone, Ref) and link.zone.key == "bicep:main.bicep:zone"
    assert link.zone.name == "privatelink.monitor.azure.com"
    assert link.virtual_network == Ref(
        name="vnet-hub", arm_type="microsoft.network/virtualnetworks", resource_group="rg-net"
    )


def test_nested_resource_gets_parent_type_and_double_colon_address(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls'
  resource linkA 'scopedResources' = {
    name: 'law-a'
    properties: {
      linkedResourceId: resourceId('Microsoft.OperationalInsights/workspaces', 'law-a')
    }
  }
  resource linkB 'scopedResources' = {
    name: 'law-b'
    properties: {
      linkedResourceId: linkA.properties.linkedResourceId
    }
  }
}
"""
        },
    )
    links = [e for e in result.entities if isinstance(e, ScopedLink)]
    assert [(s.address, s.key, s.location.start_line, s.location.end_line) for s in links] == [
        ("scope::linkA", "bicep:main.bicep:scope::linkA", 4, 9),
        ("scope::linkB", "bicep:main.bicep:scope::linkB", 10, 15),
    ]
    for link in links:
        assert isinstance(link.scope, Ref) and link.scope.key == "bicep:main.bicep:scope"
        assert link.linked_resource == Ref(name="law-a", arm_type="microsoft.operationalinsights/workspaces")


def test_existing_zone_is_external_and_other_existing_resources_are_name_references(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource hubZone 'Microsoft.Network/privateDnsZones@2020-06-01' existing = {
  name: 'privatelink.monitor.azure.com'
  scope: resourceGroup('rg-hub')
}

resource hubScope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' existing = {
  name: 'ampls-hub'
  scope: resourceGroup('rg-hub')
}

resource link 'Microsoft.Insights/privateLinkScopes/scopedResources@2021-07-01-preview' = {
  parent: hubScope
  name: 'law'
  properties: {
    linkedResourceId: hubScope.properties.anything
  }
}
"""
        },
    )
    entities = by_address(result)
    assert set(entities) == {"hubZone", "link"}
    zone = entities["hubZone"]
    assert isinstance(zone, PrivateDnsZone) and zone.external and zone.resource_group == "rg-hub"
    link = entities["link"]
    assert isinstance(link, ScopedLink)
    assert link.scope == Ref(name="ampls-hub", arm_type="microsoft.insights/privatelinkscopes", resource_group="rg-hub")
    assert isinstance(link.linked_resource, Unknown)  # properties of an existing resource


def test_lower_case_resource_types_are_read(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {"main.bicep": SCOPE.replace("Microsoft.Insights/privateLinkScopes", "microsoft.insights/privatelinkscopes")},
    )
    assert [type(e) for e in result.entities] == [PrivateLinkScope]


# -- lines and suppressions ---------------------------------------------------------------------


def test_written_access_mode_points_at_its_line_and_omitted_one_at_nothing(tmp_path: Path) -> None:
    text = SCOPE.replace("      queryAccessMode: 'PrivateOnly'\n", "")
    scope = parse(tmp_path, {"main.bicep": text}).entities[0]
    assert isinstance(scope, PrivateLinkScope)
    assert scope.attr_lines["ingestion_access_mode"] == 7
    assert "query_access_mode" not in scope.attr_lines
    assert scope.query_access_mode == "Open"  # the documented default
    assert (scope.location.start_line, scope.location.end_line) == (2, 10)


def test_a_value_from_a_variable_points_at_the_property_that_uses_it(tmp_path: Path) -> None:
    text = "var settings = {\n  ingestionAccessMode: 'Open'\n}\n" + SCOPE.replace(
        "    accessModeSettings: {\n      ingestionAccessMode: 'PrivateOnly'\n      queryAccessMode: 'PrivateOnly'\n"
        "    }\n",
        "    accessModeSettings: settings\n",
    )
    scope = parse(tmp_path, {"main.bicep": text}).entities[0]
    assert isinstance(scope, PrivateLinkScope)
    assert scope.ingestion_access_mode == "Open"
    assert scope.attr_lines["ingestion_access_mode"] == 9
    assert "query_access_mode" not in scope.attr_lines


def test_skip_comment_of_a_nested_resource_stays_with_it(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: 'ampls' // checkov:skip=CKV_AMPLS_13:endpoint in another repository
  resource link 'scopedResources' = {
    // checkov:skip=CKV_AMPLS_10:reason
    name: 'law'
  }
}
"""
        },
    )
    entities = by_address(result)
    assert [s.check_id for s in entities["scope"].suppressions] == ["CKV_AMPLS_13"]
    assert [(s.check_id, s.line) for s in entities["scope::link"].suppressions] == [("CKV_AMPLS_10", 5)]


# -- loops ---------------------------------------------------------------------------------------


def test_resource_loop_with_index_and_filter_yields_indexed_entities(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
param names array = [
  'privatelink.monitor.azure.com'
  'privatelink.blob.core.windows.net'
  'privatelink.oms.opinsights.azure.com'
]
resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for (name, i) in names: if (!contains(name, 'blob')) {
  name: name
}]
"""
        },
    )
    assert [(e.address, e.key, e.name) for e in result.entities] == [
        ("zones[0]", "bicep:main.bicep:zones[0]", "privatelink.monitor.azure.com"),
        ("zones[2]", "bicep:main.bicep:zones[2]", "privatelink.oms.opinsights.azure.com"),
    ]


def test_loop_over_an_unknown_array_is_not_analysed_and_says_why(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": "param names array\n"
            "resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for n in names: {\n"
            "  name: n\n}]\n"
        },
    )
    # declared, instances unknown: an UnresolvedResource quiets the checks that look for a zone
    assert [(type(e).__name__, getattr(e, "kind", None)) for e in result.entities] == [
        ("UnresolvedResource", "PrivateDnsZone")
    ]
    assert [(n.file, n.line) for n in result.notes] == [("main.bicep", 2)]
    assert "zones: not analysed" in result.notes[0].message


def test_loops_over_801_iterations_are_unknown() -> None:
    assert value_of("[for i in range(0, 800): i]")[-1] == 799
    assert isinstance(value_of("[for i in range(0, 801): i]"), Unknown)


def test_property_loops_objects_and_items() -> None:
    assert value_of("[for (x, i) in ['a', 'b']: '${i}-${x}']") == ["0-a", "1-b"]
    assert value_of("[for e in items({ b: 2, a: 1 }): e.key]") == ["a", "b"]


def test_deploy_condition_false_hides_the_resource_and_unknown_says_why(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": "param deploy bool = false\nparam maybe bool\n"
            "resource a 'Microsoft.Network/privateDnsZones@2020-06-01' = if (deploy) {\n  name: 'a'\n}\n"
            "resource b 'Microsoft.Network/privateDnsZones@2020-06-01' = if (maybe) {\n  name: 'b'\n}\n"
        },
    )
    # `a` is not deployed; `b` may be: it stays as an unresolved zone, `a` leaves nothing
    assert [(type(e).__name__, e.address) for e in result.entities] == [("UnresolvedResource", "b")]
    assert [(n.line, n.message.split(":")[0]) for n in result.notes] == [(6, "b")]


# -- functions and unknowns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("take('privatelink', 7)", "private"),
        ("replace('a.b.c', '.', '-')", "a-b-c"),
        ("format('{0}-{1}', 'ampls', 3)", "ampls-3"),
        ("concat('a', 'b', 'c')", "abc"),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ("length([1, 2, 3])", 3),
        ("toLower('AMPLS-Hub')", "ampls-hub"),
        ("union({ a: 1, n: { x: 1 } }, { b: 2, n: { y: 2 } })", {"a": 1, "b": 2, "n": {"x": 1, "y": 2}}),
        ("union(['a', 'b'], ['b', 'c'])", ["a", "b", "c"]),
        ("split('a/b/c', '/')[1]", "b"),
        ("last(split('a/b/c', '/'))", "c"),
        ("empty([]) ? 'none' : 'some'", "none"),
        ("null ?? 'fallback'", "fallback"),
        ("7 / 2 + 10 % 4 * 2", 7),
        ("'A' =~ 'a' && !('a' == 'A')", True),
        ("filter([1, 2, 3, 4], n => n % 2 == 0)", [2, 4]),
        ("padLeft(7, 3, '0')", "007"),
        ("contains({ Ingestion: 'Open' }, 'ingestion')", True),
        ("contains('OneTwo', 'one')", False),
    ],
)
def test_functions_and_operators(expression: str, expected: Any) -> None:
    assert value_of(expression) == expected


def test_resource_id_is_a_name_reference_with_type_and_group() -> None:
    assert value_of(
        "resourceId('rg-dns', 'Microsoft.Network/privateDnsZones', 'privatelink.monitor.azure.com')"
    ) == Ref(
        name="privatelink.monitor.azure.com", arm_type="microsoft.network/privatednszones", resource_group="rg-dns"
    )
    assert value_of("resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'snet')") == Ref(
        name="vnet/snet", arm_type="microsoft.network/virtualnetworks/subnets"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "uniqueString(deployment().name)",
        "resourceGroup().location",
        "subscription().displayName",
        "utcNow()",
        "missing",
        "'${undefinedParam}-x'",
    ],
)
def test_values_only_azure_knows_are_unknown(expression: str) -> None:
    assert isinstance(value_of(expression, "param undefinedParam string"), Unknown)


def test_environment_is_unknown_unless_the_scan_names_the_cloud() -> None:
    expression = "'privatelink.blob.${environment().suffixes.storage}'"
    unknown = value_of(expression)
    assert isinstance(unknown, Unknown) and "cloud" in unknown.reason
    assert value_of(expression, cloud=Cloud.PUBLIC) == "privatelink.blob.core.windows.net"
    assert value_of(expression, cloud=Cloud.USGOVERNMENT) == "privatelink.blob.core.usgovcloudapi.net"
    assert value_of(expression, cloud=Cloud.CHINA) == "privatelink.blob.core.chinacloudapi.cn"


def test_endless_self_reference_is_unknown_not_a_hang() -> None:
    assert isinstance(value_of("other", "var other = probe"), Unknown)


def test_exponential_growth_stops_at_the_size_bounds() -> None:
    arrays = "var a0 = [1, 2]\n" + "".join(
        f"var a{i} = concat(a{i - 1}, a{i - 1}, a{i - 1}, a{i - 1})\n" for i in range(1, 40)
    )
    assert value_of("length(a6)", arrays) == 8192
    assert isinstance(value_of("length(a39)", arrays), Unknown)
    strings = "var s0 = 'ab'\n" + "".join(f"var s{i} = '${{s{i - 1}}}${{s{i - 1}}}'\n" for i in range(1, 60))
    assert isinstance(value_of("length(s59)", strings), Unknown)


def test_nested_loops_stop_at_the_step_budget() -> None:
    # pycep reads a for-expression only as a declaration's or a property's value
    nested = "[for a in range(0, 800): {\n  b: [for b in range(0, 800): {\n    c: [for c in range(0, 800): c]\n  }]\n}]"
    unknown = value_of(nested)
    assert isinstance(unknown, Unknown) and "step limit" in unknown.reason


# -- modules -------------------------------------------------------------------------------------

MODULE = """
param name string
param ingestion string = 'PrivateOnly'

resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {
  name: name
  properties: {
    accessModeSettings: {
      ingestionAccessMode: ingestion
      queryAccessMode: 'PrivateOnly'
    }
  }
}

output id string = scope.id
"""


def test_module_receives_parameters_and_reports_at_its_own_lines(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
module ampls './modules/ampls.bicep' = {
  name: 'ampls'
  params: {
    name: 'ampls-hub'
    ingestion: 'Open'
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe'
  properties: {
    privateLinkServiceConnections: [
      {
        name: 'c'
        properties: {
          privateLinkServiceId: ampls.outputs.id
        }
      }
    ]
  }
}
""",
            "modules/ampls.bicep": MODULE,
        },
    )
    entities = by_address(result)
    assert set(entities) == {"module.ampls.scope", "endpoint"}
    scope = entities["module.ampls.scope"]
    assert isinstance(scope, PrivateLinkScope)
    assert (scope.name, scope.ingestion_access_mode, scope.unit) == ("ampls-hub", "Open", "main.bicep")
    assert (scope.location.file, scope.attr_lines["ingestion_access_mode"]) == ("modules/ampls.bicep", 9)
    assert scope.key == "bicep:modules/ampls.bicep:main.bicep>module.ampls.scope"
    endpoint = entities["endpoint"]
    assert isinstance(endpoint, PrivateEndpoint) and isinstance(endpoint.connections, list)
    assert endpoint.connections[0].target == Ref(
        key=scope.key, name="ampls-hub", arm_type="microsoft.insights/privatelinkscopes"
    )


def test_a_module_used_by_two_entry_files_gives_distinct_keys(tmp_path: Path) -> None:
    call = "module ampls './modules/ampls.bicep' = {\n  name: 'x'\n  params: {\n    name: '%s'\n  }\n}\n"
    result = parse(
        tmp_path,
        {"dev.bicep": call % "ampls-dev", "prod.bicep": call % "ampls-prod", "modules/ampls.bicep": MODULE},
    )
    assert sorted((e.key, e.unit, e.name) for e in result.entities) == [
        ("bicep:modules/ampls.bicep:dev.bicep>module.ampls.scope", "dev.bicep", "ampls-dev"),
        ("bicep:modules/ampls.bicep:prod.bicep>module.ampls.scope", "prod.bicep", "ampls-prod"),
    ]


def test_module_loop_instances_are_indexed(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": "module scopes './modules/ampls.bicep' = [for env in ['dev', 'prod']: {\n"
            "  name: env\n  params: {\n    name: 'ampls-${env}'\n  }\n}]\n",
            "modules/ampls.bicep": MODULE,
        },
    )
    assert [(e.address, e.name) for e in result.entities] == [
        ("module.scopes[0].scope", "ampls-dev"),
        ("module.scopes[1].scope", "ampls-prod"),
    ]


def test_a_module_file_that_was_not_scanned_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "outside.bicep").write_text(MODULE)
    result = parse(tmp_path, {"main.bicep": "module m './outside.bicep' = {\n  name: 'm'\n}\n"})
    # the module may deploy anything: it stands in the unit as a resource of unknown kind
    assert [(type(e).__name__, e.address, getattr(e, "kind", "")) for e in result.entities] == [
        ("UnresolvedResource", "module.m", "*")
    ]
    assert result.errors == []
    assert [(n.file, n.line) for n in result.notes] == [("main.bicep", 1)]
    assert "not among the scanned Bicep files" in result.notes[0].message


def test_registry_modules_are_noted_not_fetched(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {"main.bicep": "module m 'br/public:avm/res/insights/private-link-scope:0.4.0' = {\n  name: 'm'\n}\n"},
    )
    assert [(type(e).__name__, e.address) for e in result.entities] == [("UnresolvedResource", "module.m")]
    assert "module not followed" in result.notes[0].message and "registry" in result.notes[0].message


def test_modules_calling_each_other_do_not_loop(tmp_path: Path) -> None:
    a = "module b './b.bicep' = {\n  name: 'b'\n}\n" + SCOPE
    b = "module a './a.bicep' = {\n  name: 'a'\n}\n"
    result = parse(tmp_path, {"a.bicep": a, "b.bicep": b})
    assert result.errors == []
    assert sorted(e.address for e in result.entities if not isinstance(e, UnresolvedResource)) == [
        "module.a.scope",
        "scope",
    ]


def test_existing_vnet_and_nested_subnet_are_external(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = {
  name: 'vnet-spoke'
  resource snet 'subnets' existing = {
    name: 'snet-pe'
  }
}
"""
        },
    )
    entities = by_address(result)
    vnet, subnet = entities["vnet"], entities["vnet::snet"]
    assert isinstance(vnet, VirtualNetwork) and vnet.external
    assert isinstance(subnet, Subnet) and subnet.name == "snet-pe"
    assert isinstance(subnet.virtual_network, Ref) and subnet.virtual_network.key == vnet.key


def test_monitor_public_flags_follow_the_written_values(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": """
param closed bool = true
resource law 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'law'
  properties: {
    publicNetworkAccessForIngestion: closed ? 'Disabled' : 'Enabled'
  }
}
"""
        },
    )
    law = result.entities[0]
    assert isinstance(law, MonitorResource)
    assert (law.public_ingestion, law.public_query) == (False, True)
    assert law.attr_lines["properties.publicNetworkAccessForIngestion"] == 6
    assert "properties.publicNetworkAccessForQuery" not in law.attr_lines


def test_the_step_budget_can_be_set_per_scan(tmp_path: Path) -> None:
    text = "var names = [for i in range(0, 50): 'zone${i}']\n" + (
        "resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for n in names: {\n  name: n\n}]\n"
    )
    assert len(parse(tmp_path, {"main.bicep": text}).entities) == 50
    small = parse_bicep_files([(str(tmp_path / "main.bicep"), "main.bicep", text)], max_steps=20)
    assert all(type(e).__name__ == "UnresolvedResource" for e in small.entities)
    assert "step limit" in small.notes[0].message


def test_notes_about_modules_point_at_the_module_declaration(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": SCOPE
            + "param deploy bool\n"
            + "module later './modules/ampls.bicep' = if (deploy) {\n  name: 'later'\n}\n"
            + "module missing './modules/other.bicep' = {\n  name: 'missing'\n}\n",
            "modules/ampls.bicep": MODULE,
        },
    )
    assert [(n.line, n.message.split(":")[0]) for n in result.notes] == [
        (13, "module.later"),
        (16, "module.missing"),
    ]


def test_a_parent_chain_that_loops_is_unknown_not_a_crash(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": "resource a 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {\n"
            "  parent: b\n  name: 'a'\n}\n"
            "resource b 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {\n"
            "  parent: a\n  name: 'b'\n}\n"
        },
    )
    assert result.errors == []
    assert [(e.address, e.name) for e in result.entities] == [
        ("a", Unknown("the parent chain loops")),
        ("b", Unknown("the parent chain loops")),
    ]


def test_invalid_unicode_escape_is_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    result = parse(tmp_path, {"main.bicep": "var a = 1\nvar b = 'caf\\u{ZZ}'\n"})
    assert [(e.line, e.message) for e in result.errors] == [(2, "invalid escape \\u{ZZ} in a string")]


def test_integers_are_64_bit() -> None:
    assert value_of("9223372036854775807 + 0") == 2**63 - 1
    assert isinstance(value_of("9223372036854775807 + 1"), Unknown)


def test_objects_that_are_not_values_become_unknown_in_bodies(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": "module m './modules/ampls.bicep' = {\n  name: 'm'\n  params: {\n    name: 'a'\n  }\n}\n"
            "resource law 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {\n  name: 'law'\n"
            "  properties: {\n    publicNetworkAccessForIngestion: m.outputs\n"
            "    publicNetworkAccessForQuery: resourceGroup()\n  }\n}\n",
            "modules/ampls.bicep": MODULE,
        },
    )
    law = by_address(result)["law"]
    assert isinstance(law, MonitorResource)
    assert isinstance(law.public_ingestion, Unknown) and isinstance(law.public_query, Unknown)


# -- .bicepparam files -------------------------------------------------------------------------

PARAM_SCOPE = SCOPE.replace("ingestionAccessMode: 'PrivateOnly'", "ingestionAccessMode: mode").replace(
    "resource scope", "param mode string = 'PrivateOnly'\nresource scope"
)


def test_bicepparam_values_feed_the_template_they_name(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": PARAM_SCOPE,
            "main.bicepparam": "using './main.bicep'\nvar open = 'Open'\nparam mode = open\n",
        },
    )
    assert result.errors == []
    [scope] = result.entities
    assert isinstance(scope, PrivateLinkScope)
    assert (scope.key, scope.ingestion_access_mode) == ("bicep:main.bicep:scope", "Open")


def test_each_of_several_bicepparam_files_is_a_deployment_of_its_own(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "main.bicep": PARAM_SCOPE,
            "dev.bicepparam": "using 'main.bicep'\nparam mode = 'Open'\n",
            "prod.bicepparam": "using 'main.bicep'\n",
        },
    )
    got = sorted((e.key, e.unit, e.ingestion_access_mode) for e in result.entities)  # type: ignore[attr-defined]
    assert got == [
        ("bicep:main.bicep:dev.bicepparam>scope", "dev.bicepparam", "Open"),
        ("bicep:main.bicep:prod.bicepparam>scope", "prod.bicepparam", "PrivateOnly"),
    ]


def test_a_bicepparam_file_whose_template_is_not_scanned_is_noted(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "a.bicepparam": "using './absent.bicep'\nparam mode = 'Open'\n",
            "b.bicepparam": "using 'br/public:avm/res/x:1.0.0'\n",
        },
    )
    assert result.errors == [] and result.entities == []
    assert [(n.file, n.message) for n in result.notes] == [
        ("a.bicepparam", "its template ./absent.bicep is not among the scanned Bicep files"),
        ("b.bicepparam", "its template comes from a registry (br/public:avm/res/x:1.0.0); it is not scanned"),
    ]


# -- the current Bicep language (tests/fixtures/bicep/syntax) ----------------------------------

SYNTAX = FIXTURES / "bicep" / "syntax"


def _syntax(name: str) -> Any:
    return parse_bicep((SYNTAX / name).read_text())


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "bicep" / "syntax").iterdir()))
def test_every_syntax_fixture_is_read_without_errors(name: str) -> None:
    assert _syntax(name).errors == []


def test_types_are_read_with_nullable_arrays_unions_and_generics() -> None:
    parsed = _syntax("nullable_and_typed.bicep")
    assert parsed.params["names"].type == TypeExpr("array", None, 2, (TypeExpr("name", "string", 2),))
    assert parsed.params["maybe"].type == TypeExpr("nullable", None, 3, (TypeExpr("name", "string", 3),))
    assert parsed.params["maybe"].default is None
    mode = parsed.params["mode"]
    assert mode.type is not None and mode.type.kind == "union"
    assert [t.value for t in mode.type.items] == ["Open", "PrivateOnly"]
    assert mode.default == Lit("PrivateOnly", 4)
    create = parsed.params["createMode"].type
    assert create is not None and [t.value for t in create.items] == ["Default", "Copy"]
    settings = parsed.params["settings"].type
    assert settings is not None and settings.kind == "nullable"
    member = settings.items[0]
    assert (member.kind, member.value) == ("member", "properties")
    assert (member.items[0].kind, member.items[0].value) == ("generic", "resourceInput")
    assert parsed.variables["label"] == Binary("??", Name("maybe", 12), Lit("none", 12), 12)
    assert set(parsed.outputs) == {"scopeOut", "items"}


def test_type_declarations_imports_extensions_and_metadata() -> None:
    parsed = _syntax("types_and_imports.bicep")
    assert [(i.path, i.names, i.wildcard) for i in parsed.imports] == [
        ("types.bicep", (("zoneType", "zoneType"), ("linkType", "link")), None),
        ("./shared.bicep", (), "shared"),
        ("more.bicep", (("a", "a"), ("b", "c")), None),
    ]
    assert parsed.metadata["description"] == Lit("A module with\nseveral lines of description.\n", 10)
    scope_type = parsed.types["scopeType"]
    assert [Call("export", (), 16), Call("description", (Lit("Settings of one private link scope.", 17),), 17)] == list(
        scope_type.decorators
    )
    props = {p.name: p for p in scope_type.type.props}
    assert list(props) == ["mode", "exclusions", "quoted-key", "tuple"]
    assert props["mode"].decorators[0] == Call("description", (Lit("The access mode.", 19),), 19)
    assert props["quoted-key"].optional and not props["mode"].optional
    exclusions = props["exclusions"].type
    assert exclusions.kind == "nullable" and exclusions.items[0].kind == "array"
    assert [p.name for p in exclusions.items[0].items[0].props] == ["privateEndpointConnection", "*"]
    assert props["tuple"].type.kind == "tuple"
    assert parsed.types["unionType"].type.kind == "union"
    assert parsed.types["element"].type.kind == "index"
    assert parsed.params["scopeSettings"].type == TypeExpr("name", "scopeType", 50)


def test_functions_lambdas_spread_safe_access_and_assertions() -> None:
    parsed = _syntax("functions_and_lambdas.bicep")
    func = parsed.functions["prefixed"]
    assert [(n, t.value) for n, t in func.params] == [("name", "string"), ("prefix", "string")]
    assert isinstance(func.body, Str)
    v = parsed.variables
    assert v["mapped"] == Call(
        "map", (Name("zones", 10), Lambda(("zone",), Call("toLower", (Name("zone", 10),), 10), 10)), 10
    )
    assert v["filtered"].args[1].params == ("zone", "i")
    assert v["total"].args[2].params == ("acc", "next")
    assert isinstance(v["merged"], ObjectExpr) and [p.key for p in v["merged"].pairs] == ["extra"]
    assert v["merged"].spreads == ((0, Spread(Name("settings", 17), 17)),)
    assert v["joined"].items[0] == Spread(Name("zones", 21), 21)
    assert v["optional"].left == Attr(Name("settings", 24), "mode", 24, safe=True)
    assert v["optionalIndex"].left == Index(Name("zones", 25), Lit(5, 25), 25, safe=True)
    assert v["asserted"] == NonNull(Attr(Name("settings", 26), "mode", 26), 26)
    assert v["namespaced"] == Call("toLower", (Attr(Call("resourceGroup", (), 29), "location", 29),), 29)
    assert v["ternary"] == Cond(
        Call("empty", (Name("zones", 30),), 30), Lit("none", 31), Call("first", (Name("zones", 32),), 32), 30
    )
    assert isinstance(v["condition"], Binary) and v["condition"].op == "&&"
    assert [p.key for p in v["oneLine"].pairs] == ["a", "b"]
    assert v["oneLineArray"].items == (Lit(1, 36), Lit(2, 36), Lit(3, 36))


def test_lambdas_spread_and_safe_access_evaluate() -> None:
    declarations = "param zones array = ['b', 'a']\nparam settings object = {\n  mode: 'Open'\n}\n"
    assert value_of("filter(zones, z => z != 'a')", declarations) == ["b"]
    assert value_of("filter(zones, (z, i) => i == 1)", declarations) == ["a"]
    assert value_of("{\n  first: 1\n  ...settings\n  mode: 'x'\n}", declarations) == {"first": 1, "mode": "x"}
    assert value_of("{\n  mode: 'x'\n  ...settings\n}", declarations) == {"mode": "Open"}
    assert value_of("[\n  ...zones\n  'c'\n]", declarations) == ["b", "a", "c"]
    assert value_of("settings.?absent ?? 'd'", declarations) == "d"
    assert value_of("zones[?9] ?? 'e'", declarations) == "e"
    assert value_of("settings.mode!", declarations) == "Open"
    assert value_of("sys.toUpper(az.concat('a', 'b'))") == "AB"
    assert value_of("map(zones, z => toUpper(z))", declarations) == ["B", "A"]


def test_strings_escapes_comments_and_multi_line_values() -> None:
    parsed = _syntax("strings_comments.bicep")
    name = parsed.params["name"].default
    assert name == Str(("it's ", Str(("nested ", Lit("deep", 2)), 2), " \U0001f600 $notInterpolated \\ \n"), 2)
    assert parsed.variables["values"] == ArrayExpr((Lit("a", 7), Lit("b", 9)), (7, 9), 6)
    settings = parsed.variables["settings"]
    assert [(p.key, p.line) for p in settings.pairs] == [("first", 14), ("second", 16)]
    assert parsed.variables["multi"] == Lit("no ${interpolation} here, and 'quotes' stay\n", 21)
    call = parsed.variables["call"]
    assert call.name == "concat" and len(call.args) == 2


def test_resources_loops_conditions_nested_and_modules() -> None:
    parsed = _syntax("resources.bicep")
    vnet, scopes, endpoint = parsed.resources
    assert vnet.existing and [c.symbol for c in vnet.children] == ["subnet"]
    assert (scopes.start_line, scopes.line, scopes.end_line) == (16, 17, 26)
    loop = scopes.value
    assert isinstance(loop, ForExpr) and (loop.kind, loop.item, loop.index) == ("range", "i", "index")
    assert isinstance(loop.filter, Binary) and isinstance(loop.body, ObjectExpr)
    assert isinstance(endpoint.value, IfExpr)
    connections = endpoint.value.body.pair("properties").value.pair("privateLinkServiceConnections").value
    assert (connections.kind, connections.item, connections.index) == ("items", "zone", "j")
    [module] = parsed.modules
    assert (module.symbol, module.path, module.line, module.end_line) == ("zones", "./zones.bicep", 47, 53)
    assert parsed.target_scope == "resourceGroup"
    params = _syntax("main.bicepparam")
    assert params.using == "./resources.bicep"
    assert params.params["count"].default == Binary("*", Name("base", 7), Lit(2, 7), 7)


def test_absurd_nesting_is_one_error_and_the_rest_is_read() -> None:
    parsed = parse_bicep("var x = " + "[" * 5000 + "]" * 5000 + "\nvar y = 1\n")
    assert [(str(e), e.line) for e in parsed.errors] == [(f"nested more than {MAX_DEPTH} levels deep", 1)]
    assert parsed.variables == {"y": Lit(1, 2)}


def test_a_long_file_is_read_in_linear_time() -> None:
    import time

    one = (SYNTAX / "resources.bicep").read_text().replace("targetScope = 'resourceGroup'\n", "")
    started = time.perf_counter()
    parse_bicep(one)
    small = time.perf_counter() - started
    started = time.perf_counter()
    big = parse_bicep(one * 50)
    assert len(big.resources) == 150
    assert time.perf_counter() - started < max(small, 0.001) * 50 * 8


def test_a_module_shared_by_two_entry_files_is_in_one_job_and_parsed_once() -> None:
    from ampls_checks.units import connected_units

    calls = {"/r/a.bicep": {"/r/m.bicep"}, "/r/b.bicep": {"/r/m.bicep", "/elsewhere.bicep"}, "/r/c.bicep": set()}
    files = ["/r/c.bicep", "/r/b.bicep", "/r/m.bicep", "/r/a.bicep"]
    assert connected_units(files, calls) == [["/r/a.bicep", "/r/b.bicep", "/r/m.bicep"], ["/r/c.bicep"]]


# -- load functions ----------------------------------------------------------------------------


def test_load_functions_read_only_the_files_the_scan_gives(tmp_path: Path) -> None:
    text = (
        "var zones = loadJsonContent('cfg/zones.json', '$.zones[1]')\n"
        "var whole = loadJsonContent('cfg/zones.json')\n"
        "var raw = loadTextContent('cfg/zones.json')\n"
        "var encoded = loadFileAsBase64('cfg/zones.json')\n"
        "var absent = loadJsonContent('../outside.json')\n"
        "var yaml = loadYamlContent('cfg/zones.yaml')\n"
    )
    real = str(tmp_path / "main.bicep")
    source = SourceFile(real, "main.bicep", text.splitlines(), parse_bicep(text))
    data = b'{"zones": ["a", "b"]}'
    context = Context({source.real: source}, None, [], loads={(real, "cfg/zones.json"): data})
    instance = Instance(context, source, "main.bicep", {})
    assert instance.lookup("zones") == "b"
    assert instance.lookup("whole") == {"zones": ["a", "b"]}
    assert instance.lookup("raw") == data.decode()
    assert instance.lookup("encoded") == "eyJ6b25lcyI6IFsiYSIsICJiIl19"
    assert instance.lookup("absent") == Unknown(
        "loadJsonContent('../outside.json') is not read: only JSON files among the scanned files are"
    )
    assert isinstance(instance.lookup("yaml"), Unknown)


def test_the_scan_gives_a_bicep_job_the_json_files_it_loads_inside_the_roots(tmp_path: Path) -> None:
    from ampls_checks.discover import Candidate, FileKind
    from ampls_checks.units import plan_jobs

    (tmp_path / "outside.json").write_text("{}")
    main = tmp_path / "infra" / "main.bicep"
    main.parent.mkdir()
    text = "var a = loadJsonContent('zones.json')\nvar b = loadTextContent('../outside.json')\n"
    main.write_text(text)
    zones = Candidate(str(tmp_path / "infra" / "zones.json"), "infra/zones.json", FileKind.JSON)
    by_kind: dict[FileKind, list[Any]] = {kind: [] for kind in FileKind}
    by_kind[FileKind.BICEP] = [(Candidate(str(main), "infra/main.bicep", FileKind.BICEP), text.encode(), text)]
    [job] = plan_jobs(by_kind, [(zones, b"[1]")])  # outside.json was not discovered: not given
    assert job.loads == {(str(main), "zones.json"): b"[1]"}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (" && ".join(["true"] * 300), f"more than {MAX_CHAIN} operators in one expression"),
        ("a" + "!" * 300, f"more than {MAX_CHAIN} accessors in one expression"),
    ],
)
def test_absurdly_long_chains_are_an_error_not_a_deep_evaluation(expression: str, message: str) -> None:
    parsed = parse_bicep(f"var x = {expression}\nvar y = 1\n")
    assert [(str(e), e.line) for e in parsed.errors] == [(message, 1)]
    assert list(parsed.variables) == ["y"]


def test_errors_per_file_stop_at_a_bound() -> None:
    parsed = parse_bicep("var x = 'unterminated\n" * 1000 + SCOPE)
    assert len(parsed.errors) == MAX_ERRORS + 1
    assert (str(parsed.errors[-1]), parsed.errors[-1].line) == (
        f"{MAX_ERRORS} errors: the rest of the file is not read",
        20,
    )
    assert parsed.resources == []
