"""Specification of the Terraform expression evaluator.

Expressions are parsed with `parse_hcl` and evaluated either by a bare `Evaluator` (top-level
names answered from a dict) or inside a `ModuleInstance` built from inline HCL, which is how the
scanner evaluates real modules: `var.` defaults, `locals`, resources expanded by `count` and
`for_each`, data sources and module calls. Anything the evaluator cannot know must come back as
`Unknown` with a reason, never as a guess, and pathological input must end quickly.
"""

from __future__ import annotations

import builtins
import io
import time
from typing import Any

import pytest

from ampls_checks.model import Unknown
from ampls_checks.parsers.terraform.evaluate import Budget, Evaluator, SymbolicId
from ampls_checks.parsers.terraform.hcl_syntax import HclSyntaxError, Lit, UnaryOp, parse_hcl
from ampls_checks.parsers.terraform.parse import ModuleInstance, ModuleSource, ResourceView, TfFile, parse_tf_file
from ampls_checks.parsers.terraform.resources import load_terraform

ROOT_DIR = "/virtual/root"


def evaluate(expression: str, **roots: Any) -> Any:
    """Evaluate one expression; `var`, `local`... are plain dicts given as keyword arguments."""
    body = parse_hcl(f"value = {expression}\n")
    evaluator = Evaluator(lambda name: roots.get(name, Unknown(f"no root {name!r} in this test")), Budget(100_000))
    return evaluator.eval(body.attributes["value"].expr)


def module(text: str, inputs: dict[str, Any] | None = None, steps: int = 200_000) -> ModuleInstance:
    """A root module instance of one file holding `text`; `inputs` play the role of tfvars."""
    tf_file = TfFile(f"{ROOT_DIR}/main.tf", "main.tf", parse_hcl(text), text)
    source = ModuleSource(ROOT_DIR)
    source.add(tf_file)
    return ModuleInstance(source, "", "root", inputs or {}, lambda _directory: None, (ROOT_DIR,), steps)


def attribute_of(instance: Any, attribute: str) -> Any:
    assert isinstance(instance, ResourceView), instance
    return instance.value(attribute)


def reason(value: Any) -> str:
    assert isinstance(value, Unknown), f"expected Unknown, got {value!r}"
    return value.reason


