"""The ARM JSON parser: the line-aware decoder, schema recognition, expressions, parameter files,
resources (copy loops, children, nested deployments) and what it hands to the checks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.azure import Cloud
from ampls_checks.model import (
    DnsZoneVnetLink,
    MonitorResource,
    ParseError,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Subnet,
    Suppression,
    Unknown,
    UnresolvedResource,
)
from ampls_checks.parsers.arm.expressions import Budget, Scope, Template, evaluate_expression
from ampls_checks.parsers.arm.json_lines import JsonArray, JsonDecodeError, JsonObject, decode
from ampls_checks.parsers.arm.parse import parse_arm_files
from ampls_checks.scan import ScanOptions, scan

from .conftest import FIXTURES

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def template(resources: list[Any], parameters: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"$schema": SCHEMA, "contentVersion": "1.0.0.0"}
    if parameters:
        out["parameters"] = parameters
    out.update(sections)
    out["resources"] = resources
    return out


def scope_resource(name: Any = "ampls", ingestion: Any = "PrivateOnly", **extra: Any) -> dict[str, Any]:
    return {
        "type": "Microsoft.Insights/privateLinkScopes",
        "apiVersion": "2021-07-01-preview",
        "name": name,
        "location": "global",
        **extra,
        "properties": {"accessModeSettings": {"ingestionAccessMode": ingestion, "queryAccessMode": "PrivateOnly"}},
    }


def parse(
    tmp_path: Path, files: dict[str, Any], parameter_files: list[str] | None = None, **options: Any
) -> ParseResult:
    given = []
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else json.dumps(content, indent=2)
        path.write_text(text, encoding="utf-8", newline="")
        given.append((str(path), name, text))
    return parse_arm_files(given, parameter_files or [], **options)


def only(result: ParseResult, kind: type) -> list[Any]:
    return [e for e in result.entities if type(e) is kind]


# -- the decoder ------------------------------------------------------------------------------


def test_decoded_objects_and_arrays_know_their_lines() -> None:
    value = decode('{\n  "a": 1,\n  "b": [\n    true,\n    {"c": null}\n  ]\n}\n')
    assert isinstance(value, JsonObject) and isinstance(value["b"], JsonArray)
    assert (value.line, value.end_line) == (1, 7)
    assert value.key_lines == {"a": 2, "b": 3}
    assert value["b"].item_lines == [4, 5]
    assert (value["b"][1].line, value["b"].end_line) == (5, 6)


def test_comments_and_strings_over_several_lines_are_json_for_arm() -> None:
    value = decode('// header\n{\n  /* a\n  block */ "a": "one\ntwo",\n  "b": 2 // trailing\n}')
    assert value == {"a": "one\ntwo", "b": 2}
    assert value.key_lines == {"a": 4, "b": 6}


def test_bom_and_crlf_keep_lines_right() -> None:
    value = decode('\ufeff{\r\n  "a": {\r\n    "b": "c"\r\n  }\r\n}\r\n')
    assert value["a"].key_lines == {"b": 3}
    assert value.end_line == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{\n  "a": 1,\n}', 3, "expected a property name in double quotes"),
        ('{\n  "a" 1\n}', 2, "expected ':' after a key"),
        ("[\n  1\n  2\n]", 3, "expected ',' or ']'"),
        ('{\n  "a": "open', 2, "unterminated string"),
        ('{\n  "a": 1\n}\n{}', 4, "extra data after the end of the document"),
        ('{\n\n  "a": tru }', 3, "unexpected character 't'"),
        ('{"a": "\\x"}', 1, "invalid escape in string"),
        ("", 1, "unexpected end of file"),
    ],
)
def test_decode_errors_name_their_line(text: str, line: int, message: str) -> None:
    with pytest.raises(JsonDecodeError) as raised:
        decode(text)
    assert raised.value.line == line
    assert raised.value.message.startswith(message)


def test_a_hundred_thousand_nested_levels_are_refused_without_recursion() -> None:
    started = time.monotonic()
    with pytest.raises(JsonDecodeError) as raised:
        decode("[" * 100_000 + "]" * 100_000)
    assert "nested deeper than" in raised.value.message
    assert time.monotonic() - started < 5


# -- which JSON files are templates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
        "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#",
    ],
)
def test_templates_are_recognised_by_their_schema(tmp_path: Path, schema: str) -> None:
    result = parse(tmp_path, {"t.json": {**template([scope_resource()]), "$schema": schema}})
    assert [e.address for e in result.entities] == ["Microsoft.Insights/privateLinkScopes/ampls"]


def test_other_json_is_not_arm_and_is_silent(tmp_path: Path) -> None:
    result = parse(
        tmp_path,
        {
            "package.json": '{"name": "app", "description": "deploymentTemplate helpers", "version": "1.0.0"}',
            "tsconfig.json": '{\n  // deploymentTemplate types\n  "compilerOptions": {"strict": true,},\n}',
            "main.parameters.json": {"$schema": PARAMETERS_SCHEMA, "parameters": {"a": {"value": 1}}},
            "resources.json": {"resources": [scope_resource()], "note": "deploymentTemplate"},
            "broken.json": '{"description": "deploymentTemplate", ',
            "list.json": "[1, 2, 3]",
        },
    )
    assert result.entities == [] and result.errors == [] and result.notes == []


def test_a_broken_template_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    text = json.dumps(template([scope_resource()]), indent=2).replace('"location": "global",', '"location": "global",,')
    line = text.split("\n").index('      "location": "global",,') + 1
    result = parse(tmp_path, {"infra/main.json": text})
    assert result.errors == [
        ParseError("infra/main.json", "not valid JSON: expected a property name in double quotes", line)
    ]
    assert result.entities == []


def test_a_deeply_nested_template_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    text = '{"$schema": "' + SCHEMA + '", "resources": [' + deep + "]}"
    result = parse(tmp_path, {"deep.json": text})
    assert [(e.file, e.line) for e in result.errors] == [("deep.json", 1)]
    assert "nested deeper than" in result.errors[0].message


def test_a_bad_template_does_not_stop_the_others(tmp_path: Path) -> None:
    result = parse(
        tmp_path, {"a.json": '{"$schema": "' + SCHEMA + '", "resources": [}', "b.json": template([scope_resource()])}
    )
    assert [e.file for e in result.errors] == ["a.json"]
    assert [e.location.file for e in result.entities] == ["b.json"]


def test_bom_and_crlf_templates_report_the_right_lines(tmp_path: Path) -> None:
    text = "\ufeff" + json.dumps(template([scope_resource(ingestion="Open")]), indent=2).replace("\n", "\r\n")
    (tmp_path / "main.json").write_bytes(text.encode("utf-8"))
    report = scan([str(tmp_path / "main.json")])
    expected = text.split("\r\n").index('          "ingestionAccessMode": "Open",') + 1
    assert [(f.check_id, f.start_line) for f in report.findings if f.check_id == "CKV_AMPLS_1"] == [
        ("CKV_AMPLS_1", expected)
    ]
    assert report.errors == []


# -- expressions ----------------------------------------------------------------------------------


def evaluate(text: str, cloud: Cloud | None = None, steps: int = 10_000, **parameters: Any) -> Any:
    made = Template("t.json", cloud, Budget(steps))
    for name, value in parameters.items():
        made.parameters[name.lower()] = lambda value=value: value
    return evaluate_expression(text, Scope(made))


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("concat('a', 'b', 'c')", "abc"),
        ("concat(createArray(1), createArray(2, 3))", [1, 2, 3]),
        ("format('{0}-{1}', 'ampls', 2)", "ampls-2"),
        ("format('{{0}}{0}', 'x')", "{0}x"),
        ("replace('privatelink.monitor.azure.com', '.', '-')", "privatelink-monitor-azure-com"),
        ("toLower('AMPLS')", "ampls"),
        ("toUpper('ampls')", "AMPLS"),
        ("length('abc')", 3),
        ("length(createArray(1, 2))", 2),
        ("length(json('{\"a\": 1}'))", 1),
        ("if(equals(parameters('env'), 'prod'), 'PrivateOnly', 'Open')", "PrivateOnly"),
        ("parameters('env')", "prod"),
        ("PARAMETERS('ENV')", "prod"),
        ("split('a/b/c', '/')[1]", "b"),
        ("last(split('a/b/c', '/'))", "c"),
        ('json(\'{"a": {"b": [1, 2]}}\').a.b[1]', 2),
        ("createObject('Mode', 'Open').mode", "Open"),
        ("union(createObject('a', 1), createObject('b', 2))", {"a": 1, "b": 2}),
        ("range(1, 3)", [1, 2, 3]),
        ("add(mul(2, 3), sub(10, div(7, 2)))", 13),
        ("mod(-7, 2)", -1),
        ("and(true, or(false, not(false)))", True),
        ("coalesce(null(), 'x')", "x"),
        ("contains(createArray('a', 'b'), 'b')", True),
        ("take('abcdef', 3)", "abc"),
        ("substring('abcdef', 1, 2)", "bc"),
        ("padLeft('7', 3, '0')", "007"),
        ("string(createArray(1))", "[1]"),
        ("'it''s'", "it's"),
        ("resourceGroup().name", Unknown("the resource group deployed to is known only at deployment")),
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression, env="prod") == expected


@pytest.mark.parametrize(
    "expression",
    [
        "reference('x').outputs.id.value",
        "listKeys(resourceId('Microsoft.Storage/storageAccounts', 'st'), '2023-01-01').keys[0].value",
        "uniqueString(deployment().name)",
        "subscription().displayName",
        "resourceGroup().location",
        "deployment().name",
        "utcNow()",
        "myfunctions.name('x')",
        "parameters('missing')",
        "variables('missing')",
        "copyIndex()",
        "concat('a', reference('x').name)",
        "if(equals(reference('x').mode, 'a'), 'Open', 'PrivateOnly')",
        "concat('a',",
        "substring('abc', 5)",
    ],
)
def test_values_only_azure_knows_and_mistakes_are_unknown(expression: str) -> None:
    assert isinstance(evaluate(expression), Unknown)


def test_environment_follows_the_cloud_and_is_unknown_without_one() -> None:
    text = "concat('privatelink.blob.', environment().suffixes.storage)"
    assert evaluate(text, Cloud.PUBLIC) == "privatelink.blob.core.windows.net"
    assert evaluate(text, Cloud.USGOVERNMENT) == "privatelink.blob.core.usgovcloudapi.net"
    assert evaluate(text, Cloud.CHINA) == "privatelink.blob.core.chinacloudapi.cn"
    assert isinstance(evaluate(text), Unknown)


def test_resource_id_of_an_undeclared_resource_is_a_lower_case_name_reference() -> None:
    assert evaluate("resourceId('rg-Hub', 'Microsoft.Network/virtualNetworks/subnets', 'VNet', 'snet')") == Ref(
        name="vnet/snet", arm_type="microsoft.network/virtualnetworks/subnets", resource_group="rg-hub"
    )
    assert evaluate("concat(resourceId('Microsoft.Network/virtualNetworks', 'v'), '/subnets/', 'a')") == Ref(
        name="v/a", arm_type="microsoft.network/virtualnetworks/subnets"
    )
    assert evaluate("format('{0}/subnets/{1}', resourceId('Microsoft.Network/virtualNetworks', 'v'), 'a')") == Ref(
        name="v/a", arm_type="microsoft.network/virtualnetworks/subnets"
    )
    assert isinstance(evaluate("concat('x', resourceId('Microsoft.Network/virtualNetworks', 'v'))"), Unknown)


def test_size_and_step_bounds_make_values_unknown_quickly() -> None:
    started = time.monotonic()
    assert isinstance(evaluate("range(0, 100000000)"), Unknown)
    made = Template("t.json", None, Budget(10_000_000))
    made.variables["v0"] = lambda scope: "ab"
    for i in range(1, 40):
        made.variables[f"v{i}"] = lambda scope, i=i: evaluate_expression(
            f"concat(variables('v{i - 1}'), variables('v{i - 1}'))", scope
        )
    assert evaluate_expression("variables('v39')", Scope(made)) == Unknown(
        "a string over the evaluation limit of 1000000 characters"
    )
    assert isinstance(evaluate("concat(" * 500 + "'a'" + ")" * 500), Unknown)
    assert time.monotonic() - started < 5


def test_a_resource_id_names_the_declared_resource_by_key(tmp_path: Path) -> None:
    link = {
        "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
        "apiVersion": "2021-07-01-preview",
        "name": "AMPLS/link-law",
        "properties": {"linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', 'LAW')]"},
    }
    workspace = {"type": "Microsoft.OperationalInsights/workspaces", "apiVersion": "2022-10-01", "name": "law"}
    result = parse(tmp_path, {"main.json": template([scope_resource(), workspace, link])})
    (scoped,) = only(result, ScopedLink)
    assert scoped.linked_resource == Ref(
        key="arm:main.json:microsoft.operationalinsights/workspaces/law",
        name="law",
        arm_type="microsoft.operationalinsights/workspaces",
    )
    assert scoped.scope == Ref(
        key="arm:main.json:microsoft.insights/privatelinkscopes/ampls",
        name="ampls",
        arm_type="microsoft.insights/privatelinkscopes",
    )


# -- parameters -------------------------------------------------------------------------------


def mode_template(default: str | None) -> dict[str, Any]:
    parameter: dict[str, Any] = {"type": "string"}
    if default is not None:
        parameter["defaultValue"] = default
    return template([scope_resource(ingestion="[parameters('mode')]")], {"mode": parameter})


def mode_of(result: ParseResult) -> Any:
    (scope,) = only(result, PrivateLinkScope)
    return scope.ingestion_access_mode


def test_default_values_apply_without_a_parameter_file(tmp_path: Path) -> None:
    assert mode_of(parse(tmp_path, {"main.json": mode_template("Open")})) == "Open"


def test_a_parameter_file_beside_the_template_overrides_the_default(tmp_path: Path) -> None:
    params = {"$schema": PARAMETERS_SCHEMA, "parameters": {"mode": {"value": "PrivateOnly"}}}
    result = parse(tmp_path, {"main.json": mode_template("Open"), "main.parameters.json": params})
    assert mode_of(result) == "PrivateOnly"
    other = parse(tmp_path / "b", {"main.json": mode_template("Open"), "other.parameters.json": params})
    assert mode_of(other) == "Open"


def test_arm_parameters_files_override_beside_files_and_defaults(tmp_path: Path) -> None:
    beside = {"$schema": PARAMETERS_SCHEMA, "parameters": {"mode": {"value": "PrivateOnly"}}}
    given = tmp_path / "prod.json"
    given.write_text(json.dumps({"$schema": PARAMETERS_SCHEMA, "parameters": {"mode": {"value": "Private"}}}))
    result = parse(tmp_path, {"main.json": mode_template("Open"), "main.parameters.json": beside}, [str(given)])
    assert mode_of(result) == "Private"


def test_key_vault_references_and_missing_values_are_unknown(tmp_path: Path) -> None:
    reference = {
        "reference": {"keyVault": {"id": "/subscriptions/s/resourceGroups/r/providers/x/y/z"}, "secretName": "m"}
    }
    params = {"$schema": PARAMETERS_SCHEMA, "parameters": {"mode": reference}}
    result = parse(tmp_path, {"main.json": mode_template("Open"), "main.parameters.json": params})
    assert mode_of(result) == Unknown("parameter 'mode' is a Key Vault reference")
    assert isinstance(mode_of(parse(tmp_path / "b", {"main.json": mode_template(None)})), Unknown)


def test_an_unreadable_arm_parameters_file_is_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "parameters": {\n}')
    result = parse(tmp_path, {"main.json": mode_template("Open")}, [missing, str(broken)])
    assert [(e.file, e.line) for e in result.errors] == [(missing, None), (str(broken), 3)]
    assert mode_of(result) == "Open"


# -- resources --------------------------------------------------------------------------------


def test_keys_addresses_units_and_locations(tmp_path: Path) -> None:
    result = parse(tmp_path, {"infra/main.json": template([scope_resource(name="[concat('AMPLS', '-Prod')]")])})
    (scope,) = result.entities
    assert scope.key == "arm:infra/main.json:microsoft.insights/privatelinkscopes/ampls-prod"
    assert scope.address == "Microsoft.Insights/privateLinkScopes/AMPLS-Prod"
    assert scope.unit == "infra/main.json"
    assert (scope.location.file, scope.location.start_line, scope.location.end_line) == ("infra/main.json", 5, 16)
    assert scope.location.language.value == "arm"
    assert scope.line_of("ingestion_access_mode") == 12


def test_an_unknown_name_keeps_the_expression_in_the_address(tmp_path: Path) -> None:
    result = parse(tmp_path, {"main.json": template([scope_resource(name="[uniqueString(deployment().name)]")])})
    (scope,) = result.entities
    assert scope.address == "Microsoft.Insights/privateLinkScopes/[uniqueString(deployment().name)]"
    assert isinstance(scope.name, Unknown)


def test_two_resources_with_one_name_get_distinct_keys(tmp_path: Path) -> None:
    result = parse(tmp_path, {"main.json": template([scope_resource(), scope_resource()])})
    assert [e.key.rsplit("/", 1)[1] for e in result.entities] == ["ampls", "ampls#2"]
    assert len({e.address for e in result.entities}) == 2


def test_resource_copy_loops_give_one_entity_per_copy(tmp_path: Path) -> None:
    copies = scope_resource(name="[concat('ampls-', copyIndex(1))]", copy={"name": "scopes", "count": 3})
    result = parse(tmp_path, {"main.json": template([copies])})
    assert [e.name for e in result.entities] == ["ampls-1", "ampls-2", "ampls-3"]


@pytest.mark.parametrize(
    ("count", "reason"),
    [
        ("[parameters('count')]", "parameter 'count' has no default value and no value in a parameter file"),
        (1_000_000, "a copy count of 1000000 is outside ARM's limit of 0 to 800"),
        ("[reference('x').count]", "reference() returns values only Azure knows at deployment"),
    ],
)
def test_a_copy_count_that_cannot_be_known_is_an_unresolved_resource(tmp_path: Path, count: Any, reason: str) -> None:
    copies = scope_resource(name="[concat('ampls-', copyIndex())]", copy={"name": "scopes", "count": count})
    started = time.monotonic()
    result = parse(tmp_path, {"main.json": template([copies], {"count": {"type": "int"}})})
    assert time.monotonic() - started < 2
    (unresolved,) = result.entities
    assert isinstance(unresolved, UnresolvedResource)
    assert (unresolved.kind, unresolved.unit, unresolved.location.start_line) == ("PrivateLinkScope", "main.json", 10)
    assert [n.message for n in result.notes] == [
        f"Microsoft.Insights/privateLinkScopes/[concat('ampls-', copyIndex())]: not analysed: {reason}"
    ]


def test_conditions_hide_resources_and_unknown_ones_are_unresolved(tmp_path: Path) -> None:
    parameters = {"on": {"type": "bool", "defaultValue": False}, "maybe": {"type": "bool"}}
    resources = [
        scope_resource(name="off", condition="[parameters('on')]"),
        scope_resource(name="on", condition="[not(parameters('on'))]"),
        scope_resource(name="maybe", condition="[parameters('maybe')]"),
    ]
    result = parse(tmp_path, {"main.json": template(resources, parameters)})
    assert [(type(e).__name__, e.address) for e in result.entities] == [
        ("PrivateLinkScope", "Microsoft.Insights/privateLinkScopes/on"),
        ("UnresolvedResource", "Microsoft.Insights/privateLinkScopes/maybe"),
    ]


def test_property_copy_builds_arrays_and_points_at_the_input(tmp_path: Path) -> None:
    scope = scope_resource()
    scope["properties"]["accessModeSettings"]["copy"] = [
        {
            "name": "exclusions",
            "count": 2,
            "input": {
                "privateEndpointConnectionName": "[concat('pe-', copyIndex('exclusions'))]",
                "ingestionAccessMode": "Open",
            },
        }
    ]
    text = json.dumps(template([scope]), indent=2)
    result = parse(tmp_path, {"main.json": text})
    (entity,) = result.entities
    assert isinstance(entity, PrivateLinkScope) and isinstance(entity.exclusions, list)
    line = text.split("\n").index('                "ingestionAccessMode": "Open"') + 1
    assert [(e.connection_name, e.ingestion_access_mode, e.line) for e in entity.exclusions] == [
        ("pe-0", "Open", line),
        ("pe-1", "Open", line),
    ]


def test_variables_with_copy_loops_and_variables_of_variables(tmp_path: Path) -> None:
    variables = {
        "prefix": "[toLower('CONTOSO')]",
        "names": "[concat(variables('prefix'), '-ampls')]",
        "copy": [{"name": "zones", "count": 2, "input": "[concat('z', copyIndex('zones'))]"}],
        "loop": "[variables('loop')]",
    }
    resources = [
        scope_resource(name="[variables('names')]"),
        scope_resource(name="[variables('zones')[1]]"),
        scope_resource(name="[variables('loop')]"),
    ]
    result = parse(tmp_path, {"main.json": template(resources, variables=variables)})
    assert [e.name for e in result.entities][:2] == ["contoso-ampls", "z1"]
    assert result.entities[2].name == Unknown("variable 'loop' refers to itself")


def test_children_nested_and_with_parent_names_refer_to_their_parent(tmp_path: Path) -> None:
    endpoint = {
        "type": "Microsoft.Network/privateEndpoints",
        "apiVersion": "2023-04-01",
        "name": "pe",
        "properties": {"subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]"}},
        "resources": [
            {
                "type": "privateDnsZoneGroups",
                "apiVersion": "2023-04-01",
                "name": "default",
                "properties": {
                    "privateDnsZoneConfigs": [
                        {
                            "name": "z",
                            "properties": {
                                "privateDnsZoneId": "[resourceId('Microsoft.Network/privateDnsZones', 'z')]"
                            },
                        }
                    ]
                },
            }
        ],
    }
    zone = {"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "z"}
    link = {
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "apiVersion": "2020-06-01",
        "name": "z/hub",
        "properties": {"virtualNetwork": {"id": "[resourceId('Microsoft.Network/virtualNetworks', 'v')]"}},
    }
    subnet = {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-04-01", "name": "v/s"}
    result = parse(tmp_path, {"main.json": template([endpoint, zone, link, subnet])})
    (pe,) = only(result, PrivateEndpoint)
    assert isinstance(pe.zone_groups, list)
    (group,) = pe.zone_groups
    assert group.address == "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/pe/default"
    assert group.zones == [
        Ref(
            key="arm:main.json:microsoft.network/privatednszones/z",
            name="z",
            arm_type="microsoft.network/privatednszones",
        )
    ]
    assert pe.subnet == Ref(
        key="arm:main.json:microsoft.network/virtualnetworks/subnets/v/s",
        name="v/s",
        arm_type="microsoft.network/virtualnetworks/subnets",
    )
    (vnet_link,) = only(result, DnsZoneVnetLink)
    assert isinstance(vnet_link.zone, Ref) and vnet_link.zone.key == "arm:main.json:microsoft.network/privatednszones/z"
    assert vnet_link.virtual_network == Ref(name="v", arm_type="microsoft.network/virtualnetworks")
    (child_subnet,) = only(result, Subnet)
    assert child_subnet.virtual_network == Ref(name="v", arm_type="microsoft.network/virtualnetworks")


def nested_deployment(inner: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "inner",
        "resourceGroup": "rg-Monitor",
        "properties": {"mode": "Incremental", **properties, "template": inner},
    }


def test_nested_deployment_inner_scope_reads_the_parameters_passed_in(tmp_path: Path) -> None:
    inner = template(
        [scope_resource(name="[parameters('name')]", ingestion="[parameters('mode')]")],
        {
            "name": {"type": "string"},
            "mode": {"type": "string", "defaultValue": "PrivateOnly"},
        },
    )
    outer = template(
        [
            nested_deployment(
                inner,
                expressionEvaluationOptions={"scope": "inner"},
                parameters={"name": {"value": "[concat(variables('prefix'), '-ampls')]"}},
            )
        ],
        variables={"prefix": "contoso"},
    )
    (scope,) = parse(tmp_path, {"main.json": outer}).entities
    assert (scope.name, scope.ingestion_access_mode, scope.resource_group) == (
        "contoso-ampls",
        "PrivateOnly",
        "rg-Monitor",
    )


def test_nested_deployment_outer_scope_reads_the_outer_template(tmp_path: Path) -> None:
    inner = template([scope_resource(name="[variables('name')]", ingestion="[parameters('mode')]")])
    outer = template(
        [nested_deployment(inner)],
        {"mode": {"type": "string", "defaultValue": "Open"}},
        variables={"name": "ampls-outer"},
    )
    (scope,) = parse(tmp_path, {"main.json": outer}).entities
    assert (scope.name, scope.ingestion_access_mode) == ("ampls-outer", "Open")


def test_linked_templates_are_not_fetched_and_make_the_file_unresolved(tmp_path: Path) -> None:
    linked = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "linked",
        "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}},
    }
    result = parse(tmp_path, {"main.json": template([linked])})
    (unresolved,) = result.entities
    assert isinstance(unresolved, UnresolvedResource) and unresolved.kind == "*"
    assert [n.message for n in result.notes] == [
        "Microsoft.Resources/deployments/linked: the linked template 'https://example.com/t.json' is not fetched; "
        "not analysed"
    ]


def test_checkov_metadata_skips_become_suppressions(tmp_path: Path) -> None:
    resources = [
        scope_resource(name="a", metadata={"checkov": ["checkov:skip=CKV_AMPLS_1: migration", "CKV_AMPLS_13"]}),
        scope_resource(name="b", metadata={"checkov": "skip=CKV_AMPLS_2:one string"}),
    ]
    text = json.dumps(template(resources), indent=2)
    lines = text.split("\n")
    result = parse(tmp_path, {"main.json": text})
    assert [e.suppressions for e in result.entities] == [
        [
            Suppression(
                "CKV_AMPLS_1", "migration", lines.index('          "checkov:skip=CKV_AMPLS_1: migration",') + 1
            ),
            Suppression("CKV_AMPLS_13", "", lines.index('          "CKV_AMPLS_13"') + 1),
        ],
        [Suppression("CKV_AMPLS_2", "one string", lines.index('        "checkov": "skip=CKV_AMPLS_2:one string"') + 1)],
    ]


def test_language_version_2_resources_and_existing_zones(tmp_path: Path) -> None:
    body = template([], languageVersion="2.0")
    body["resources"] = {
        "hubZone": {
            "existing": True,
            "type": "Microsoft.Network/privateDnsZones",
            "apiVersion": "2020-06-01",
            "name": "privatelink.monitor.azure.com",
        },
        "otherScope": {**scope_resource(name="elsewhere"), "existing": True},
        "scope": scope_resource(),
    }
    result = parse(tmp_path, {"main.json": body})
    assert [(type(e).__name__, e.name) for e in result.entities] == [
        ("PrivateDnsZone", "privatelink.monitor.azure.com"),
        ("PrivateLinkScope", "ampls"),
    ]
    assert only(result, PrivateDnsZone)[0].external is True


def test_monitor_flags_follow_written_values_and_defaults(tmp_path: Path) -> None:
    resources = [
        {
            "type": "Microsoft.OperationalInsights/workspaces",
            "apiVersion": "2022-10-01",
            "name": "law",
            "properties": {"publicNetworkAccessForIngestion": "Disabled"},
        },
        {
            "type": "Microsoft.Insights/dataCollectionEndpoints",
            "apiVersion": "2022-06-01",
            "name": "dce",
            "properties": {"networkAcls": {"publicNetworkAccess": "[parameters('access')]"}},
        },
    ]
    result = parse(
        tmp_path, {"main.json": template(resources, {"access": {"type": "string", "defaultValue": "Enabled"}})}
    )
    assert [(e.name, e.public_ingestion, e.public_query) for e in only(result, MonitorResource)] == [
        ("law", False, True),
        ("dce", True, None),
    ]


def test_the_step_budget_stops_a_template_and_says_so(tmp_path: Path) -> None:
    copies = scope_resource(name="[concat('ampls-', copyIndex())]", copy={"name": "scopes", "count": 800})
    result = parse(tmp_path, {"main.json": template([copies])}, max_steps=500)
    assert [type(e).__name__ for e in result.entities] == ["UnresolvedResource"]
    assert [n.message for n in result.notes] == [
        "evaluation step limit reached (see --max-eval-steps): the template is not analysed"
    ]
    assert len(parse(tmp_path, {"main.json": template([copies])}).entities) == 800


# -- a repository of everything -------------------------------------------------------------------


def test_a_mixed_repository_reports_exactly_its_findings_and_no_errors_for_unrelated_files(
    tmp_path: Path, in_dir: Any
) -> None:
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / "main.tf").write_text(
        'resource "azurerm_monitor_private_link_scope" "ampls" {\n'
        '  name                = "ampls-tf"\n'
        '  resource_group_name = "rg"\n'
        '  ingestion_access_mode = "Open"\n'
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
    )
    (tmp_path / "arm").mkdir()
    (tmp_path / "arm" / "azuredeploy.json").write_text(
        json.dumps(template([scope_resource(name="ampls-arm", ingestion="Open")]), indent=2)
    )
    (tmp_path / "arm" / "azuredeploy.parameters.json").write_text(
        json.dumps({"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": {}})
    )
    (tmp_path / "bicep").mkdir()
    (tmp_path / "bicep" / "main.bicep").write_text(
        "resource scope 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n"
        "  name: 'ampls-bicep'\n"
        "  location: 'global'\n"
        "  properties: {\n"
        "    accessModeSettings: {\n"
        "      ingestionAccessMode: 'Open'\n"
        "      queryAccessMode: 'PrivateOnly'\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package.json").write_text('{"name": "web", "scripts": {"deploymentTemplate": "x"}}')
    (tmp_path / "web" / "tsconfig.json").write_text('{\n  // deploymentTemplate\n  "compilerOptions": {},\n}\n')
    (tmp_path / "web" / "broken.json").write_text('{"deploymentParameters": ')
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    assert sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings) == [
        ("CKV_AMPLS_1", "arm/azuredeploy.json", 12, "Microsoft.Insights/privateLinkScopes/ampls-arm"),
        ("CKV_AMPLS_1", "bicep/main.bicep", 6, "scope"),
        ("CKV_AMPLS_1", "terraform/main.tf", 4, "azurerm_monitor_private_link_scope.ampls"),
        ("CKV_AMPLS_13", "arm/azuredeploy.json", 5, "Microsoft.Insights/privateLinkScopes/ampls-arm"),
        ("CKV_AMPLS_13", "bicep/main.bicep", 1, "scope"),
        ("CKV_AMPLS_13", "terraform/main.tf", 1, "azurerm_monitor_private_link_scope.ampls"),
    ]
    # every file but the YAML gets past the prefilter (the unrelated JSON names the schemas), and
    # the parser itself finds them not ARM
    assert report.files_parsed == 7


def test_environment_zone_names_follow_the_cloud_through_to_the_checks() -> None:
    from ampls_checks.checks import Settings
    from ampls_checks.checks.ckv_ampls_6 import CHECK
    from ampls_checks.link import link

    case = FIXTURES / "arm" / "ckv_ampls_6" / "good_environment_blob_zone" / "azuredeploy.json"
    files = [(str(case), "azuredeploy.json", case.read_text())]
    public = parse_arm_files(files, [], cloud=Cloud.PUBLIC)
    assert "privatelink.blob.core.windows.net" in [e.name for e in only(public, PrivateDnsZone)]
    assert list(CHECK.run(link(public.entities), Settings(cloud=Cloud.PUBLIC))) == []
    china = parse_arm_files(files, [], cloud=Cloud.CHINA)
    assert "privatelink.blob.core.chinacloudapi.cn" in [e.name for e in only(china, PrivateDnsZone)]
    unknown = parse_arm_files(files, [])
    assert any(isinstance(e.name, Unknown) for e in only(unknown, PrivateDnsZone))


def test_a_broken_parameter_file_is_an_error_where_it_is_used_and_its_values_are_unknown(tmp_path: Path) -> None:
    broken = '{\n  "$schema": "' + PARAMETERS_SCHEMA + '",\n  "parameters": {\n    "mode": {"value": "PrivateOnly"\n}'
    result = parse(
        tmp_path,
        {"main.json": mode_template("Open"), "main.parameters.json": broken, "unused.parameters.json": broken},
    )
    assert result.errors == [ParseError("main.parameters.json", "not valid JSON: unexpected end of file", 5)]
    assert mode_of(result) == Unknown("the parameter file main.parameters.json is not valid JSON")


def test_a_spent_size_budget_is_named_as_such(tmp_path: Path) -> None:
    # 4,500 strings of 1,000 characters: a few thousand steps, 4.5 million cells
    big = {"big": "[range(0, 4500)]", "wide": "[map(variables('big'), lambda('i', padLeft('', 1000, 'x')))]"}
    copies = scope_resource(name="[concat('ampls-', length(variables('wide')))]")
    result = parse(tmp_path, {"main.json": template([copies], variables=big)})
    assert [n.message for n in result.notes] == [
        "evaluation size limit reached (values built past 4,000,000 characters and items): the template is not analysed"
    ]
