"""ARM nested deployments with a `templateLink`: a literal `relativePath` to a template among the
scanned files is deployed as Resource Manager deploys it (its own parameters, given by the
deployment; its resources in the linking template's deployment unit, at their own file and
lines; its outputs what `reference()` of the deployment reads), and that template is not also
read on its own with its defaults. A `uri` is never fetched, and a link that is not followed
(a uri, an expression, a file not scanned, a cycle) leaves the unit with an unfollowed module:
checks about something missing are silent and --verbose names it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ampls_checks.model import PrivateLinkScope, Ref, ScopedLink, UnresolvedResource
from ampls_checks.scan import ScanOptions, scan

from .test_arm_parser import parse, scope_resource, template


def deployment(name: str, link: dict[str, Any], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {"mode": "Incremental", "templateLink": link}
    if parameters is not None:
        properties["parameters"] = parameters
    return {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": name,
        "properties": properties,
    }


MODULE = template(
    [scope_resource(name="ampls-hub", ingestion="[parameters('mode')]")],
    parameters={"mode": {"type": "string", "defaultValue": "PrivateOnly"}},
    outputs={"id": {"type": "string", "value": "[resourceId('Microsoft.Insights/privateLinkScopes', 'ampls-hub')]"}},
)
MODULE_LINES = json.dumps(MODULE, indent=2).split("\n")  # as the tests write it
SCOPE_LINE = MODULE_LINES.index('      "type": "Microsoft.Insights/privateLinkScopes",')  # 1-based: the { above
MODE_LINE = next(i + 1 for i, line in enumerate(MODULE_LINES) if '"ingestionAccessMode"' in line)


def test_a_relative_path_link_deploys_the_linked_template_with_the_parameters_passed(tmp_path: Path) -> None:
    main = template(
        [
            deployment("scope", {"relativePath": "modules/scope.json"}, {"mode": {"value": "Open"}}),
            {
                "type": "Microsoft.Insights/privateLinkScopes/scopedResources",
                "apiVersion": "2021-07-01-preview",
                "name": "ampls-hub/law",
                "properties": {
                    "linkedResourceId": "[reference(resourceId('Microsoft.Resources/deployments', 'scope'))"
                    ".outputs.id.value]"
                },
            },
        ]
    )
    result = parse(tmp_path, {"main.json": main, "modules/scope.json": MODULE})
    assert result.errors == [] and result.notes == []
    (scope,) = [e for e in result.entities if isinstance(e, PrivateLinkScope)]
    assert scope.address == "Microsoft.Resources/deployments/scope.Microsoft.Insights/privateLinkScopes/ampls-hub"
    assert (scope.location.file, scope.location.start_line) == ("modules/scope.json", SCOPE_LINE)
    assert scope.ingestion_access_mode == "Open"  # passed, not the default
    assert scope.unit == "main.json"
    (link,) = [e for e in result.entities if isinstance(e, ScopedLink)]
    assert isinstance(link.linked_resource, Ref) and link.linked_resource.name == "ampls-hub"


def test_a_link_that_is_not_followed_is_an_unfollowed_module_named_by_verbose(tmp_path: Path) -> None:
    links = {
        "uri": {"uri": "https://example.com/t.json"},
        "missing": {"relativePath": "nowhere.json"},
        "expression": {"relativePath": "[concat('mod', 'ule.json')]"},
    }
    main = template([deployment(name, link) for name, link in links.items()])
    result = parse(tmp_path, {"main.json": main})
    assert sorted(e.kind for e in result.entities if isinstance(e, UnresolvedResource)) == ["*", "*", "*"]
    assert sorted(n.message for n in result.notes) == [
        "Microsoft.Resources/deployments/expression: the linked template's relativePath is an expression, "
        "which is not followed; not analysed",
        "Microsoft.Resources/deployments/missing: the linked template 'nowhere.json' is not among the scanned "
        "templates; not analysed",
        "Microsoft.Resources/deployments/uri: the linked template 'https://example.com/t.json' is not fetched; "
        "not analysed",
    ]


def test_templates_linking_each_other_stop(tmp_path: Path) -> None:
    a = template([deployment("to-b", {"relativePath": "b.json"}), scope_resource(name="in-a")])
    b = template([deployment("to-a", {"relativePath": "a.json"}), scope_resource(name="in-b")])
    result = parse(tmp_path, {"a.json": a, "b.json": b})
    names = sorted(e.name for e in result.entities if isinstance(e, PrivateLinkScope))
    assert names == ["in-a", "in-a", "in-b", "in-b"]  # each file on its own, and once through the other
    assert any("links back to itself" in n.message for n in result.notes)


def test_a_linked_template_in_another_directory_is_scanned_with_its_caller(tmp_path: Path, in_dir: Any) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "modules").mkdir()
    main = template([deployment("scope", {"relativePath": "../modules/scope.json"}, {"mode": {"value": "Open"}})])
    (tmp_path / "env" / "main.json").write_text(json.dumps(main, indent=2))
    (tmp_path / "modules" / "scope.json").write_text(json.dumps(MODULE, indent=2))
    in_dir(tmp_path)
    report = scan(["."], ScanOptions())
    assert report.errors == []
    got = sorted((f.check_id, f.file, f.start_line, f.resource) for f in report.findings)
    address = "Microsoft.Resources/deployments/scope.Microsoft.Insights/privateLinkScopes/ampls-hub"
    assert got == [
        ("CKV_AMPLS_1", "modules/scope.json", MODE_LINE, address),
        ("CKV_AMPLS_13", "modules/scope.json", SCOPE_LINE, address),
    ]
