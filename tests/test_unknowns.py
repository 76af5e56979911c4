"""Unknown is never a finding: what the scanner could not see (a module call it did not follow,
a file it could not parse, a zone group whose endpoint it cannot name) makes the checks about
something missing silent in that deployment, and `--verbose` says why.

Each fixture below would otherwise be reported: a scope whose endpoint the scanner cannot see
(CKV_AMPLS_13), an endpoint whose zone group it cannot attach (CKV_AMPLS_5).
"""

from __future__ import annotations

from typing import Any

import pytest

from ampls_checks.cli import main

from .conftest import FIXTURES, REPO

UNKNOWNS = FIXTURES / "terraform_forms" / "unknowns"


@pytest.fixture
def run(in_dir: Any, capsys: pytest.CaptureFixture[str]) -> Any:
    def scan(*args: str) -> tuple[int, str, str]:
        in_dir(REPO)
        code = main([*args, "--no-cache"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return scan


def _findings(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": CKV_AMPLS_" in line]


def test_a_registry_module_may_create_the_endpoint(run: Any) -> None:
    code, out, err = run("tests/fixtures/terraform_forms/unknowns/registry_module", "--verbose")
    assert (code, _findings(out)) == (0, [])
    assert err.splitlines() == [
        "tests/fixtures/terraform_forms/unknowns/registry_module/main.tf:25: unknown: module.endpoint: module call "
        'not followed: source "Azure/avm-res-network-privateendpoint/azurerm" is a registry or remote module, '
        "which is not downloaded"
    ]


def test_a_module_count_that_cannot_be_evaluated_may_create_the_endpoint(run: Any) -> None:
    code, out, err = run("tests/fixtures/terraform_forms/unknowns/unresolved_count", "--verbose")
    assert (code, _findings(out)) == (0, [])
    assert (
        "tests/fixtures/terraform_forms/unknowns/unresolved_count/main.tf:29: unknown: module.endpoint: module call "
        "not followed: count is unknown (variable 'endpoints' has no default"
    ) in err


def test_a_callee_file_that_cannot_be_parsed_may_hold_the_endpoint(run: Any) -> None:
    code, out, err = run("tests/fixtures/terraform_forms/unknowns/unparseable_callee", "--verbose")
    broken = "tests/fixtures/terraform_forms/unknowns/unparseable_callee/modules/endpoint/main.tf"
    assert (code, _findings(out)) == (2, [])  # the error is reported, and only the error
    assert f"{broken}:10: error: invalid HCL" in out
    assert err.splitlines() == [
        f"{broken}:10: unknown: file not parsed, so what it declares is unknown: checks about something missing "
        "are silent in tests/fixtures/terraform_forms/unknowns/unparseable_callee"
    ]


def test_a_zone_group_of_an_unknown_endpoint_is_unknown_not_none(run: Any) -> None:
    case = "tests/fixtures/bicep/ckv_ampls_5/good_zone_group_of_unknown_endpoint"
    code, out, err = run(case, "--verbose")
    assert not [line for line in _findings(out) if "CKV_AMPLS_5" in line or "CKV_AMPLS_6" in line]
    assert err.splitlines() == [
        f"{case}/main.bicep:39: unknown: zoneGroup: the endpoint of this zone group cannot be resolved, so checks "
        "about missing zone groups and zones are silent in this deployment"
    ]


def _located(out: str) -> set[tuple[str, str]]:
    """(file:line, check id) of each finding."""
    found = set()
    for line in _findings(out):
        where, _, rest = line.partition(": ")
        found.add((where, rest.split(" ", 1)[0]))
    return found


def test_one_file_scanned_alone_reports_nothing_its_directory_scan_lacks(run: Any) -> None:
    """`ampls-checks main.tf` reads the file with the rest of its module (as the hook does), and
    reports only that file: before, the file alone gave four HIGH CKV_AMPLS_15 the directory
    scan does not (its endpoint's zone group is in the module the file calls)."""
    _code, whole, _err = run("examples/terraform")
    _code, alone, _err = run("examples/terraform/main.tf")
    assert _located(alone) <= _located(whole)
    assert _located(alone) == {w for w in _located(whole) if w[0].startswith("examples/terraform/main.tf:")}
    assert _located(alone), "the example's main.tf has a finding of its own"


def test_dns_servers_set_for_an_unknown_network_keep_the_zone_link_check_silent(run: Any) -> None:
    case = "tests/fixtures/terraform/ckv_ampls_7/good_dns_servers_set_apart_unknown_network"
    code, out, err = run(case, "--check", "CKV_AMPLS_7,CKV_AMPLS_23", "--verbose")
    assert (code, _findings(out)) == (0, [])
    assert (
        f"{case}/dns.tf:6: unknown: DNS servers may be set by azurerm_virtual_network_dns_servers.hub, whose "
        "virtual_network_id is unknown"
    ) in err.splitlines()
