"""What a check is: an id, a title, a severity, a documentation page and one function.

A check is a pure function of the linked graph and the settings; it yields `Finding`s. It does
not parse, read files or know which language a resource came from. The same `Check` objects serve
the CLI and the Checkov pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ampls_checks.azure import SETTING_NAMES, Cloud
from ampls_checks.model import Entity, Finding, Graph, Language, Location, Severity, shown


@dataclass(frozen=True)
class Limits:
    """Platform limits (domain.md): the generally available values are the defaults, because the
    documentation pages disagree and a public preview raises them."""

    workspaces_per_scope: int = 300
    components_per_scope: int = 1000
    endpoints_per_scope: int = 10
    scopes_per_resource: int = 5


@dataclass(frozen=True)
class Settings:
    cloud: Cloud = Cloud.PUBLIC
    require_private: bool = False
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Check:
    id: str
    name: str
    severity: Severity
    guideline: str
    run: Callable[[Graph, Settings], Iterable[Finding]]
    languages: tuple[str, ...] = ("terraform", "arm", "bicep")
    doc: str = ""
    # The entity kinds whose resources the findings are on: the Checkov pack asks about the
    # Terraform and ARM types of these kinds (azure.RESOURCE_TYPES), and about no other.
    reports_on: tuple[type[Entity], ...] = ()

    def finding(
        self, entity: Entity, message: str, attribute: str | None = None, location: Location | None = None
    ) -> Finding:
        """A finding on `entity`: on the attribute's line when it is written, else on the
        resource block (or on `location`, such as a zone group inside the resource)."""
        span = location or entity.location
        file = span.file
        columns = (0, 0)
        if attribute is not None and attribute in entity.attr_lines:
            start = end = entity.attr_lines[attribute]
            file = entity.attr_files.get(attribute, file)
            if attribute not in entity.attr_files:
                columns = entity.attr_columns.get(attribute, (0, 0))
        else:
            start, end = span.start_line, span.end_line
        return Finding(
            check_id=self.id,
            check_name=self.name,
            severity=self.severity,
            resource=shown(entity.address),
            file=file,
            start_line=start,
            end_line=end,
            message=shown(spell_settings(message, span.language)),
            guideline=self.guideline,
            resource_start_line=entity.location.start_line,
            resource_end_line=entity.location.end_line,
            start_column=columns[0],
            end_column=columns[1],
        )


_SETTING = re.compile(r"«([a-z_]+)(?: = ([^«»]*))?»")


def spell_settings(message: str, language: Language) -> str:
    """`«name»` and `«name = value»` in a check's message, written as the file's language writes
    them (`resolution_policy = "X"`, `"resolutionPolicy": "X"`, `resolutionPolicy: 'X'`).
    Why here: checks do not know the language; the finding's location does."""

    def spelled(match: re.Match[str]) -> str:
        terraform, azure = SETTING_NAMES.get(match.group(1), (match.group(1), match.group(1)))
        value = match.group(2)
        if language is Language.TERRAFORM:
            return terraform if value is None else f'{terraform} = "{value}"'
        if language is Language.ARM:
            return azure if value is None else f'"{azure}": "{value}"'
        return azure if value is None else f"{azure}: '{value}'"

    return _SETTING.sub(spelled, message)