# ---------------------------------------------------------------------------------------------
# Literals and templates
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"text"', "text"),
        ("42", 42),
        ("1.5", 1.5),
        ("-3", -3),
        ("true", True),
        ("false", False),
        ("null", None),
        ('["a", 1, true]', ["a", 1, True]),
        ('{ name = "law", "dash-key" = 2 }', {"name": "law", "dash-key": 2}),
        (r'"say \"hi\"\n"', 'say "hi"\n'),
        ('"$${not.interpolated}"', "${not.interpolated}"),
    ],
)
def test_literals_evaluate_to_their_values(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_template_interpolates_a_variable() -> None:
    assert evaluate('"a-${var.x}"', var={"x": "b"}) == "a-b"


def test_template_turns_numbers_and_bools_into_text() -> None:
    assert evaluate('"${var.n}-${var.flag}"', var={"n": 3, "flag": True}) == "3-true"


def test_a_lone_interpolation_keeps_the_type_of_its_value() -> None:
    assert evaluate('"${var.zones}"', var={"zones": ["a", "b"]}) == ["a", "b"]


def test_template_with_an_unknown_part_is_unknown() -> None:
    assert "cidr" in reason(evaluate('"pe-${var.cidr}"', var={"cidr": Unknown("cidr not given")}))


def test_template_directives_are_unknown_not_rendered() -> None:
    assert isinstance(evaluate('"%{if true}PrivateOnly%{endif}"'), Unknown)


def test_heredoc_without_interpolation_is_a_string() -> None:
    assert evaluate("<<-EOT\n    PrivateOnly\n    EOT") == "PrivateOnly\n"


# ---------------------------------------------------------------------------------------------
# Variables and locals
# ---------------------------------------------------------------------------------------------


def test_variable_default_is_used_when_nothing_sets_it() -> None:
    instance = module('variable "mode" {\n  default = "PrivateOnly"\n}\nlocals {\n  m = var.mode\n}\n')
    assert instance.local("m") == "PrivateOnly"


def test_a_tfvars_value_wins_over_the_default() -> None:
    instance = module(
        'variable "mode" {\n  default = "Open"\n}\nlocals {\n  m = var.mode\n}\n', {"mode": "PrivateOnly"}
    )
    assert instance.local("m") == "PrivateOnly"


def test_variable_without_default_or_value_is_unknown() -> None:
    instance = module('variable "mode" {\n  type = string\n}\nlocals {\n  m = var.mode\n}\n')
    assert "no default" in reason(instance.local("m"))


def test_undeclared_variable_is_unknown() -> None:
    instance = module("locals {\n  m = var.nowhere\n}\n")
    assert "not declared" in reason(instance.local("m"))


def test_optional_attribute_defaults_of_an_object_variable_are_filled() -> None:
    instance = module(
        'variable "scope" {\n'
        '  type = object({\n    name = string\n    mode = optional(string, "PrivateOnly")\n  })\n'
        '  default = { name = "ampls" }\n}\n'
    )
    assert instance.variable("scope") == {"name": "ampls", "mode": "PrivateOnly"}


def test_locals_chain_through_each_other_and_variables() -> None:
    instance = module(
        'variable "env" {\n  default = "prod"\n}\n'
        "locals {\n"
        '  prefix = "mon-${var.env}"\n'
        '  scope  = "${local.prefix}-ampls"\n'
        "  names  = [local.scope, upper(local.prefix)]\n"
        "}\n"
    )
    assert instance.local("names") == ["mon-prod-ampls", "MON-PROD"]


def test_a_local_that_refers_to_itself_is_unknown_and_ends_at_once() -> None:
    instance = module("locals {\n  a = local.a\n}\n")
    started = time.perf_counter()
    assert "itself" in reason(instance.local("a"))
    assert time.perf_counter() - started < 1


def test_locals_that_refer_to_each_other_are_unknown() -> None:
    instance = module('locals {\n  a = "${local.b}-x"\n  b = local.a\n}\n')
    assert isinstance(instance.local("a"), Unknown)
    assert isinstance(instance.local("b"), Unknown)


def test_undeclared_local_is_unknown() -> None:
    instance = module("locals {\n  a = local.missing\n}\n")
    assert "not declared" in reason(instance.local("a"))


# ---------------------------------------------------------------------------------------------
# count, for_each, indexing and splats
# ---------------------------------------------------------------------------------------------

ZONES_BY_COUNT = """
variable "zones" {
  default = ["privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com"]
}
resource "azurerm_private_dns_zone" "z" {
  count               = length(var.zones)
  name                = var.zones[count.index]
  resource_group_name = "rg-${count.index}"
}
"""


def test_count_makes_one_instance_per_index_with_count_index() -> None:
    instances = module(ZONES_BY_COUNT).resource_value("resource", "azurerm_private_dns_zone", "z")
    assert [i.address for i in instances] == ["azurerm_private_dns_zone.z[0]", "azurerm_private_dns_zone.z[1]"]
    assert [attribute_of(i, "resource_group_name") for i in instances] == ["rg-0", "rg-1"]


def test_indexing_a_list_with_count_index() -> None:
    instances = module(ZONES_BY_COUNT).resource_value("resource", "azurerm_private_dns_zone", "z")
    assert [attribute_of(i, "name") for i in instances] == [
        "privatelink.monitor.azure.com",
        "privatelink.oms.opinsights.azure.com",
    ]


def test_splat_of_a_counted_resource_gives_every_instance_id() -> None:
    instance = module(ZONES_BY_COUNT + "locals {\n  ids = azurerm_private_dns_zone.z[*].id\n}\n")
    assert instance.local("ids") == [
        SymbolicId("tf:root:azurerm_private_dns_zone.z[0]"),
        SymbolicId("tf:root:azurerm_private_dns_zone.z[1]"),
    ]


def test_legacy_attribute_splat_is_the_same_as_the_full_splat() -> None:
    instance = module(ZONES_BY_COUNT + "locals {\n  ids = azurerm_private_dns_zone.z.*.id\n}\n")
    assert instance.local("ids") == [
        SymbolicId("tf:root:azurerm_private_dns_zone.z[0]"),
        SymbolicId("tf:root:azurerm_private_dns_zone.z[1]"),
    ]


def test_indexing_a_counted_resource_picks_one_instance() -> None:
    instance = module(ZONES_BY_COUNT + "locals {\n  second = azurerm_private_dns_zone.z[1].name\n}\n")
    assert instance.local("second") == "privatelink.oms.opinsights.azure.com"


ZONES_BY_FOR_EACH = """
locals {
  groups = {
    monitor = "rg-dns-monitor"
    oms     = "rg-dns-oms"
  }
}
resource "azurerm_private_dns_zone" "m" {
  for_each            = toset(["oms", "monitor"])
  name                = "privatelink.${each.key}.example"
  resource_group_name = local.groups[each.key]
  tags                = { value = each.value }
}
"""


def test_for_each_over_a_set_keys_instances_by_element_in_lexical_order() -> None:
    instances = module(ZONES_BY_FOR_EACH).resource_value("resource", "azurerm_private_dns_zone", "m")
    assert list(instances) == ["monitor", "oms"]
    assert instances["oms"].address == 'azurerm_private_dns_zone.m["oms"]'
    assert attribute_of(instances["oms"], "name") == "privatelink.oms.example"
    assert attribute_of(instances["oms"], "tags") == {"value": "oms"}


def test_indexing_a_map_with_each_key() -> None:
    instances = module(ZONES_BY_FOR_EACH).resource_value("resource", "azurerm_private_dns_zone", "m")
    assert attribute_of(instances["monitor"], "resource_group_name") == "rg-dns-monitor"


def test_for_each_over_a_map_of_objects_gives_each_value_attributes() -> None:
    instance = module(
        "locals {\n"
        "  scopes = {\n"
        '    hub   = { mode = "PrivateOnly" }\n'
        '    spoke = { mode = "Open" }\n'
        "  }\n"
        "}\n"
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        "  for_each              = local.scopes\n"
        '  name                  = "ampls-${each.key}"\n'
        "  ingestion_access_mode = each.value.mode\n"
        "}\n"
    )
    instances = instance.resource_value("resource", "azurerm_monitor_private_link_scope", "s")
    assert {k: attribute_of(v, "ingestion_access_mode") for k, v in instances.items()} == {
        "hub": "PrivateOnly",
        "spoke": "Open",
    }
    assert attribute_of(instances["spoke"], "name") == "ampls-spoke"


def test_values_of_a_for_each_resource_splat_to_ids_in_key_order() -> None:
    instance = module(ZONES_BY_FOR_EACH + "locals {\n  ids = values(azurerm_private_dns_zone.m)[*].id\n}\n")
    assert instance.local("ids") == [
        SymbolicId('tf:root:azurerm_private_dns_zone.m["monitor"]'),
        SymbolicId('tf:root:azurerm_private_dns_zone.m["oms"]'),
    ]


def test_for_each_over_another_resource_sees_its_instances() -> None:
    instance = module(
        ZONES_BY_FOR_EACH + 'resource "azurerm_private_dns_zone_virtual_network_link" "l" {\n'
        "  for_each              = azurerm_private_dns_zone.m\n"
        "  private_dns_zone_name = each.value.name\n"
        "}\n"
    )
    links = instance.resource_value("resource", "azurerm_private_dns_zone_virtual_network_link", "l")
    assert {k: attribute_of(v, "private_dns_zone_name") for k, v in links.items()} == {
        "monitor": "privatelink.monitor.example",
        "oms": "privatelink.oms.example",
    }


def test_splat_of_plain_values() -> None:
    objects = [{"id": "a"}, {"id": "b"}]
    assert evaluate("var.things[*].id", var={"things": objects}) == ["a", "b"]
    assert evaluate("var.things.*.id", var={"things": objects}) == ["a", "b"]


def test_splat_of_null_is_empty_and_of_a_single_object_is_a_one_element_list() -> None:
    assert evaluate("var.nothing[*].id", var={"nothing": None}) == []
    assert evaluate("var.one[*].id", var={"one": {"id": "x"}}) == ["x"]


def test_index_out_of_range_and_missing_key_are_unknown() -> None:
    assert "out of range" in reason(evaluate("[1, 2][5]"))
    assert "not found" in reason(evaluate('{ a = 1 }["b"]'))


def test_count_of_a_million_is_unknown_in_bounded_time() -> None:
    started = time.perf_counter()
    value = module('resource "azurerm_private_dns_zone" "z" {\n  count = 1000000\n  name = "z"\n}\n').resource_value(
        "resource", "azurerm_private_dns_zone", "z"
    )
    assert time.perf_counter() - started < 2
    assert "over the evaluation limit" in reason(value)


def test_for_each_over_a_million_elements_is_unknown_in_bounded_time() -> None:
    instance = module(
        'resource "azurerm_private_dns_zone" "z" {\n'
        "  for_each = toset([for i in range(1000000) : tostring(i)])\n"
        "  name     = each.key\n"
        "}\n",
        steps=50_000,
    )
    started = time.perf_counter()
    value = instance.resource_value("resource", "azurerm_private_dns_zone", "z")
    assert time.perf_counter() - started < 5
    assert isinstance(value, Unknown)


def test_unknown_count_is_unknown_not_one_instance() -> None:
    value = module('resource "azurerm_private_dns_zone" "z" {\n  count = var.n\n}\n').resource_value(
        "resource", "azurerm_private_dns_zone", "z"
    )
    assert "count is unknown" in reason(value)


def test_fractional_count_is_not_a_number_of_instances() -> None:
    # Terraform rejects `count = 2.5` ("must be a whole number"); two instances are a guess.
    value = module('resource "azurerm_private_dns_zone" "z" {\n  count = 2.5\n}\n').resource_value(
        "resource", "azurerm_private_dns_zone", "z"
    )
    assert isinstance(value, Unknown)


# ---------------------------------------------------------------------------------------------
# for expressions and conditionals
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('[for s in ["a", "b", "c"] : upper(s)]', ["A", "B", "C"]),
        ('[for s in ["a", "b", "c"] : s if s != "b"]', ["a", "c"]),
        ('[for i, s in ["a", "b"] : "${i}=${s}"]', ["0=a", "1=b"]),
        ('{for s in ["a", "b"] : s => upper(s)}', {"a": "A", "b": "B"}),
        ("{for k, v in { b = 2, a = 1 } : k => v * 10 if v > 1}", {"b": 20}),
        ("[for k, v in { b = 2, a = 1 } : k]", ["a", "b"]),
        ('{for s in ["x", "yy", "zz"] : length(s) => s...}', {"1": ["x"], "2": ["yy", "zz"]}),
        ("[for row in [[1, 2], [3]] : [for n in row : n * 2]]", [[2, 4], [6]]),
    ],
)
def test_for_expressions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_for_expression_over_an_unknown_collection_is_unknown() -> None:
    assert isinstance(evaluate("[for z in var.zones : z]", var={"zones": Unknown("zones not given")}), Unknown)


