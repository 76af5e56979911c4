"""Mermaid and Graphviz DOT drawings of a topology.

Node ids in both are generated (`n0`, `n1`, ...), never taken from scanned files; names and
labels from scanned files are escaped for each language, so a resource named with quotes,
brackets, backticks or newlines cannot close a label, add a node or end a Markdown code fence.
"""

from __future__ import annotations

from ampls_checks.topology import Node, Topology, ordered_nodes

# Fill and stroke per severity, shared with the HTML drawing.
SEVERITY_STYLE = {
    "CRITICAL": ("#f3d9fa", "#862e9c"),
    "HIGH": ("#ffe3e3", "#c92a2a"),
    "MEDIUM": ("#fff3bf", "#e67700"),
    "LOW": ("#e3fafc", "#0c8599"),
}
PLAIN_STYLE = ("#f8f9fa", "#495057")
GHOST_STYLE = ("#ffffff", "#868e96")
UNKNOWN_STYLE = ("#f1f3f5", "#868e96")


def node_ids(topology: Topology) -> dict[str, str]:
    return {node.id: f"n{index}" for index, node in enumerate(ordered_nodes(topology))}


def caption(node: Node) -> list[str]:
    """The lines a node shows: its type, its name, and its findings' ids."""
    lines = [node.label, node.name]
    if node.unknown and node.kind == "unknown":
        lines.append(f"unknown: {node.unknown}")
    elif node.unknown:
        lines.append("name unknown")
    active = [f for f in node.findings if f.suppression is None]
    if active:
        lines.append(", ".join(f"{f.check_id} {f.severity.value}" for f in active))
    return [line if len(line) <= 90 else line[:87] + "..." for line in lines]


# -- Mermaid -------------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    """Mermaid label text: letters, digits and a few safe marks as they are, everything else as
    an entity code (`#35;`), which Mermaid decodes for display. Quotes, brackets, backticks,
    pipes, `<` and newlines therefore never reach Mermaid's or Markdown's parser as syntax."""
    safe = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/_-=+()*")
    return "".join(ch if ch in safe else f"#{ord(ch)};" for ch in text)


def mermaid(topology: Topology) -> str:
    ids = node_ids(topology)
    lines = ["flowchart LR"]
    for node in ordered_nodes(topology):
        label = "<br/>".join(_mermaid_text(line) for line in caption(node))
        if node.kind == "zone_group":
            shape = f'[/"{label}"/]'
        elif node.kind in ("unknown", "external"):
            shape = f'(["{label}"])'
        elif node.kind == "scope":
            shape = f'{{{{"{label}"}}}}'
        else:
            shape = f'["{label}"]'
        lines.append(f"  {ids[node.id]}{shape}")
    for edge in topology.edges:
        arrow = "-.->" if edge.ghost or edge.kind == "unknown" else "-->"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
    classes: dict[str, list[str]] = {}
    for node in ordered_nodes(topology):
        if node.ghost:
            classes.setdefault("ghost", []).append(ids[node.id])
        elif node.kind == "unknown":
            classes.setdefault("unknown", []).append(ids[node.id])
        elif node.severity is not None:
            classes.setdefault(node.severity.lower(), []).append(ids[node.id])
        elif node.kind == "external":
            classes.setdefault("external", []).append(ids[node.id])
    styles = {
        **{severity.lower(): style for severity, style in SEVERITY_STYLE.items()},
        "ghost": GHOST_STYLE,
        "unknown": UNKNOWN_STYLE,
        "external": PLAIN_STYLE,
    }
    for name, members in classes.items():
        fill, stroke = styles[name]
        extra = ",stroke-dasharray:5 5" if name in ("ghost", "unknown", "external") else ""
        lines.append(f"  classDef {name} fill:{fill},stroke:{stroke},stroke-width:2px{extra}")
        lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


# -- DOT -----------------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    """A DOT double-quoted string's content: backslashes and quotes escaped, control characters
    (newlines included) as spaces, so one label stays one string."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif not ch.isprintable():
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def dot(topology: Topology) -> str:
    ids = node_ids(topology)
    lines = [
        "digraph ampls {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in ordered_nodes(topology):
        label = "\\n".join(_dot_text(line) for line in caption(node))
        if node.ghost:
            fill, stroke = GHOST_STYLE
        elif node.kind == "unknown":
            fill, stroke = UNKNOWN_STYLE
        elif node.severity is not None:
            fill, stroke = SEVERITY_STYLE[node.severity]
        else:
            fill, stroke = PLAIN_STYLE
        style = '"rounded,filled,dashed"' if node.ghost or node.kind in ("unknown", "external") else '"rounded,filled"'
        shape = {"scope": "hexagon", "zone_group": "folder", "unknown": "ellipse"}.get(node.kind, "box")
        lines.append(
            f'  {ids[node.id]} [label="{label}", shape={shape}, style={style}, '
            f'fillcolor="{fill}", color="{stroke}", penwidth=2];'
        )
    for edge in topology.edges:
        attributes = []
        if edge.label:
            attributes.append(f'label="{_dot_text(edge.label)}"')
        if edge.ghost or edge.kind == "unknown":
            attributes.append('style=dashed, color="#868e96"')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
