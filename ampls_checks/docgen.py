"""Render `docs/checks/<ID>.md` from the checks' docstrings, so documentation cannot drift.

Run `python -m ampls_checks.docgen docs/checks` after editing a check; a test fails when the
pages on disk differ from what this renders. The same rendering serves `ampls-checks explain` and
the `help` of SARIF rules, so the page is there wherever the package is installed.
"""

from __future__ import annotations

import os
import sys

from ampls_checks.model import CheckInfo


def render_page(check: CheckInfo) -> str:
    """The page of one check: a title, a table of severity, languages and guideline, then its
    docstring (`## What it does`, `## Why is this bad?`, ...)."""
    languages = getattr(check, "languages", ())
    header = (
        f"# {check.id}: {check.name}\n\n"
        f"| | |\n|---|---|\n"
        f"| Severity | {check.severity.value} |\n"
        f"| Languages | {', '.join(languages)} |\n"
        f"| Guideline | <{check.guideline}> |\n\n"
    )
    return header + check.doc.strip() + "\n"


def render_all() -> dict[str, str]:
    from ampls_checks.checks import all_checks

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
