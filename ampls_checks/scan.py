"""One scan: discover, prefilter, parse, link, check, suppress. Returns data; prints nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from .checks import Check, Finding, Settings, all_checks
from .discover import Candidate, FileKind, discover, is_relevant
from .link import link
from .model import Entity, Note, ParseError, ParseResult

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass
class ScanOptions:
    settings: Settings = field(default_factory=Settings)
    checks: list[Check] | None = None
    exclude: list[str] = field(default_factory=list)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    arm_parameters: list[str] = field(default_factory=list)
    max_eval_steps: int | None = None
    jobs: int | None = None
    cache_dir: str | None = None
    use_cache: bool = False


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_scanned: int = 0
    files_parsed: int = 0
    checks_run: list[Check] = field(default_factory=list)

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.suppression is None]


def read_text(candidate: Candidate, max_bytes: int) -> tuple[bytes | None, ParseError | None]:
    try:
        size = os.path.getsize(candidate.path)
        if size > max_bytes:
            return None, ParseError(
                candidate.display, f"file is {size} bytes, over the limit of {max_bytes} (--max-file-size)"
            )
        with open(candidate.path, "rb") as handle:
            return handle.read(max_bytes + 1), None
    except OSError as exc:
        return None, ParseError(candidate.display, f"cannot read file: {exc.strerror or exc}")


def decode(candidate: Candidate, data: bytes) -> tuple[str | None, ParseError | None]:
    if b"\x00" in data:
        return None, ParseError(candidate.display, "binary content, not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ParseError(candidate.display, f"not valid UTF-8 (byte {exc.start})", line)
    return text, None


def terraform_tokens() -> tuple[bytes, ...]:
    from .parsers.terraform_resources import RELEVANT_TYPES

    return tuple(t.encode() for t in RELEVANT_TYPES) + (b"variable", b"locals", b"module", b"output")


def parse_terraform(candidates: list[tuple[Candidate, str]]) -> ParseResult:
    from .parsers.terraform import parse_tf_file
    from .parsers.terraform_resources import load_terraform

    parsed = [
        (os.path.abspath(c.path), c.display, parse_tf_file(os.path.abspath(c.path), c.display, text))
        for c, text in candidates
    ]
    return load_terraform(parsed)


def parse_arm(candidates: list[tuple[Candidate, str]], options: ScanOptions) -> ParseResult:
    from .parsers.arm import parse_arm_files

    return parse_arm_files(
        [(os.path.abspath(c.path), c.display, text) for c, text in candidates], options.arm_parameters
    )


def parse_bicep(candidates: list[tuple[Candidate, str]], options: ScanOptions) -> ParseResult:
    from .parsers.bicep import parse_bicep_files

    return parse_bicep_files([(os.path.abspath(c.path), c.display, text) for c, text in candidates])


def scan(paths: list[str], options: ScanOptions | None = None) -> ScanReport:
    options = options or ScanOptions()
    report = ScanReport()
    found = discover(paths, options.exclude)
    report.errors.extend(found.errors)
    report.files_scanned = len(found.files)
    tokens = terraform_tokens()

    by_kind: dict[FileKind, list[tuple[Candidate, str]]] = {kind: [] for kind in FileKind}
    for candidate in found.files:
        data, error = read_text(candidate, options.max_file_bytes)
        if error is not None or data is None:
            report.errors.append(error or ParseError(candidate.display, "cannot read file"))
            continue
        if not is_relevant(candidate.kind, data, tokens):
            continue
        text, error = decode(candidate, data)
        if error is not None or text is None:
            if candidate.kind is FileKind.JSON:
                continue  # undecodable JSON that does not even claim to be a template: not ours
            report.errors.append(error or ParseError(candidate.display, "cannot decode file"))
            continue
        by_kind[candidate.kind].append((candidate, text))

    result = ParseResult()
    terraform = by_kind[FileKind.TERRAFORM] + by_kind[FileKind.TFVARS]
    if terraform:
        result.extend(parse_terraform(terraform))
    if by_kind[FileKind.JSON]:
        result.extend(parse_arm(by_kind[FileKind.JSON], options))
    if by_kind[FileKind.BICEP]:
        result.extend(parse_bicep(by_kind[FileKind.BICEP], options))
    report.files_parsed = sum(len(files) for files in by_kind.values())
    report.errors.extend(result.errors)
    report.notes.extend(result.notes)
    report.findings = run_checks(result.entities, options, report)
    report.errors.sort(key=lambda e: (e.file, e.line or 0))
    return report


def run_checks(entities: list[Entity], options: ScanOptions, report: ScanReport) -> list[Finding]:
    graph = link(entities)
    checks = options.checks if options.checks is not None else all_checks()
    report.checks_run = checks
    by_address = {e.address + "\0" + e.location.file: e for e in entities}
    findings: list[Finding] = []
    seen: set[tuple[str, str, str, int]] = set()
    for check in checks:
        try:
            produced = list(check.run(graph, options.settings))
        except Exception as exc:  # a bug in one check must not hide the others' results
            report.errors.append(ParseError("<internal>", f"check {check.id} failed: {type(exc).__name__}: {exc}"))
            continue
        for finding in produced:
            marker = (finding.check_id, finding.resource, finding.file, finding.start_line)
            if marker in seen:
                continue
            seen.add(marker)
            entity = by_address.get(finding.resource + "\0" + finding.file)
            if entity is not None:
                skip = next((s for s in entity.suppressions if s.check_id == finding.check_id), None)
                if skip is not None:
                    finding = replace(finding, suppression=skip)
            findings.append(finding)
    findings.sort(key=lambda f: f.sort_key)
    return findings
