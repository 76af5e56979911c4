"""`ampls-checks graph`: the picture of examples/ in all four formats, each finding on the node it
concerns, missing pieces as ghosts, unknowns marked, names from scanned files escaped, and the
HTML page rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ampls_checks.cli import main

from .conftest import REPO

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def graph(in_dir: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Any:
    def run(fmt: str, *paths: str, cwd: Path = REPO) -> tuple[int, str]:
        in_dir(cwd)
        code = main(["graph", *paths, "--format", fmt])
        return code, capsys.readouterr().out

    return run


def by_name(document: dict, kind: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entity in document["entities"]:
        if entity["kind"] == kind:
            out.setdefault(entity["name"], []).append(entity)
    return out


def test_json_is_the_linked_model_of_the_example(graph: Any) -> None:
    code, text = graph("json", "examples")
    assert code == 0
    document = json.loads(text)
    assert document["version"] == 1
    assert set(document) == {"version", "entities", "edges", "unknowns", "findings"}
    scopes = by_name(document, "scope")
    assert sorted(scopes) == ["ampls-hub", "ampls-prod", "contoso-ampls"]
    prod = scopes["ampls-prod"][0]
    assert (prod["file"], prod["line"], prod["language"]) == (
        "examples/terraform/modules/ampls/main.tf",
        25,
        "terraform",
    )
    assert prod["address"] == "module.ampls.azurerm_monitor_private_link_scope.this"
    assert (prod["severity"], prod["findings"]) == ("HIGH", ["CKV_AMPLS_2"])
    ids = {e["id"]: e for e in document["entities"]}
    edges = {(ids[e["from"]]["name"], e["kind"], ids[e["to"]]["name"], e["ghost"]) for e in document["edges"]}
    # endpoint -> scope, scope -> workspace (through the scoped link), endpoint -> network
    assert ("pe-ampls-prod", "connects_to", "ampls-prod", False) in edges
    assert ("ampls-prod", "links", "law-prod-central", False) in edges
    assert ("pe-ampls-prod", "in_network", "vnet-prod-hub", False) in edges
    assert ("pe-contoso-ampls", "in_network", "contoso-hub-vnet", False) in edges
    assert ("privatelink.monitor.azure.com", "linked_to", "vnet-prod-hub", False) in edges
    links = [e for e in document["edges"] if e["kind"] == "links"]
    assert [ids[e["via"]]["kind"] for e in links] == ["scoped_link"]
    assert ids[links[0]["via"]]["drawn"] is False
    # The Bicep endpoint's network is declared in another deployment: drawn, marked as not scanned.
    assert ("pe-ampls-hub", "in_network", "vnet-hub", False) in edges
    assert by_name(document, "external")["vnet-hub"][0]["label"] == "virtual network (not in the scan)"
    assert document["unknowns"] == []


def test_each_finding_is_on_the_node_it_concerns(graph: Any) -> None:
    _code, text = graph("json", "examples")
    document = json.loads(text)
    ids = {e["id"]: e for e in document["entities"]}
    placed = sorted(
        (f["check_id"], f["file"], f["start_line"], ids[f["node"]]["kind"], ids[f["node"]]["name"])
        for f in document["findings"]
    )
    assert placed == [
        ("CKV_AMPLS_13", "examples/arm/azuredeploy.json", 50, "scope", "contoso-ampls"),
        ("CKV_AMPLS_13", "examples/bicep/main.bicep", 11, "scope", "ampls-hub"),
        ("CKV_AMPLS_2", "examples/terraform/modules/ampls/main.tf", 29, "scope", "ampls-prod"),
        ("CKV_AMPLS_3", "examples/terraform/main.tf", 51, "monitor", "law-prod-central"),
        # CKV_AMPLS_6 points at the zone group inside the endpoint: the group carries it.
        ("CKV_AMPLS_6", "examples/arm/azuredeploy.json", 113, "zone_group", "default"),
        ("CKV_AMPLS_6", "examples/bicep/main.bicep", 43, "zone_group", "default"),
        ("CKV_AMPLS_6", "examples/terraform/modules/ampls/main.tf", 53, "zone_group", "ampls"),
    ]


def test_missing_zones_are_ghosts_on_the_group_that_lacks_them(graph: Any) -> None:
    _code, text = graph("json", "examples")
    document = json.loads(text)
    ids = {e["id"]: e for e in document["entities"]}
    ghosts = sorted(
        (ids[e["from"]]["file"], ids[e["to"]]["name"])
        for e in document["edges"]
        if e["ghost"] and ids[e["to"]]["kind"] == "ghost"
    )
    assert ghosts == [
        ("examples/arm/azuredeploy.json", "privatelink.agentsvc.azure-automation.net"),
        ("examples/bicep/main.bicep", "privatelink.agentsvc.azure-automation.net"),
        ("examples/terraform/modules/ampls/main.tf", "privatelink.blob.core.windows.net"),
    ]
    # The Bicep group's misspelt zone is drawn as it is written, beside the ghost of the right one.
    assert "privatelink.agentsvc.azure.automation.net" in by_name(document, "external")


def test_missing_vnet_link_endpoint_and_zone_group_are_dashed(graph: Any, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-spoke"
  resource_group_name = "rg"
}
resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  resource_group_name = "rg"
}
resource "azurerm_subnet" "pe" {
  name                 = "snet"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.spoke.name
}
resource "azurerm_private_dns_zone" "z" {
  for_each            = toset(["privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
    "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
    "privatelink.blob.core.windows.net"])
  name                = each.value
  resource_group_name = "rg"
}
resource "azurerm_private_dns_zone_virtual_network_link" "l" {
  for_each              = azurerm_private_dns_zone.z
  name                  = each.key
  resource_group_name   = "rg"
  private_dns_zone_name = each.value.name
  virtual_network_id    = azurerm_virtual_network.hub.id
}
resource "azurerm_monitor_private_link_scope" "s" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}
resource "azurerm_monitor_private_link_scope" "lonely" {
  name                  = "ampls-lonely"
  resource_group_name   = "rg"
  ingestion_access_mode = "PrivateOnly"
  query_access_mode     = "PrivateOnly"
}
resource "azurerm_private_endpoint" "pe" {
  name                = "pe"
  location            = "westeurope"
  resource_group_name = "rg"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "c"
    private_connection_resource_id = azurerm_monitor_private_link_scope.s.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
  private_dns_zone_group {
    name                 = "g"
    private_dns_zone_ids = [for z in azurerm_private_dns_zone.z : z.id]
  }
}
resource "azurerm_private_endpoint" "bare" {
  name                = "pe-bare"
  location            = "westeurope"
  resource_group_name = "rg"
  subnet_id           = azurerm_subnet.pe.id
  private_service_connection {
    name                           = "c"
    private_connection_resource_id = azurerm_monitor_private_link_scope.s.id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}
"""
    )
    _code, text = graph("json", ".", cwd=tmp_path)
    document = json.loads(text)
    ids = {e["id"]: e for e in document["entities"]}
    dashed = sorted((ids[e["from"]]["name"], e["label"], ids[e["to"]]["name"]) for e in document["edges"] if e["ghost"])
    missing_links = [d for d in dashed if d[1] == "missing vnet link"]
    assert len(missing_links) == 5
    assert {d[2] for d in missing_links} == {"vnet-spoke"}
    assert ("pe-bare", "missing", "no zone group") in dashed
    assert ("no endpoint", "missing", "ampls-lonely") in dashed
    _code, picture = graph("mermaid", ".", cwd=tmp_path)
    assert picture.count("-.->|missing vnet link|") == 5


