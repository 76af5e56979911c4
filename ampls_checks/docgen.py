"""Render `docs/checks/<ID>.md` from the checks' docstrings, so documentation cannot drift.

Run `python -m ampls_checks.docgen docs/checks` after editing a check; a test fails when the
pages on disk differ from what this renders.
"""

from __future__ import annotations

import os
import sys

from ampls_checks.checks import Check, all_checks


def render_page(check: Check) -> str:
    header = (
        f"# {check.id}: {check.name}\n\n"
        f"| | |\n|---|---|\n"
        f"| Severity | {check.severity.value} |\n"
        f"| Languages | {', '.join(check.languages)} |\n"
        f"| Guideline | <{check.guideline}> |\n\n"
    )
    return header + check.doc.strip() + "\n"


def render_all() -> dict[str, str]:
    return {f"{check.id}.md": render_page(check) for check in all_checks()}


def main(argv: list[str]) -> int:
    target = argv[0] if argv else "docs/checks"
    os.makedirs(target, exist_ok=True)
    for name, text in render_all().items():
        with open(os.path.join(target, name), "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