def test_for_expression_with_an_unknown_condition_is_unknown() -> None:
    assert isinstance(evaluate('[for z in ["a"] : z if z == var.pick]', var={"pick": Unknown("no pick")}), Unknown)


def test_for_expression_over_a_set_binds_the_element_as_key() -> None:
    # Terraform iterates a set as (element, element): there is no index (go-cty setElementIterator).
    assert evaluate('{for k, v in toset(["b", "a"]) : k => v}') == {"a": "a", "b": "b"}


def test_dynamic_block_over_a_set_binds_the_element_as_key() -> None:
    text = (
        'resource "azurerm_private_endpoint" "pe" {\n'
        '  dynamic "private_dns_zone_group" {\n'
        '    for_each = toset(["ampls"])\n'
        "    content {\n"
        "      name                 = private_dns_zone_group.key\n"
        "      private_dns_zone_ids = []\n"
        "    }\n"
        "  }\n"
        "}\n"
    )
    parsed = parse_tf_file(f"{ROOT_DIR}/main.tf", "main.tf", text)
    [endpoint] = load_terraform([(f"{ROOT_DIR}/main.tf", "main.tf", parsed)]).entities
    assert [group.name for group in endpoint.zone_groups] == ["ampls"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('true ? "PrivateOnly" : "Open"', "PrivateOnly"),
        ('false ? "PrivateOnly" : "Open"', "Open"),
        ('var.env == "prod" ? "PrivateOnly" : "Open"', "PrivateOnly"),
        ('var.env != "prod" && var.missing ? "x" : "Open"', "Open"),
        ('length(var.zones) > 1 ? "many" : "one"', "many"),
    ],
)
def test_conditionals(expression: str, expected: Any) -> None:
    assert evaluate(expression, var={"env": "prod", "zones": ["a", "b"], "missing": Unknown("m")}) == expected


