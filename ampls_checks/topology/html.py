"""One self-contained HTML page: the topology drawn as inline SVG, then the findings table.

No script, no style sheet, font or image from anywhere: the layout is computed here (columns from
monitored resources on the left to networks on the right, each column ordered after the nodes it
connects to), so the file opens offline, in a mail attachment or a CI artifact viewer alike. The
page's Content-Security-Policy forbids loading anything. Every text from scanned files goes
through `html.escape`.
"""

from __future__ import annotations

from html import escape

from ampls_checks import __version__
from ampls_checks.model import Finding
from ampls_checks.model import shown as shown_text
from ampls_checks.topology import COLUMNS, Node, Topology, ordered_nodes
from ampls_checks.topology.text_formats import (
    GHOST_STYLE,
    PLAIN_STYLE,
    SEVERITY_STYLE,
    UNKNOWN_STYLE,
    caption,
    node_ids,
)

COLUMN_TITLES = {
    "monitor": "monitor resources",
    "scope": "scopes",
    "endpoint": "private endpoints",
    "zone_group": "DNS zone groups",
    "zone": "private DNS zones",
    "vnet": "virtual networks",
    "other": "other",
}
BOX_WIDTH = 280
COLUMN_GAP = 70
ROW_GAP = 18
LINE_HEIGHT = 15
TOP = 40


def _box_height(node: Node) -> int:
    return 14 + LINE_HEIGHT * len(caption(node))


def layout(topology: Topology) -> dict[str, tuple[int, int, int]]:
    """x, y and height of every node. Columns in COLUMNS order (empty ones dropped); within a
    column, nodes sorted by the mean row of the nodes they connect to in earlier columns, which
    keeps an endpoint beside its scope and a zone beside its group."""
    columns: dict[str, list[Node]] = {name: [] for name in COLUMNS}
    for node in ordered_nodes(topology):
        columns[node.column].append(node)
    neighbours: dict[str, set[str]] = {node_id: set() for node_id in topology.nodes}
    for edge in topology.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    rank: dict[str, float] = {}
    placed: dict[str, tuple[int, int, int]] = {}
    x = 20
    for name in COLUMNS:
        members = columns[name]
        if not members:
            continue
        keyed = []
        for position, node in enumerate(members):
            known = [rank[n] for n in neighbours[node.id] if n in rank]
            keyed.append((sum(known) / len(known) if known else 1e9 + position, position, node))
        keyed.sort(key=lambda item: (item[0], item[1]))
        y = TOP
        for row, (_key, _position, node) in enumerate(keyed):
            height = _box_height(node)
            placed[node.id] = (x, y, height)
            rank[node.id] = row
            y += height + ROW_GAP
        x += BOX_WIDTH + COLUMN_GAP
    return placed


def _colours(node: Node) -> tuple[str, str]:
    if node.ghost:
        return GHOST_STYLE
    if node.kind == "unknown":
        return UNKNOWN_STYLE
    if node.severity is not None:
        return SEVERITY_STYLE[node.severity]
    return PLAIN_STYLE