def test_unknowns_are_marked(graph: Any, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
variable "scope_id" {}
variable "subnet_id" {}
resource "azurerm_private_endpoint" "pe" {
  name                = "pe"
  location            = "westeurope"
  resource_group_name = "rg"
  subnet_id           = var.subnet_id
  private_service_connection {
    name                           = "c"
    private_connection_resource_id = var.scope_id
    subresource_names              = ["azuremonitor"]
    is_manual_connection           = false
  }
}
"""
    )
    code, text = graph("json", ".", cwd=tmp_path)
    assert code == 0
    document = json.loads(text)
    whats = sorted(u["what"] for u in document["unknowns"])
    assert whats == ["private link target", "virtual network"]
    endpoint = next(e for e in document["entities"] if e["kind"] == "endpoint")
    assert endpoint["address"] == "azurerm_private_endpoint.pe"
    assert all(u["entity"] == endpoint["id"] for u in document["unknowns"])
    assert all("has no default and no value" in u["reason"] for u in document["unknowns"])
    unknown_nodes = [e for e in document["entities"] if e["kind"] == "unknown"]
    assert len(unknown_nodes) == 2 and all(e["unknown"] for e in unknown_nodes)
    _code, picture = graph("mermaid", ".", cwd=tmp_path)
    assert picture.count("unknown: ") == 2
    assert "classDef unknown" in picture


def test_mermaid_of_the_example(graph: Any) -> None:
    code, picture = graph("mermaid", "examples")
    assert code == 0
    lines = picture.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  n0["Log Analytics workspace<br/>law-prod-central<br/>CKV_AMPLS_3 HIGH"]' in lines
    scope = re.compile(r'  n\d+\{\{"Private Link Scope<br/>ampls-prod<br/>CKV_AMPLS_2 HIGH"\}\}')
    assert any(scope.fullmatch(line) for line in lines)
    assert sum("-.->|missing|" in line for line in lines) == 3
    assert any(line.startswith("  classDef high fill:#ffe3e3") for line in lines)
    assert any(line.startswith("  classDef ghost ") and "stroke-dasharray" in line for line in lines)
    # the README shows this picture
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "```mermaid\n" + picture + "```" in readme


def test_dot_of_the_example(graph: Any) -> None:
    code, text = graph("dot", "examples")
    assert code == 0
    assert text.startswith("digraph ampls {\n  rankdir=LR;")
    assert text.rstrip().endswith("}")
    assert 'label="Private Link Scope\\nampls-prod\\nCKV_AMPLS_2 HIGH", shape=hexagon' in text
    assert text.count("style=dashed") >= 3
    if shutil.which("dot"):
        subprocess.run(["dot", "-Tsvg"], input=text, text=True, check=True, capture_output=True)


HOSTILE = 'x"]\n  evil["<b>@team</b> `a`|b'


def test_names_from_scanned_files_cannot_break_out(graph: Any, tmp_path: Path) -> None:
    name = HOSTILE.replace("\n", "\\n").replace('"', '\\"')
    (tmp_path / "main.tf").write_text(
        f'resource "azurerm_monitor_private_link_scope" "s" {{\n'
        f'  name                  = "{name}"\n'
        f'  resource_group_name   = "rg"\n'
        f'  ingestion_access_mode = "Open"\n'
        f'  query_access_mode     = "PrivateOnly"\n'
        f"}}\n"
    )
    _code, picture = graph("mermaid", ".", cwd=tmp_path)
    definitions = [line for line in picture.splitlines() if re.match(r"  n\d+[\[{(]", line)]
    # the scope and the ghost of its missing endpoint: no node was injected
    assert len(definitions) == 2
    scope = definitions[0]
    assert scope.startswith('  n0{{"Private Link Scope<br/>x#34;#93;#10;  evil#91;#34;#60;b#62;#64;team')
    assert scope.endswith('<br/>CKV_AMPLS_13 LOW, CKV_AMPLS_1 HIGH"}}')
    for forbidden in ("`", "<b>", "@", "|", '"]'):
        assert forbidden not in scope.replace("<br/>", "")
    _code, dot = graph("dot", ".", cwd=tmp_path)
    assert len([line for line in dot.splitlines() if re.match(r"  n\d+ \[", line)]) == 2
    assert '\\"]' in dot
    _code, html = graph("html", ".", cwd=tmp_path)
    assert "<b>@team</b>" not in html and "&lt;b&gt;@team&lt;/b&gt;" in html


def test_graph_command_line(graph: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "picture.html"
    assert main(["graph", str(REPO / "examples"), "--format", "html", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    linked = tmp_path / "linked.html"
    linked.symlink_to(tmp_path / "precious.txt")
    (tmp_path / "precious.txt").write_text("keep me\n")
    capsys.readouterr()
    assert main(["graph", str(REPO / "examples"), "--format", "html", "-o", str(linked)]) == 2
    assert "is a symbolic link; ampls-checks does not write through links" in capsys.readouterr().err
    assert (tmp_path / "precious.txt").read_text() == "keep me\n"
    with pytest.raises(SystemExit) as exited:
        main(["graph", "--format", "png"])
    assert exited.value.code == 2
    assert "invalid choice: 'png'" in capsys.readouterr().err
    assert main(["graph", str(REPO / "examples"), "--check", "CKV_NOPE"]) == 2
    (tmp_path / "broken.tf").write_text('resource "azurerm_monitor_private_link_scope" "s" {\n')
    code, _text = graph("json", ".", cwd=tmp_path)
    assert code == 2  # the picture is printed, but it lacks what the broken file holds


def test_html_is_self_contained(graph: Any) -> None:
    _code, html = graph("html", "examples")
    assert html.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert "<script" not in html
    assert html.count('class="node ') == len(json.loads(graph("json", "examples")[1])["entities"]) - 11
    assert html.count('<tr class="finding"') == 7


def chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does)"
    if os.environ.get("AMPLS_REQUIRE_CHROMIUM"):
        pytest.fail(message)
    pytest.skip(message)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium_or_skip(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_html_renders_in_chromium_with_nodes_and_findings(graph: Any, tmp_path: Path) -> None:
    chromium_or_skip()
    _code, html = graph("html", "examples")
    page = tmp_path / "topology.html"
    page.write_text(html, encoding="utf-8")
    rendered = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    dom = rendered.stdout
    assert "<svg" in dom
    for name in ("ampls-prod", "contoso-ampls", "ampls-hub", "pe-ampls-prod", "law-prod-central", "vnet-prod-hub"):
        assert f">{name}</text>" in dom, name
    for check in ("CKV_AMPLS_2 HIGH", "CKV_AMPLS_3 HIGH", "CKV_AMPLS_6 HIGH", "CKV_AMPLS_13 LOW"):
        assert f">{check}</text>" in dom, check
    assert dom.count('<tr class="finding"') == 7
    assert 'class="node kind-zone_group severity-high"' in dom
    assert 'class="node kind-ghost ghost"' in dom
    shot = tmp_path / "shot.png"
    taken = chromium("--window-size=1400,1000", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_markdown_report_has_the_table_and_the_picture(in_dir: Any, capsys: pytest.CaptureFixture[str]) -> None:
    in_dir(REPO)
    code = main(["examples", "--format", "markdown", "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("## ampls-checks\n\n**7 findings**, 0 errors in 6 files\n")
    rows = [line for line in out.splitlines() if line.startswith("| HIGH") or line.startswith("| LOW")]
    assert len(rows) == 7
    assert rows[0].startswith("| LOW | CKV_AMPLS_13 | examples/arm/azuredeploy.json&#58;50 | ")
    assert "```mermaid\nflowchart LR\n" in out
    assert '["Log Analytics workspace<br/>law-prod-central<br/>CKV_AMPLS_3 HIGH"]' in out


def test_markdown_cells_show_syntax_as_text() -> None:
    from ampls_checks.reporters.markdown import cell

    assert cell("a|b") == "a\\|b"
    assert cell("@team <img src=x> `code` [x](y)\nnext") == (
        "&#64;team &lt;img src=x&gt; &#96;code&#96; \\[x\\](y) next"
    )


def test_markdown_snippet_in_the_readme_runs(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"### Pull-request comment\n.*?```yaml\n(.*?)```", readme, re.DOTALL)
    assert found is not None
    import yaml

    workflow = yaml.safe_load(found.group(1))
    steps = workflow["jobs"]["ampls-checks"]["steps"]
    scan = next(step for step in steps if step.get("name") == "Scan")
    assert "--format markdown:ampls-checks.md" in scan["run"]
    comment = next(step for step in steps if step.get("name") == "Comment on the pull request")
    assert "ampls-checks.md" in comment["run"] and "gh pr comment" in comment["run"]
    command = scan["run"].replace("ampls-checks ", f"{sys.executable} -m ampls_checks.cli ", 1)
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    subprocess.run(["bash", "-c", command.replace(" . ", " examples ")], cwd=tmp_path, check=False)
    assert (tmp_path / "ampls-checks.md").read_text(encoding="utf-8").startswith("## ampls-checks\n")


def test_kinds_the_picture_does_not_know_are_drawn_with_their_references() -> None:
    """A kind of entity added to the model later (a data collection rule, say) is a node, and each
    of its references to a declared entity is an edge, without the topology being taught it."""
    from dataclasses import dataclass, field

    from ampls_checks.link import link
    from ampls_checks.model import Entity, Language, Location, MonitorResource, Ref
    from ampls_checks.topology import build, to_json

    @dataclass
    class CollectionRule(Entity):
        endpoint: Ref | None = None
        destinations: list[Ref] = field(default_factory=list)

    workspace = MonitorResource(
        key="tf:.:azurerm_log_analytics_workspace.w",
        address="azurerm_log_analytics_workspace.w",
        location=Location("main.tf", 1, 5, Language.TERRAFORM),
        name="law",
    )
    rule = CollectionRule(
        key="tf:.:azurerm_monitor_data_collection_rule.r",
        address="azurerm_monitor_data_collection_rule.r",
        location=Location("main.tf", 7, 20, Language.TERRAFORM),
        name="dcr",
        destinations=[Ref(key=workspace.key), Ref(key="tf:.:not_declared.x")],
    )
    graph = link([workspace])
    graph.by_key[rule.key] = rule  # as the linker files an entity of a kind it does not bucket
    document = to_json(build(graph, []))
    kinds = {e["name"]: (e["kind"], e["label"], e["line"]) for e in document["entities"]}
    assert kinds["dcr"] == ("other", "collection rule", 7)
    assert [(e["from"], e["to"], e["kind"], e["label"]) for e in document["edges"]] == [
        (rule.key, workspace.key, "refers_to", "destinations")
    ]


def test_graph_takes_var_files_and_vars_as_the_scan_does(graph: Any, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "ingestion" {\n  type    = string\n  default = "PrivateOnly"\n}\n'
        'resource "azurerm_monitor_private_link_scope" "this" {\n'
        '  name                  = "ampls"\n'
        '  resource_group_name   = "rg"\n'
        "  ingestion_access_mode = var.ingestion\n"
        '  query_access_mode     = "PrivateOnly"\n'
        "}\n"
    )
    (tmp_path / "prod.tfvars").write_text('ingestion = "Open"\n')

    code, text = graph("json", ".", cwd=tmp_path)
    assert code == 0 and [f["check_id"] for f in json.loads(text)["findings"]] == ["CKV_AMPLS_13"]
    code, text = graph("json", ".", "--var-file", "prod.tfvars", cwd=tmp_path)
    assert code == 0
    assert sorted(f"{f['check_id']} {f['file']}:{f['start_line']}" for f in json.loads(text)["findings"]) == [
        "CKV_AMPLS_1 main.tf:8",
        "CKV_AMPLS_13 main.tf:5",
    ]
    code, text = graph("json", ".", "--var-file", "prod.tfvars", "--var", "ingestion=PrivateOnly", cwd=tmp_path)
    assert code == 0 and [f["check_id"] for f in json.loads(text)["findings"]] == ["CKV_AMPLS_13"]
    code, _text = graph("json", ".", "--var", "no_equals_sign", cwd=tmp_path)
    assert code == 2