@pytest.mark.parametrize(
    "expression",
    [
        'contains(["prod", var.extra], "dev") ? "Open" : "PrivateOnly"',
        '["prod", var.extra] == ["prod", "dev"] ? "Open" : "PrivateOnly"',
        '{ env = var.extra } == { env = "dev" } ? "Open" : "PrivateOnly"',
    ],
    ids=["contains", "list_equality", "object_equality"],
)
def test_a_collection_holding_an_unknown_does_not_decide_a_condition(expression: str) -> None:
    assert isinstance(evaluate(expression, var={"extra": Unknown("extra not given")}), Unknown)


def test_conditional_on_an_unknown_is_unknown_not_either_branch() -> None:
    value = evaluate('var.private ? "PrivateOnly" : "Open"', var={"private": Unknown("private not given")})
    assert "private not given" in reason(value)


# ---------------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ('tolist(toset(["b", "a"]))', ["a", "b"]),
        ('length(["a", "b", "c"])', 3),
        ("length({ a = 1 })", 1),
        ('length("four")', 4),
        ("values({ b = 2, a = 1 })", [1, 2]),
        ("keys({ b = 2, a = 1 })", ["a", "b"]),
        ('concat(["a"], [], ["b", "c"])', ["a", "b", "c"]),
        ('format("%s-%s", "pe", "ampls")', "pe-ampls"),
        ('format("%s-%d", "zone", 3)', "zone-3"),
        ('format("100%%")', "100%"),
        ('replace("privatelink-monitor", "-", ".")', "privatelink.monitor"),
        ('lower("PrivateLink.Monitor.Azure.COM")', "privatelink.monitor.azure.com"),
        ("merge({ a = 1, b = 1 }, { b = 2 }, { c = 3 })", {"a": 1, "b": 2, "c": 3}),
        ('lookup({ hub = "PrivateOnly" }, "hub", "Open")', "PrivateOnly"),
        ('lookup({ hub = "PrivateOnly" }, "spoke", "Open")', "Open"),
        ('try({ a = 1 }.missing, "fallback")', "fallback"),
        ('try("first", "second")', "first"),
        ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ],
)
def test_functions(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


def test_lookup_without_default_of_a_missing_key_is_unknown() -> None:
    assert isinstance(evaluate('lookup({ hub = "x" }, "spoke")'), Unknown)


def test_a_function_with_an_unknown_argument_is_unknown() -> None:
    assert isinstance(evaluate("lower(var.name)", var={"name": Unknown("name not given")}), Unknown)
    assert isinstance(evaluate('merge(var.tags, { a = "b" })', var={"tags": Unknown("tags not given")}), Unknown)


@pytest.mark.parametrize("call", ["timestamp()", "uuid()", 'sha256("x")', 'base64encode("x")', 'regex("a", "a")'])
def test_functions_we_do_not_evaluate_are_unknown_and_name_the_function(call: str) -> None:
    name = call.split("(", 1)[0]
    assert name in reason(evaluate(call))


def test_an_unevaluated_function_makes_its_caller_unknown() -> None:
    assert isinstance(evaluate('format("pe-%s", uuid())'), Unknown)


def test_provider_functions_are_unknown() -> None:
    assert isinstance(evaluate('provider::azurerm::normalise_resource_id("x")'), Unknown)


def test_file_and_templatefile_are_unknown_and_never_open_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the evaluator opened {args[:1]}")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(io, "open", forbidden)
    assert "file" in reason(evaluate('file("/etc/hostname")'))
    assert "templatefile" in reason(evaluate('templatefile("${path.module}/mode.tpl", {})', path={"module": "."}))


def test_format_with_flags_or_width_is_right_or_unknown() -> None:
    value = evaluate('format("pe-%03d", 7)')
    assert value == "pe-007" or isinstance(value, Unknown)


def test_try_of_an_unknown_value_is_unknown_not_the_fallback() -> None:
    # Terraform's try() returns unknown while its argument depends on unknown values (hcl
    # ext/tryfunc): a variable set at plan time is not an error, so "Open" would be a guess.
    instance = module('variable "mode" {\n  type = string\n}\nlocals {\n  m = try(var.mode, "Open")\n}\n')
    assert isinstance(instance.local("m"), Unknown)


# ---------------------------------------------------------------------------------------------
# Things only known at apply time, or outside the scanned files
# ---------------------------------------------------------------------------------------------


def test_a_resource_id_is_symbolic_and_an_unwritten_attribute_is_unknown() -> None:
    instance = module(
        'resource "azurerm_log_analytics_workspace" "w" {\n  name = "law"\n}\n'
        "locals {\n"
        "  id   = azurerm_log_analytics_workspace.w.id\n"
        "  name = azurerm_log_analytics_workspace.w.name\n"
        "  wsid = azurerm_log_analytics_workspace.w.workspace_id\n"
        "}\n"
    )
    assert instance.local("id") == SymbolicId("tf:root:azurerm_log_analytics_workspace.w")
    assert instance.local("name") == "law"
    assert "computed by the provider" in reason(instance.local("wsid"))


def test_a_data_source_computed_attribute_is_unknown() -> None:
    instance = module(
        'data "azurerm_virtual_network" "hub" {\n  name = "vnet-hub"\n}\n'
        "locals {\n  t = data.azurerm_virtual_network.hub.address_space\n}\n"
    )
    assert "address_space" in reason(instance.local("t"))


def test_an_undeclared_data_source_or_resource_is_unknown() -> None:
    instance = module(
        "locals {\n  d = data.azurerm_private_dns_zone.hub.id\n  r = azurerm_private_dns_zone.nowhere.id\n}\n"
    )
    assert "not declared" in reason(instance.local("d"))
    assert "not declared" in reason(instance.local("r"))


def test_a_remote_module_output_is_unknown() -> None:
    instance = module(
        'module "ampls" {\n'
        '  source  = "Azure/avm-res-insights-privatelinkscope/azurerm"\n'
        '  version = "0.1.0"\n'
        "}\n"
        "locals {\n  scope = module.ampls.resource_id\n}\n"
    )
    assert "not a local module" in reason(instance.local("scope"))


def test_terraform_workspace_and_path_are_unknown() -> None:
    instance = module('locals {\n  w = terraform.workspace\n  p = "${path.module}/x"\n}\n')
    assert isinstance(instance.local("w"), Unknown)
    assert isinstance(instance.local("p"), Unknown)


# ---------------------------------------------------------------------------------------------
# Deep nesting: an error or an unknown, never a crash
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 5000 + "1" + ")" * 5000,
        "[" * 5000 + "]" * 5000,
        "{a = " * 5000 + "1" + "}" * 5000,
        "lower(" * 5000 + '"A"' + ")" * 5000,
    ],
    ids=["parentheses", "tuples", "objects", "calls"],
)
def test_expressions_nested_thousands_deep_are_a_syntax_error(expression: str) -> None:
    with pytest.raises(HclSyntaxError, match="nest"):
        parse_hcl(f"x = {expression}\n")