def svg(topology: Topology) -> str:
    placed = layout(topology)
    ids = node_ids(topology)
    width = max((x + BOX_WIDTH for x, _y, _h in placed.values()), default=200) + 20
    height = max((y + h for _x, y, h in placed.values()), default=100) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="topology">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#495057"/></marker></defs>',
    ]
    seen_columns: dict[str, int] = {}
    for node_id, (x, _y, _h) in placed.items():
        seen_columns.setdefault(topology.nodes[node_id].column, x)
    for column, x in seen_columns.items():
        parts.append(
            f'<text x="{x}" y="22" class="column" font-size="13" font-weight="bold" fill="#343a40">'
            f"{escape(COLUMN_TITLES[column])}</text>"
        )
    for edge in topology.edges:
        sx, sy, sh = placed[edge.source]
        tx, ty, th = placed[edge.target]
        if sx <= tx:
            x1, x2 = sx + BOX_WIDTH, tx
        else:
            x1, x2 = sx, tx + BOX_WIDTH
        y1, y2 = sy + sh / 2, ty + th / 2
        if sx == tx:  # same column: loop out to the right
            x1 = x2 = sx + BOX_WIDTH
            bend = x1 + 40
            path = f"M {x1} {y1} C {bend} {y1}, {bend} {y2}, {x2} {y2}"
        else:
            middle = (x1 + x2) / 2
            path = f"M {x1} {y1} C {middle} {y1}, {middle} {y2}, {x2} {y2}"
        dashed = edge.ghost or edge.kind == "unknown"
        colour = "#868e96" if dashed else "#495057"
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(
            f'<path class="edge{" ghost" if edge.ghost else ""}" data-kind="{escape(edge.kind)}" d="{path}" '
            f'fill="none" stroke="{colour}" stroke-width="1.5"{dash} marker-end="url(#arrow)">'
            f"<title>{escape(edge.label or edge.kind)}</title></path>"
        )
    for node in ordered_nodes(topology):
        x, y, h = placed[node.id]
        fill, stroke = _colours(node)
        dashed = node.ghost or node.kind in ("unknown", "external")
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        classes = ["node", f"kind-{node.kind}"]
        if node.ghost:
            classes.append("ghost")
        if node.severity:
            classes.append(f"severity-{node.severity.lower()}")
        where = f"{node.file}:{node.line}" if node.file else ""
        parts.append(
            f'<g class="{" ".join(classes)}" id="{ids[node.id]}" data-node="{escape(shown_text(node.id))}">'
            f"<title>{escape(where or node.label)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{h}" rx="8" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="2"{dash}/>'
        )
        for index, line in enumerate(caption(node)):
            weight = ' font-weight="bold"' if index == 1 else ""
            colour = stroke if index == 2 and node.findings else "#212529"
            shown = line if len(line) <= 44 else line[:42] + "..."
            parts.append(
                f'<text x="{x + 10}" y="{y + 18 + index * LINE_HEIGHT}" font-size="11"{weight} fill="{colour}">'
                f"{escape(shown)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def page(topology: Topology, title: str = "ampls-checks topology") -> str:
    ids = node_ids(topology)
    rows = []
    placed_findings: list[tuple[Finding, Node | None]] = [
        (f, node) for node in ordered_nodes(topology) for f in node.findings
    ]
    placed_findings.extend((f, None) for f in topology.unplaced)
    placed_findings.sort(key=lambda item: (item[0].file, item[0].start_line, item[0].check_id))
    for finding, node in placed_findings:
        if finding.suppression is not None:
            continue
        fill, stroke = SEVERITY_STYLE[finding.severity.value]
        target = f'<a href="#{ids[node.id]}">{escape(node.name)}</a>' if node is not None else "-"
        rows.append(
            f'<tr class="finding" data-check="{escape(finding.check_id)}">'
            f'<td><span class="badge" style="background:{fill};color:{stroke};border-color:{stroke}">'
            f"{escape(finding.severity.value)}</span></td>"
            f"<td><code>{escape(finding.check_id)}</code></td>"
            f"<td><code>{escape(finding.file)}:{finding.start_line}</code></td>"
            f"<td>{target}</td><td>{escape(finding.message)}</td></tr>"
        )
    unknowns = "".join(
        f"<li><code>{escape(item['entity'])}</code>: {escape(item['what'])}: {escape(item['reason'])}</li>"
        for item in topology.unknowns
    )
    legend = "".join(
        f'<span class="badge" style="background:{fill};color:{stroke};border-color:{stroke}">{name}</span> '
        for name, (fill, stroke) in SEVERITY_STYLE.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="ampls-checks {escape(__version__)}">
<title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #212529; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
.picture {{ overflow-x: auto; border: 1px solid #dee2e6; border-radius: 8px; padding: 8px; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #dee2e6; padding: 6px 10px; text-align: left; vertical-align: top; }}
.badge {{ border: 1px solid; border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: bold; }}
.legend {{ font-size: 13px; margin: 8px 0; }}
</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="legend">Node colour: its most severe finding {legend}; dashed: missing (what a finding reports absent),
not in the scan, or unknown.</p>
<div class="picture">
{svg(topology)}
</div>
<h2>Findings ({len(rows)})</h2>
<table><thead><tr><th>severity</th><th>check</th><th>where</th><th>on</th><th>message</th></tr></thead>
<tbody>
{"".join(rows) or '<tr><td colspan="5">none</td></tr>'}
</tbody></table>
<h2>Unknown ({len(topology.unknowns)})</h2>
<ul>{unknowns or "<li>nothing: every reference drawn was resolved</li>"}</ul>
</body>
</html>
"""
