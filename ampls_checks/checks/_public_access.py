"""Shared by CKV_AMPLS_3 and CKV_AMPLS_4: public ingestion and public query of monitor resources."""

from __future__ import annotations

from collections.abc import Iterator

from ..link import Graph
from ..model import Unknown
from ._helpers import is_linked
from .base import Check, Finding, Settings


def public_access_findings(check: Check, graph: Graph, settings: Settings, which: str) -> Iterator[Finding]:
    for monitor in graph.monitors:
        flag = monitor.public_ingestion if which == "ingestion" else monitor.public_query
        if flag is None or isinstance(flag, Unknown) or flag is False:
            continue
        linked = is_linked(graph, monitor)
        if not linked and not settings.require_private:
            continue
        attribute = monitor.ingestion_attribute if which == "ingestion" else monitor.query_attribute
        written = attribute in monitor.attr_lines
        how = f"{attribute} allows it" if written else f"{attribute} is not set and defaults to allowing it"
        context = "is linked to a private link scope but" if linked else ""
        verb = "ingestion from" if which == "ingestion" else "queries from"
        message = f"{monitor.kind.value} {context} accepts {verb} public networks ({how}); disable it".replace(
            "  ", " "
        )
        yield check.finding(monitor, message[0].upper() + message[1:], attribute if written else None)