def test_a_deeply_nested_file_is_a_parse_error_naming_the_file() -> None:
    text = "locals {\n  x = " + "(" * 5000 + "1" + ")" * 5000 + "\n}\n"
    parsed = parse_tf_file(f"{ROOT_DIR}/deep.tf", "deep.tf", text)
    result = load_terraform([(f"{ROOT_DIR}/deep.tf", "deep.tf", parsed)])
    assert [(e.file, "nest" in e.message) for e in result.errors] == [("deep.tf", True)]


def test_evaluating_a_tree_deeper_than_the_stack_is_unknown() -> None:
    instance = module("locals {\n  x = 1\n}\n")
    deep: Any = Lit(True)
    for _ in range(100_000):
        deep = UnaryOp("!", deep)
    assert "nested too deeply" in reason(instance.evaluate(deep))


def test_a_long_chain_of_locals_is_a_value_or_unknown_never_an_exception() -> None:
    chain = "".join(f"  v{i} = local.v{i + 1}\n" for i in range(3000))
    instance = module("locals {\n" + chain + '  v3000 = "end"\n}\n', steps=50_000)
    started = time.perf_counter()
    value = instance.local("v0")
    assert time.perf_counter() - started < 5
    assert value == "end" or isinstance(value, Unknown)


@pytest.mark.parametrize(
    "expression",
    ["[1, 2][1e400]", "[1, 2][1e400 - 1e400]", 'element(["a"], 1e400)', 'substr("abc", 0, 1e400)'],
)
def test_an_infinite_or_nan_number_is_unknown_not_an_exception(expression: str) -> None:
    instance = module("locals {\n  x = 1\n}\n")
    value = instance.evaluate(parse_hcl(f"value = {expression}\n").attributes["value"].expr)
    assert isinstance(value, Unknown)


@pytest.mark.parametrize("count", ["1e400", "1e400 - 1e400"], ids=["infinite", "nan"])
def test_an_infinite_or_nan_count_is_unknown(count: str) -> None:
    instance = module(f'resource "azurerm_private_dns_zone" "z" {{\n  count = {count}\n}}\n')
    assert isinstance(instance.resource_value("resource", "azurerm_private_dns_zone", "z"), Unknown)
