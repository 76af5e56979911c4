"""Specification of `try()` and `can()` in the Terraform evaluator.

Terraform (hcl ext/tryfunc) returns the first argument of `try()` that evaluates without an error:
an index out of range, a missing map key or object attribute, an attribute or index of null, a
type error are errors `try()` moves past. An argument that depends on a value unknown to the
scanner makes the result unknown (once known it may succeed or fail), never the fallback. `can()`
is false on an error, true on a value, unknown on an unknown. The module shapes below are the
ones Azure Verified Modules write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ampls_checks.model import Unknown
from ampls_checks.parsers.terraform.evaluate import Budget, Evaluator, Failed
from ampls_checks.parsers.terraform.hcl_syntax import parse_hcl
from ampls_checks.scan import ScanOptions, scan

from .test_terraform_eval import attribute_of, evaluate, module

UNSET = Unknown("set at plan time")


@pytest.mark.parametrize(
    ("endpoints", "expected"),
    [
        ("[]", None),  # index 0 out of range: the fallback
        ('[{ subnet_id = "snet-a" }]', "snet-a"),
        ("[{}]", None),  # the attribute is missing
        ("{}", None),  # a map has no key "0"
        ("null", None),  # indexing null is an error too
    ],
)
def test_try_moves_past_an_index_or_attribute_error(endpoints: str, expected: Any) -> None:
    instance = module(
        f'variable "private_endpoints" {{\n  default = {endpoints}\n}}\n'
        "locals {\n  subnet = try(var.private_endpoints[0].subnet_id, null)\n}\n"
    )
    assert instance.local("subnet") == expected


def test_try_of_an_unset_variable_is_unknown_not_the_fallback() -> None:
    instance = module(
        'variable "private_endpoints" {}\nlocals {\n  subnet = try(var.private_endpoints[0].subnet_id, null)\n}\n'
    )
    value = instance.local("subnet")
    assert isinstance(value, Unknown) and not isinstance(value, Failed)


def test_try_on_each_value_takes_the_fallback_for_a_missing_attribute_only() -> None:
    instance = module(
        'variable "private_endpoints" {\n'
        "  default = {\n"
        '    named   = { private_dns_zone_group_name = "zg-ampls" }\n'
        "    unnamed = {}\n"
        "  }\n"
        "}\n"
        'resource "azurerm_private_endpoint" "this" {\n'
        "  for_each = var.private_endpoints\n"
        '  name     = try(each.value.private_dns_zone_group_name, "default")\n'
        "}\n"
    )
    instances = instance.resource_value("resource", "azurerm_private_endpoint", "this")
    assert attribute_of(instances["named"], "name") == "zg-ampls"
    assert attribute_of(instances["unnamed"], "name") == "default"


def test_try_on_an_optional_attribute_of_a_typed_variable_is_null_not_the_fallback() -> None:
    # Terraform converts the value to the declared type: an optional attribute left out is null,
    # which is a value, so try() returns it.
    instance = module(
        'variable "pe" {\n'
        "  type    = object({ private_dns_zone_group_name = optional(string) })\n"
        "  default = {}\n"
        "}\n"
        'locals {\n  name = try(var.pe.private_dns_zone_group_name, "default")\n}\n'
    )
    assert instance.local("name") is None


def test_try_of_a_missing_map_key_takes_the_fallback() -> None:
    instance = module('locals {\n  map = { hub = ["z1"] }\n  ids = try(local.map["missing"], {})\n}\n')
    assert instance.local("ids") == {}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('try(local.s.name, "d")', "d"),  # a string has no attributes
        ('try(local.s[0], "d")', "d"),  # nor indexes
        ('try(local.n.name, "d")', "d"),
        ('try(local.l.name, "d")', "d"),  # a list has no attributes
        ('try("x${local.l}", "d")', "d"),  # a list in a string
        ('try("x${local.z}", "d")', "d"),  # null in a string
        ('try(local.l["x"], "d")', "d"),  # a list index that is not a number
        ('try(toset(local.l)[0], "d")', "d"),  # a set has no index
        ('try(true + 1, "d")', "d"),
        ('try(local.n ? 1 : 2, "d")', "d"),  # a number is not a bool
        ('try([local.l[9]], ["d"])', ["d"]),  # an error inside a tuple fails the tuple
        ("try({ a = local.l[9] }, {})", {}),
        ('try(lower(local.l[9]), "d")', "d"),
        ("try(tostring(local.z), 1)", None),  # tostring(null) is null, not an error
        ('try(local.l[0], "d")', "a"),
        ('try(local.l[9], local.l[8], "d")', "d"),
    ],
)
def test_try_moves_past_type_errors(expression: str, expected: Any) -> None:
    got = evaluate(expression, local={"s": "text", "n": 3, "l": ["a"], "z": None})
    assert got == expected


@pytest.mark.parametrize(
    "expression",
    [
        'try(var.unset, "d")',
        'try(var.unset.name, "d")',
        'try(local.l[var.unset], "d")',  # which index is unknown
        "try({ a = var.unset }, {})",  # a value holding an unknown: Terraform waits for it
        'try(upper(var.unset), "d")',
        'try(regex("a", "a"), "d")',  # a function the scanner does not evaluate
    ],
)
def test_try_whose_first_working_argument_is_unknown_is_unknown(expression: str) -> None:
    got = evaluate(expression, local={"l": ["a"]}, var={"unset": UNSET})
    assert isinstance(got, Unknown) and not isinstance(got, Failed), got


@pytest.mark.parametrize(
    "expression",
    [
        '"${var.unset}-${local.l[9]}"',
        "var.unset == local.l[9]",
        'format("%s%s", var.unset, local.l[9])',
    ],
)
def test_an_error_wins_over_an_unknown(expression: str) -> None:
    # Terraform evaluates every operand and reports the error: the whole expression fails.
    got = evaluate(f'try({expression}, "d")', local={"l": ["a"]}, var={"unset": UNSET})
    assert got == "d"


def test_try_with_every_argument_failing_fails() -> None:
    assert isinstance(evaluate("try(local.l[9], local.l[8])", local={"l": []}), Failed)


def test_try_does_not_evaluate_arguments_after_the_first_that_works() -> None:
    calls: list[str] = []

    def root(name: str) -> Any:
        calls.append(name)
        return {"a": "x"}

    body = parse_hcl("value = try(local.a, var.b)\n")
    assert Evaluator(root, Budget(1000)).eval(body.attributes["value"].expr) == "x"
    assert calls == ["local"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("can(local.l[0])", True),
        ("can(local.l[9])", False),
        ('can(local.m["missing"])', False),
        ("can(local.m.hub)", True),
        ("can(local.z.name)", False),
        ("can([local.l[9]])", False),
    ],
)
def test_can_is_false_on_an_error_and_true_on_a_value(expression: str, expected: bool) -> None:
    assert evaluate(expression, local={"l": ["a"], "m": {"hub": 1}, "z": None}) is expected


@pytest.mark.parametrize("expression", ["can(var.unset)", "can(var.unset.name)", "can({ a = var.unset })"])
def test_can_of_an_unknown_is_unknown(expression: str) -> None:
    assert isinstance(evaluate(expression, var={"unset": UNSET}), Unknown)


def test_try_in_a_loop_over_a_large_value_stays_within_the_budget() -> None:
    # try() walks its value to look for errors: each call pays for that walk.
    instance = module(
        "locals {\n  big = [for i in range(5000) : { a = i }]\n"
        "  all = [for i in range(5000) : try(local.big, [])]\n}\n",
        steps=50_000,
    )
    assert isinstance(instance.local("all"), Unknown)


# ---------------------------------------------------------------------------------------------
# Through a scan: the fallback decides a finding only when the first argument really fails
# ---------------------------------------------------------------------------------------------

SCOPE = """
variable "ampls" {{
  {declaration}
}}

resource "azurerm_monitor_private_link_scope" "this" {{
  name                  = "ampls-hub"
  resource_group_name   = "rg-monitoring"
  ingestion_access_mode = try(var.ampls.ingestion_access_mode, "Open")
  query_access_mode     = "PrivateOnly"
}}
"""


@pytest.mark.parametrize(
    ("declaration", "expected"),
    [
        ("default = null", [("CKV_AMPLS_1", "main.tf", 9)]),  # .x of null fails: "Open"
        ('default = { ingestion_access_mode = "PrivateOnly" }', []),
        ("default = {}", [("CKV_AMPLS_1", "main.tf", 9)]),
        ("type = any", []),  # set at plan time: unknown, never the fallback
    ],
)
def test_a_scan_reports_the_try_fallback_only_when_the_first_argument_fails(
    tmp_path: Path, in_dir: Any, declaration: str, expected: list[tuple[str, str, int]]
) -> None:
    (tmp_path / "main.tf").write_text(SCOPE.format(declaration=declaration))
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    got = [(f.check_id, f.file, f.start_line) for f in report.findings if f.check_id == "CKV_AMPLS_1"]
    assert got == expected
