"""ARM templates as the Bicep compiler writes them for modern modules (`languageVersion: "2.0"`):
resources keyed by symbolic name (nested templates too), `definitions` with `nullable` types and
`$ref`, user-defined functions, `existing` resources, and the template functions those modules
use (lambdas, `tryGet`, `shallowMerge`, `items`, `objectKeys`, CIDR). Every function is bounded:
what goes over a bound is unknown, never a crash or a hang."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.model import (
    DnsZoneVnetLink,
    MonitorResource,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    Unknown,
    UnresolvedResource,
)
from ampls_checks.parsers.arm.expressions import Budget, Scope, Template, evaluate_expression
from ampls_checks.parsers.arm.parse import parse_arm_files
from ampls_checks.parsers.common.template_functions import MAX_ITEMS, MAX_STRING, BudgetExceeded

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def evaluate(text: str, steps: int = 100_000, **parameters: Any) -> Any:
    made = Template("t.json", None, Budget(steps))
    for name, value in parameters.items():
        made.parameters[name.lower()] = lambda value=value: value
    return evaluate_expression(text, Scope(made))


def v2(resources: dict[str, Any], **sections: Any) -> dict[str, Any]:
    head = {"$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0"}
    return {**head, **sections, "resources": resources}


def parse(tmp_path: Path, template: dict[str, Any], **options: Any) -> ParseResult:
    path = tmp_path / "main.json"
    text = json.dumps(template, indent=2)
    path.write_text(text, encoding="utf-8")
    return parse_arm_files([(str(path), "main.json", text)], [], **options)


def only(result: ParseResult, kind: type) -> list[Any]:
    return [e for e in result.entities if type(e) is kind]


def scope_body(name: Any = "ampls", settings: Any = None) -> dict[str, Any]:
    return {
        "type": "Microsoft.Insights/privateLinkScopes",
        "apiVersion": "2021-07-01-preview",
        "name": name,
        "location": "global",
        "properties": {"accessModeSettings": settings or {"ingestionAccessMode": "PrivateOnly"}},
    }


# -- lambdas ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("map(createArray(1, 2, 3), lambda('x', mul(lambdaVariables('x'), 10)))", [10, 20, 30]),
        (
            "map(createArray('a', 'b'), lambda('x', 'i', "
            "format('{0}{1}', lambdaVariables('x'), lambdaVariables('i'))))",
            ["a0", "b1"],
        ),
        ("filter(createArray(1, 2, 3, 4), lambda('x', equals(mod(lambdaVariables('x'), 2), 0)))", [2, 4]),
        ("reduce(createArray(1, 2, 3), 10, lambda('acc', 'x', add(lambdaVariables('acc'), lambdaVariables('x'))))", 16),
        ("sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))", [1, 2, 3]),
        (
            "sort(createArray('b', 'a'), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))",
            ["b", "a"],
        ),
        (
            "toObject(createArray(createObject('n', 'a', 'v', 1), createObject('n', 'b', 'v', 2)), "
            "lambda('e', lambdaVariables('e').n), lambda('e', lambdaVariables('e').v))",
            {"a": 1, "b": 2},
        ),
        ("toObject(createArray('x', 'y'), lambda('e', lambdaVariables('e')))", {"x": "x", "y": "y"}),
        (
            "groupBy(createArray('apple', 'avocado', 'bean'), lambda('s', substring(lambdaVariables('s'), 0, 1)))",
            {"a": ["apple", "avocado"], "b": ["bean"]},
        ),
        ("mapValues(createObject('a', 1, 'b', 2), lambda('v', add(lambdaVariables('v'), 1)))", {"a": 2, "b": 3}),
        # a lambda inside a lambda sees the outer one's variables
        (
            "map(createArray(1, 2), lambda('x', map(createArray(10), "
            "lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))",
            [[11], [12]],
        ),
    ],
)
def test_lambda_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_a_lambda_reads_parameters_of_its_template() -> None:
    text = "map(parameters('zones'), lambda('z', concat('privatelink.', lambdaVariables('z'))))"
    assert evaluate(text, zones=["oms"]) == ["privatelink.oms"]


def test_an_unknown_decision_inside_a_lambda_makes_the_result_unknown() -> None:
    unknown = Unknown("only at deployment")
    assert isinstance(evaluate("filter(createArray(1), lambda('x', parameters('p')))", p=unknown), Unknown)
    assert isinstance(evaluate("sort(createArray(2, 1), lambda('a', 'b', parameters('p')))", p=unknown), Unknown)
    assert isinstance(evaluate("toObject(createArray(1), lambda('x', parameters('p')))", p=unknown), Unknown)
    # map keeps what it can: one unknown item does not hide the others
    text = "map(createArray(1, 2), lambda('x', if(equals(lambdaVariables('x'), 1), parameters('p'), 'two')))"
    assert evaluate(text, p=unknown) == [unknown, "two"]


def test_lambda_misuse_is_unknown() -> None:
    assert evaluate("lambdaVariables('x')") == Unknown("lambdaVariables('x') outside a lambda with that variable")
    assert isinstance(evaluate("map(createObject('a', 1), lambda('x', 1))"), Unknown)
    assert isinstance(evaluate("map(createArray(1), 'not a lambda')"), Unknown)
    assert isinstance(evaluate("lambda()"), Unknown)
    assert isinstance(evaluate("filter(createArray(1), lambda('x', 'yes'))"), Unknown)
    # the keys of toObject() are strings
    assert isinstance(evaluate("toObject(createArray(1), lambda('x', lambdaVariables('x')))"), Unknown)


def test_lambdas_are_bounded_by_the_step_budget() -> None:
    text = "map(range(0, 5000), lambda('x', map(range(0, 5000), lambda('y', lambdaVariables('y')))))"
    with pytest.raises(BudgetExceeded):
        evaluate(text, steps=50_000)


def test_reduce_cannot_build_a_string_over_the_limit() -> None:
    doubled = "reduce(range(0, 40), 'ab', lambda('acc', 'x', concat(lambdaVariables('acc'), lambdaVariables('acc'))))"
    result = evaluate(doubled)
    assert isinstance(result, Unknown)
    assert str(MAX_STRING) in result.reason


# -- objects and safe access -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("tryGet(createObject('a', createObject('b', 1)), 'a', 'b')", 1),
        ("tryGet(createObject('a', 1), 'missing')", None),
        ("tryGet(createObject('A', 1), 'a')", 1),  # property names in any case
        ("tryGet(null(), 'a')", None),
        ("tryGet(createArray(1, 2), 1)", 2),
        ("tryGet(createArray(1, 2), 5)", None),
        ("tryGet(createObject('a', null()), 'a', 'b', 'c')", None),
        ("createObject('a', 1).?b", None),
        ("createArray(1)[?3]", None),
        (
            "shallowMerge(createArray(createObject('a', createObject('x', 1), 'b', 2), "
            "createObject('a', createObject('y', 2))))",
            {"a": {"y": 2}, "b": 2},
        ),
        ("objectKeys(createObject('b', 1, 'a', 2))", ["b", "a"]),
        ("items(createObject('b', 1, 'a', 2))", [{"key": "a", "value": 2}, {"key": "b", "value": 1}]),
    ],
)
def test_object_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_safe_access_into_what_only_azure_knows_stays_unknown() -> None:
    assert isinstance(evaluate("tryGet(reference('x'), 'a')"), Unknown)
    assert isinstance(evaluate("tryGet(parameters('p'), 'a')", p=Unknown("runtime")), Unknown)
    assert isinstance(evaluate("tryGet('text', 'a')"), Unknown)
    assert isinstance(evaluate("shallowMerge(createArray(1))"), Unknown)


# -- CIDR ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cidrSubnet('10.144.0.0/20', 24, 0)", "10.144.0.0/24"),
        ("cidrSubnet('10.144.0.0/20', 24, 4)", "10.144.4.0/24"),
        ("cidrSubnet('fdad:3236:5555::/48', 52, 1)", "fdad:3236:5555:1000::/52"),
        ("cidrHost('10.144.3.0/24', 0)", "10.144.3.1"),
        ("cidrHost('fdad:3236:5555:3000::/52', 4)", "fdad:3236:5555:3000::5"),
        (
            "parseCidr('10.144.0.0/20')",
            {
                "network": "10.144.0.0",
                "netmask": "255.255.240.0",
                "broadcast": "10.144.15.255",
                "firstUsable": "10.144.0.1",
                "lastUsable": "10.144.15.254",
                "cidr": 20,
            },
        ),
        (
            "parseCidr('fdad:3236:5555::/48')",
            {
                "network": "fdad:3236:5555::",
                "netmask": "ffff:ffff:ffff::",
                "firstUsable": "fdad:3236:5555::",
                "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff",
                "cidr": 48,
            },
        ),
    ],
)
def test_cidr_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "cidrSubnet('10.144.0.0/20', 16, 0)",  # larger than the network
        "cidrSubnet('10.144.0.0/20', 24, 16)",  # past the last subnet
        "cidrSubnet('10.144.0.0/20', 33, 0)",
        "cidrSubnet('not a network', 24, 0)",
        "cidrHost('10.0.0.0/30', 2)",  # a /30 has two usable addresses
        "cidrHost('10.0.0.0/24', -1)",
        "parseCidr('10.0.0.0')",
        "cidrSubnet('10.0.0.0/8', 32, 1000000000000)",
    ],
)
def test_cidr_functions_outside_their_range_are_unknown(expression: str) -> None:
    assert isinstance(evaluate(expression), Unknown)


def test_cidr_of_a_huge_string_is_unknown_at_once() -> None:
    assert isinstance(evaluate("cidrSubnet(parameters('p'), 24, 0)", p="1" * 1_000_000 + "/8"), Unknown)


# -- templates -----------------------------------------------------------------------------------------


def test_nullable_parameters_without_a_value_are_null(tmp_path: Path) -> None:
    template = v2(
        {"scope": scope_body(settings="[coalesce(parameters('modes'), createObject('ingestionAccessMode', 'Open'))]")},
        definitions={"modes": {"type": "object", "nullable": True}, "alias": {"$ref": "#/definitions/modes"}},
        parameters={"modes": {"$ref": "#/definitions/alias"}},
    )
    (scope,) = only(parse(tmp_path, template), PrivateLinkScope)
    assert scope.ingestion_access_mode == "Open"


def test_a_parameter_that_is_not_nullable_and_has_no_value_stays_unknown(tmp_path: Path) -> None:
    template = v2(
        {"scope": scope_body(settings="[coalesce(parameters('modes'), createObject('ingestionAccessMode', 'Open'))]")},
        definitions={"modes": {"type": "object"}, "loop": {"$ref": "#/definitions/loop"}},
        parameters={"modes": {"$ref": "#/definitions/modes"}, "other": {"$ref": "#/definitions/loop"}},
    )
    (scope,) = only(parse(tmp_path, template), PrivateLinkScope)
    assert isinstance(scope.ingestion_access_mode, Unknown)


def test_nested_language_v2_templates_key_resources_by_symbolic_name(tmp_path: Path) -> None:
    inner = v2(
        {
            "workspace": {
                "type": "Microsoft.OperationalInsights/workspaces",
                "apiVersion": "2023-09-01",
                "name": "[parameters('name')]",
                "properties": {"publicNetworkAccessForIngestion": "[parameters('ingestion')]"},
            },
            "scope": scope_body("ampls-inner"),
            "link": {
                "copy": {"name": "link", "count": 1},
                "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
                "apiVersion": "2021-07-01-preview",
                "name": "[format('{0}/{1}', 'ampls-inner', parameters('name'))]",
                "properties": {
                    "linkedResourceId": "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('name'))]"
                },
                "dependsOn": ["scope", "workspace"],
            },
        },
        parameters={"name": {"type": "string"}, "ingestion": {"type": "string", "defaultValue": "Enabled"}},
    )
    outer = v2(
        {
            "module": {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2025-04-01",
                "name": "module",
                "properties": {
                    "expressionEvaluationOptions": {"scope": "inner"},
                    "mode": "Incremental",
                    "parameters": {
                        "name": {"value": "law-1"},
                        "ingestion": "[if(true(), createObject('value', 'Disabled'), createObject('value', null()))]",
                    },
                    "template": inner,
                },
            }
        }
    )
    result = parse(tmp_path, outer)
    assert result.errors == []
    (workspace,) = only(result, MonitorResource)
    assert (workspace.name, workspace.public_ingestion) == ("law-1", False)
    (link,) = only(result, ScopedLink)
    assert isinstance(link.linked_resource, Ref) and link.linked_resource.key == workspace.key
    assert isinstance(link.scope, Ref) and link.scope.key == only(result, PrivateLinkScope)[0].key


def test_existing_resources_say_their_resource_group(tmp_path: Path) -> None:
    template = v2(
        {
            "zone": {
                "existing": True,
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2020-06-01",
                "subscriptionId": "[subscription().subscriptionId]",
                "resourceGroup": "rg-dns",
                "name": "privatelink.monitor.azure.com",
            }
        }
    )
    (zone,) = only(parse(tmp_path, template), PrivateDnsZone)
    assert (zone.external, zone.resource_group, zone.name) == (True, "rg-dns", "privatelink.monitor.azure.com")


def test_user_defined_functions(tmp_path: Path) -> None:
    functions = [
        {
            "namespace": "__bicep",
            "members": {
                "endpointName": {
                    "parameters": [{"type": "string", "name": "base"}, {"type": "int", "name": "n"}],
                    "output": {"value": "[format('pe-{0}-{1}', parameters('base'), parameters('n'))]"},
                },
                "loop": {"parameters": [], "output": {"type": "string", "value": "[__bicep.loop()]"}},
                "readsTemplate": {"parameters": [], "output": {"type": "string", "value": "[parameters('outer')]"}},
            },
        }
    ]
    endpoint = {
        "type": "Microsoft.Network/privateEndpoints",
        "apiVersion": "2023-04-01",
        "name": "[__bicep.endpointName('ampls', 2)]",
        "properties": {},
    }
    template = v2(
        {"pe": endpoint, "scope": scope_body("[__bicep.loop()]"), "other": scope_body("[__bicep.readsTemplate()]")},
        functions=functions,
        parameters={"outer": {"type": "string", "defaultValue": "x"}},
    )
    result = parse(tmp_path, template)
    assert result.errors == []
    (pe,) = only(result, PrivateEndpoint)
    assert pe.name == "pe-ampls-2"
    # a recursive function, and one that reads the template's parameters (functions cannot)
    reasons = sorted(s.name.reason for s in only(result, PrivateLinkScope) if isinstance(s.name, Unknown))
    assert len(reasons) == 2
    assert reasons[0] == "parameter 'outer' is not declared"
    assert "user-defined functions call each other more than" in reasons[1]


def test_unknown_namespace_function_is_unknown() -> None:
    assert evaluate("nowhere.fn(1)") == Unknown("nowhere.fn() is not declared")


def test_copy_loop_over_a_lambda_result(tmp_path: Path) -> None:
    zones = ["privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com", "contoso.com"]
    template = v2(
        {
            "zones": {
                "copy": {"name": "zones", "count": "[length(variables('monitorZones'))]"},
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2020-06-01",
                "name": "[variables('monitorZones')[copyIndex()]]",
            }
        },
        variables={
            "all": zones,
            "monitorZones": "[filter(variables('all'), lambda('z', startsWith(lambdaVariables('z'), 'privatelink.')))]",
        },
    )
    assert sorted(z.name for z in only(parse(tmp_path, template), PrivateDnsZone)) == zones[:2]


def test_a_copy_loop_over_a_lambda_result_past_arm_limit_is_not_analysed(tmp_path: Path) -> None:
    template = v2(
        {
            "zones": {
                "copy": {"name": "zones", "count": "[length(map(range(0, 10000), lambda('i', 'x')))]"},
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2020-06-01",
                "name": "[format('z{0}.example', copyIndex())]",
            }
        }
    )
    result = parse(tmp_path, template)
    assert only(result, PrivateDnsZone) == []
    assert [u.kind for u in only(result, UnresolvedResource)] == ["PrivateDnsZone"]


def test_arrays_past_the_size_limit_are_unknown() -> None:
    assert evaluate(f"length(map(range(0, {MAX_ITEMS}), lambda('i', 'x')))") == MAX_ITEMS
    assert isinstance(evaluate(f"range(0, {MAX_ITEMS + 1})"), Unknown)


def test_a_lambda_loop_over_the_budget_leaves_the_file_unanalysed(tmp_path: Path) -> None:
    template = v2(
        {"scope": scope_body(settings="[reduce(range(0, 10000), 0, lambda('a', 'b', length(range(0, 10000))))]")}
    )
    result = parse(tmp_path, template, max_steps=20_000)
    assert only(result, PrivateLinkScope) == []
    assert [u.kind for u in only(result, UnresolvedResource)] == ["*"]
    # 10,000 ranges of 10,000 items: the size budget runs out before the 20,000 steps do
    assert any(n.message.startswith("evaluation size limit reached") for n in result.notes)


def test_a_child_with_an_unknown_name_finds_its_parent_by_the_same_written_name(tmp_path: Path) -> None:
    template = v2(
        {
            "zone": {
                "existing": True,
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2020-06-01",
                "name": "[parameters('zoneName')]",
            },
            "otherZone": {
                "type": "Microsoft.Network/privateDnsZones",
                "apiVersion": "2020-06-01",
                "name": "[parameters('otherName')]",
            },
            "link": {
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                "apiVersion": "2024-06-01",
                "name": "[format('{0}/{1}', parameters('zoneName'), parameters('name'))]",
                "properties": {"virtualNetwork": {"id": "[parameters('vnetId')]"}},
            },
            "stray": {
                "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                "apiVersion": "2024-06-01",
                "name": "[format('{0}/{1}', parameters('thirdName'), parameters('name'))]",
                "properties": {"virtualNetwork": {"id": "[parameters('vnetId')]"}},
            },
        },
        parameters={name: {"type": "string"} for name in ("zoneName", "otherName", "thirdName", "name", "vnetId")},
    )
    result = parse(tmp_path, template)
    zones = {z.address: z for z in only(result, PrivateDnsZone)}
    links = {link.address.split("/[format('{0}/{1}', ")[1]: link for link in only(result, DnsZoneVnetLink)}
    zone = zones["Microsoft.Network/privateDnsZones/[parameters('zoneName')]"]
    link = links["parameters('zoneName'), parameters('name'))]"]
    assert isinstance(link.zone, Ref) and link.zone.key == zone.key
    stray = links["parameters('thirdName'), parameters('name'))]"]
    assert isinstance(stray.zone, Unknown)


def test_a_deployment_not_analysed_counts_only_for_what_its_inline_template_declares(tmp_path: Path) -> None:
    def deployment(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "copy": {"name": "d", "count": "[length(parameters('items'))]"},
            "type": "Microsoft.Resources/deployments",
            "apiVersion": "2025-04-01",
            "name": "[format('d-{0}', copyIndex())]",
            "properties": {"mode": "Incremental", **properties},
        }

    storage = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "sa"}
    zone = {"type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "z.example"}
    template = v2(
        {
            "inlineStorage": deployment({"template": v2({"sa": storage})}),
            "inlineZone": deployment({"template": v2({"zone": zone})}),
            "linked": deployment({"templateLink": {"uri": "https://example.com/t.json"}}),
        },
        parameters={"items": {"type": "array"}},
    )
    kinds = sorted(u.kind for u in only(parse(tmp_path, template), UnresolvedResource))
    assert kinds == ["*", "PrivateDnsZone"]


def test_an_existing_resource_not_analysed_counts_only_when_it_would_be_an_entity(tmp_path: Path) -> None:
    def existing(arm_type: str) -> dict[str, Any]:
        return {
            "condition": "[parameters('flag')]",
            "existing": True,
            "type": arm_type,
            "apiVersion": "2023-04-01",
            "name": "x",
        }

    template = v2(
        {"pe": existing("Microsoft.Network/privateEndpoints"), "zone": existing("Microsoft.Network/privateDnsZones")},
        parameters={"flag": {"type": "bool"}},
    )
    kinds = [u.kind for u in only(parse(tmp_path, template), UnresolvedResource)]
    assert kinds == ["PrivateDnsZone"]


def test_a_nested_template_held_in_a_variable_is_walked(tmp_path: Path) -> None:
    # Bicep writes `template: loadJsonContent('scope.json')` as a variable holding the template
    held = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [scope_body("ampls-held")]}
    template = v2(
        {
            "module": {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2025-04-01",
                "name": "module",
                "properties": {"mode": "Incremental", "template": "[variables('$fxv#0')]"},
            }
        },
        variables={"$fxv#0": held},
    )
    result = parse(tmp_path, template)
    assert [s.name for s in only(result, PrivateLinkScope)] == ["ampls-held"]
    assert only(result, UnresolvedResource) == []


def _module(name: str, inner: dict[str, Any], parameters: dict[str, Any], copy: Any = None) -> dict[str, Any]:
    return {
        **({"copy": copy} if copy else {}),
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2025-04-01",
        "name": name,
        "properties": {
            "expressionEvaluationOptions": {"scope": "inner"},
            "mode": "Incremental",
            "parameters": parameters,
            "template": inner,
        },
    }


WORKSPACE_MODULE = v2(
    {
        "workspace": {
            "type": "Microsoft.OperationalInsights/workspaces",
            "apiVersion": "2023-09-01",
            "name": "[parameters('name')]",
            "properties": {"publicNetworkAccessForIngestion": "Enabled"},
        }
    },
    parameters={"name": {"type": "string"}},
    outputs={
        "resourceId": {
            "type": "string",
            "value": "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('name'))]",
        },
        "names": {"type": "array", "copy": {"count": 2, "input": "[format('n{0}', copyIndex())]"}},
    },
)


def _link(target: str) -> dict[str, Any]:
    return {
        "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
        "apiVersion": "2021-07-01-preview",
        "name": "ampls/law",
        "properties": {"linkedResourceId": target},
    }


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("[reference('workspaceModule').outputs.resourceId.value]", "law-1"),
        ("[reference('workspaceModule', '2025-04-01', 'full').properties.outputs.resourceId.value]", "law-1"),
        (
            "[reference(resourceId('Microsoft.Resources/deployments', 'law-module'), '2022-09-01')"
            ".outputs.resourceId.value]",
            "law-1",
        ),
        ("[reference(format('workspaces[{0}]', 0)).outputs.resourceId.value]", "law-2"),
    ],
)
def test_a_nested_deployment_output_is_read_through_reference(tmp_path: Path, target: str, expected: str) -> None:
    template = v2(
        {
            "workspaceModule": _module("law-module", WORKSPACE_MODULE, {"name": {"value": "law-1"}}),
            "workspaces": _module(
                "[format('law-loop-{0}', copyIndex())]",
                WORKSPACE_MODULE,
                {"name": {"value": "law-2"}},
                copy={"name": "workspaces", "count": 1},
            ),
            "scope": scope_body(),
            "link": _link(target),
        }
    )
    result = parse(tmp_path, template)
    (link,) = only(result, ScopedLink)
    workspaces = only(result, MonitorResource)
    assert isinstance(link.linked_resource, Ref)
    assert link.linked_resource.key == next(w.key for w in workspaces if w.name == expected)


def test_what_reference_cannot_know_stays_unknown(tmp_path: Path) -> None:
    outputs_loop = "[reference('workspaceModule').outputs.names.value[1]]"
    template = v2(
        {
            "workspaceModule": _module("law-module", WORKSPACE_MODULE, {"name": {"value": "law-1"}}),
            "scope": scope_body(),
            "a": _link("[reference('scope').id]"),  # a resource's runtime state
            "b": {**_link("[reference('workspaceModule').outputs.missing.value]"), "name": "ampls/b"},
            "c": {**_link(outputs_loop), "name": "ampls/c"},
        }
    )
    links = {link.name: link for link in only(parse(tmp_path, template), ScopedLink)}
    assert isinstance(links["law"].linked_resource, Unknown)
    assert isinstance(links["b"].linked_resource, Unknown)
    assert links["c"].linked_resource == Unknown("'n1' is not a resource id")


def test_deployments_referring_to_each_other_stay_unknown(tmp_path: Path) -> None:
    looping = v2(
        {}, parameters={"x": {"type": "string"}}, outputs={"id": {"type": "string", "value": "[parameters('x')]"}}
    )
    template = v2(
        {
            "first": _module("first", looping, {"x": {"value": "[reference('second').outputs.id.value]"}}),
            "second": _module("second", looping, {"x": {"value": "[reference('first').outputs.id.value]"}}),
            "scope": scope_body(),
            "link": _link("[reference('first').outputs.id.value]"),
        }
    )
    (link,) = only(parse(tmp_path, template), ScopedLink)
    assert isinstance(link.linked_resource, Unknown)


def test_an_existing_view_of_a_deployed_resource_is_that_resource(tmp_path: Path) -> None:
    zone = {
        "type": "Microsoft.Network/privateDnsZones",
        "apiVersion": "2020-06-01",
        "name": "privatelink.monitor.azure.com",
    }
    link = {
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "apiVersion": "2024-06-01",
        "name": "privatelink.monitor.azure.com/hub",
        "properties": {"virtualNetwork": {"id": "[resourceId('Microsoft.Network/virtualNetworks', 'hub')]"}},
    }
    inner = v2({"zone": {**zone, "existing": True}, "link": link})
    template = v2({"zone": zone, "links": _module("links", inner, {})})
    result = parse(tmp_path, template)
    deployed = next(z for z in only(result, PrivateDnsZone) if not z.external)
    (made,) = only(result, DnsZoneVnetLink)
    assert isinstance(made.zone, Ref) and made.zone.key == deployed.key


def test_reference_finds_a_deployment_whose_name_is_unknown_by_its_written_name(tmp_path: Path) -> None:
    # what Bicep writes when it compiles to languageVersion 1.0: resources in an array, module
    # names built with uniqueString(), outputs read through the deployment's resource id
    name = "[format('{0}-law', uniqueString(deployment().name))]"
    written = "format('{0}-law', uniqueString(deployment().name))"
    template = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [
            _module(name, WORKSPACE_MODULE, {"name": {"value": "law-1"}}),
            scope_body(),
            _link(
                f"[reference(resourceId('Microsoft.Resources/deployments', {written}), '2022-09-01')"
                ".outputs.resourceId.value]"
            ),
            {
                **_link(
                    "[reference(resourceId('Microsoft.Resources/deployments', format('{0}-other', "
                    "uniqueString(deployment().name))), '2022-09-01').outputs.resourceId.value]"
                ),
                "name": "ampls/other",
            },
        ],
    }
    result = parse(tmp_path, template)
    links = {link.name: link for link in only(result, ScopedLink)}
    (workspace,) = only(result, MonitorResource)
    assert isinstance(links["law"].linked_resource, Ref) and links["law"].linked_resource.key == workspace.key
    assert isinstance(links["other"].linked_resource, Unknown)  # no deployment is written so


def test_extension_and_import_resources_are_read_past(tmp_path: Path) -> None:
    # Bicep `extension microsoftGraph` and the older `import 'kubernetes@1.0.0'` compile to
    # resources that are not Resource Manager resources; they hold nothing the checks read
    template = v2(
        {
            "group": {
                "extension": "MicrosoftGraph",
                "type": "Microsoft.Graph/groups@v1.0",
                "properties": {"displayName": "monitoring", "uniqueName": "monitoring"},
            },
            "service": {"import": "kubernetes", "type": "core/Service@v1", "properties": {"metadata": {"name": "x"}}},
            "scope": scope_body(),
        },
        extensions={"MicrosoftGraph": {"name": "MicrosoftGraph", "version": "1.0"}},
        imports={"kubernetes": {"provider": "Kubernetes", "version": "1.0.0", "config": {"namespace": "default"}}},
    )
    result = parse(tmp_path, template)
    assert result.errors == []
    assert [type(e).__name__ for e in result.entities] == ["PrivateLinkScope"]
