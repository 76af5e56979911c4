"""One scan: discover, read, parse, link, check, suppress. Returns data; prints nothing.

`scan` is the whole pipeline, top to bottom. The result cache and the process pool (speed/) only
make it faster: with `use_cache` off and one job at a time it does the same work in order.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ampls_checks import DEFAULT_MAX_FILE_BYTES
from ampls_checks.checks import Check, Settings, all_checks
from ampls_checks.discover import (
    TERRAFORM_TOKENS,
    Candidate,
    FileKind,
    discover,
    is_relevant,
    looks_like_terraform_plan,
    read_regular,
)
from ampls_checks.link import link
from ampls_checks.model import (
    UNDECLARED_VARIABLE,
    Entity,
    Finding,
    Graph,
    Note,
    ParseError,
    ParseResult,
    ScanReport,
)
from ampls_checks.parsers import JobSettings, parse_job
from ampls_checks.suppress.apply import apply_baseline, mark_skips
from ampls_checks.suppress.baseline import Baseline
from ampls_checks.units import Job, ModuleCache, plan_jobs

if TYPE_CHECKING:
    from ampls_checks.speed.scan_cache import ScanCache


@dataclass
class ScanOptions:
    settings: Settings = field(default_factory=Settings)
    checks: list[Check] | None = None
    exclude: list[str] = field(default_factory=list)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    arm_parameters: list[str] = field(default_factory=list)
    max_eval_steps: int | None = None
    # `--var-file` / `--var` in command-line order: ("file", path, text) or ("var", "NAME=VALUE", "")
    terraform_vars: list[tuple[str, str, str]] = field(default_factory=list)
    jobs: int | None = None
    cache_dir: str | None = None
    use_cache: bool = False
    keep_parsed_files: bool = False  # also cache each Terraform file's parse (parsed_files.py)
    # Content that stands for a file on disk, by real path: an editor's unsaved buffer given on
    # standard input (`ampls-checks - --stdin-filename FILE`). Only read with use_cache off.
    replaced: dict[str, bytes] = field(default_factory=dict)
    baseline: Baseline | None = None  # findings it holds leave the report (ScanReport.baselined)
    # where `bicep restore` put registry modules and template specs (`--bicep-module-cache`);
    # None: Bicep's default, `~/.bicep`
    bicep_module_cache: str | None = None


def scan(paths: list[str], options: ScanOptions | None = None) -> ScanReport:
    options = options or ScanOptions()
    checks = options.checks if options.checks is not None else all_checks()
    report = ScanReport(checks_run=checks)
    found = discover(paths, options.exclude)
    _add_parameter_files(found.files)
    report.errors.extend(found.errors)
    report.files_scanned = len(found.files)

    def read(candidate: Candidate) -> bytes | None:
        return _read_or_report(candidate, options, report)

    module_cache = ModuleCache.of(options.bicep_module_cache, options.max_file_bytes)
    memo = _scan_cache(options, paths, checks, module_cache, found.files) if options.use_cache else None
    if memo is None:
        contents: list[tuple[Candidate, bytes | None]] = [(candidate, None) for candidate in found.files]
    else:
        report.notes.extend(memo.notes())
        contents = memo.read(found.files, options.max_file_bytes, read)
        if memo.recall(report):
            return apply_baseline(report, options.baseline)
    files = _read_rest(contents, read)
    texts = _texts_by_kind(files, report)
    report.files_parsed = sum(len(group) for group in texts.values())

    jobs = plan_jobs(texts, [(c, data) for c, data in files if c.kind is FileKind.JSON], module_cache)
    results = memo.parse(jobs, lambda pending: _parse(pending, options)) if memo else _parse(jobs, options)
    entities = _merge(results, report, sum(1 for job in jobs if job.kind == "terraform"))
    report.graph = link(entities)  # kept for `ampls-checks graph` and the markdown report
    report.findings = mark_skips(run_checks(report.graph, checks, options.settings, report), entities)
    report.errors.sort(key=lambda e: (e.file, e.line or 0))
    if memo is not None:
        memo.remember(report)  # before the baseline: it is not part of the cache key
    return apply_baseline(report, options.baseline)


def scan_plan(plan: str, config_dir: str | None, options: ScanOptions | None = None) -> ScanReport:
    """The pipeline for one Terraform plan in JSON (`terraform show -json PLANFILE`): read the
    plan, turn it into entities (parsers/terraform/plan.py), then link, check and suppress as a
    scan does. `config_dir` is the root module directory the plan was made from: findings then
    point at its `.tf` lines (and its skip comments apply); without it, at the plan's lines."""
    from ampls_checks.discover import display_path
    from ampls_checks.parsers.terraform.plan import load_plan
    from ampls_checks.parsers.terraform.plan_config import ConfigTree

    options = options or ScanOptions()
    checks = options.checks if options.checks is not None else all_checks()
    report = ScanReport(checks_run=checks)
    candidate = Candidate(plan, display_path(plan), FileKind.JSON)
    data, error = read_text(candidate, options.max_file_bytes)
    text = None
    if data is not None:
        text, error = decode(candidate, data)
    if error is not None or text is None:
        report.errors.append(error or ParseError(candidate.display, "cannot read file"))
        return report
    config = ConfigTree(config_dir, options.max_file_bytes) if config_dir is not None else None
    try:
        result = load_plan(candidate.display, text, config)
    except RecursionError:
        result = ParseResult(errors=[ParseError(candidate.display, "plan nested too deeply to analyse")])
    report.files_scanned = report.files_parsed = 1 + (config.files_read if config is not None else 0)
    entities = _merge([result], report)
    report.graph = link(entities)
    report.findings = mark_skips(run_checks(report.graph, checks, options.settings, report), entities)
    report.errors.sort(key=lambda e: (e.file, e.line or 0))
    return apply_baseline(report, options.baseline)


def _scan_cache(
    options: ScanOptions, paths: list[str], checks: list[Check], module_cache: ModuleCache, files: list[Candidate]
) -> ScanCache:
    from ampls_checks.speed.scan_cache import ScanCache

    scope = [repr(options.settings), repr([c.id for c in checks])]
    if any(c.kind is FileKind.BICEP for c in files):
        scope.append(module_cache.fingerprint())  # restored modules are read from outside the roots
    return ScanCache(options.cache_dir, paths, job_settings(options), scope)


def job_settings(options: ScanOptions) -> JobSettings:
    return JobSettings(
        options.max_eval_steps,
        tuple(options.arm_parameters),
        options.settings.cloud,
        options.cache_dir,
        options.use_cache and options.keep_parsed_files,
        tuple(options.terraform_vars),
    )


def _parse(jobs: list[Job], options: ScanOptions) -> list[ParseResult]:
    """Parse the jobs, in worker processes when there is enough work (speed/pool.py)."""
    from ampls_checks.speed.pool import parse_jobs

    return parse_jobs(jobs, job_settings(options), options.jobs)


def run_checks(graph: Graph, checks: list[Check], settings: Settings, report: ScanReport) -> list[Finding]:
    """Every check's findings, once each, sorted. A check that fails is an error of the report,
    not the end of the scan."""
    findings: list[Finding] = []
    seen: set[tuple[str, str, str, int]] = set()
    for check in checks:
        try:
            produced = list(check.run(graph, settings))
        except Exception as exc:  # a bug in one check must not hide the others' results
            report.errors.append(ParseError("<internal>", f"check {check.id} failed: {type(exc).__name__}: {exc}"))
            continue
        for finding in produced:
            marker = (finding.check_id, finding.resource, finding.file, finding.start_line)
            if marker not in seen:
                seen.add(marker)
                findings.append(finding)
    findings.sort(key=lambda f: f.sort_key)
    return findings


# -- reading ------------------------------------------------------------------------------------


def read_text(candidate: Candidate, max_bytes: int) -> tuple[bytes | None, ParseError | None]:
    try:
        data = read_regular(candidate.path, max_bytes + 1)  # never more than the limit
        if len(data) > max_bytes:
            try:
                size = f"{os.stat(candidate.path).st_size} bytes"
            except OSError:
                size = "larger"
            return None, ParseError(
                candidate.display, f"file is {size}, over the limit of {max_bytes} (--max-file-size)"
            )
        return data, None
    except OSError as exc:
        return None, ParseError(candidate.display, f"cannot read file: {exc.strerror or exc}")


PLAN_NOT_READ = (
    "a Terraform plan (terraform show -json): a directory scan does not read it; scan it with --plan FILE [ROOT_DIR]"
)


def decode(candidate: Candidate, data: bytes) -> tuple[str | None, ParseError | None]:
    if b"\x00" in data:
        return None, ParseError(candidate.display, "binary content, not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ParseError(candidate.display, f"not valid UTF-8 (byte {exc.start})", line)
    return text, None


def _read_or_report(candidate: Candidate, options: ScanOptions, report: ScanReport) -> bytes | None:
    if options.replaced:
        replacement = options.replaced.get(os.path.realpath(candidate.path))
        if replacement is not None:
            if len(replacement) > options.max_file_bytes:
                report.errors.append(
                    ParseError(
                        candidate.display,
                        f"standard input is {len(replacement)} bytes, over the limit of "
                        f"{options.max_file_bytes} (--max-file-size)",
                    )
                )
                return None
            return replacement
    data, error = read_text(candidate, options.max_file_bytes)
    if error is not None or data is None:
        report.errors.append(error or ParseError(candidate.display, "cannot read file"))
        return None
    return data


def _read_rest(
    contents: list[tuple[Candidate, bytes | None]], read: Callable[[Candidate], bytes | None]
) -> list[tuple[Candidate, bytes]]:
    """The bytes of every file, reading those not read yet (the cache vouched for their hash)."""
    complete: list[tuple[Candidate, bytes]] = []
    for candidate, known in contents:
        data = known if known is not None else read(candidate)
        if data is not None:
            complete.append((candidate, data))
    return complete


def _texts_by_kind(
    contents: list[tuple[Candidate, bytes]], report: ScanReport
) -> dict[FileKind, list[tuple[Candidate, bytes, str]]]:
    """The files worth parsing (the prefilter), decoded, by kind."""
    by_kind: dict[FileKind, list[tuple[Candidate, bytes, str]]] = {kind: [] for kind in FileKind}
    for candidate, data in contents:
        if candidate.kind is FileKind.JSON and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            # UTF-16 with a byte order mark: the Azure CLI deploys such templates
            try:
                data = data.decode("utf-16").encode("utf-8")
            except UnicodeDecodeError as exc:
                report.errors.append(ParseError(candidate.display, f"not valid UTF-16 (byte {exc.start})"))
                continue
        if candidate.kind is not FileKind.JSON and b"\x00" in data:
            report.errors.append(ParseError(candidate.display, "binary content, not a text file"))
            continue
        if not is_relevant(candidate.kind, data, TERRAFORM_TOKENS):
            if candidate.kind is FileKind.JSON and looks_like_terraform_plan(data):
                report.notes.append(Note(candidate.display, 1, PLAN_NOT_READ))
            continue
        text, error = decode(candidate, data)
        if error is not None or text is None:
            # (JSON gets here only when it names a deployment schema: it claims to be ours)
            report.errors.append(error or ParseError(candidate.display, "cannot decode file"))
            continue
        by_kind[candidate.kind].append((candidate, data, text))
    return by_kind


def _add_parameter_files(files: list[Candidate]) -> None:
    """A template scanned on its own (a file path, the pre-commit hook) still gets the
    `<name>.parameters.json` beside it: the pair is one deployment."""
    if not any(c.kind is FileKind.JSON for c in files):
        return
    present = {os.path.realpath(c.path) for c in files}
    for candidate in list(files):
        if candidate.kind is not FileKind.JSON or candidate.path.endswith(".parameters.json"):
            continue
        sibling = candidate.path[: -len(".json")] + ".parameters.json"
        if os.path.isfile(sibling) and not os.path.islink(sibling) and os.path.realpath(sibling) not in present:
            present.add(os.path.realpath(sibling))
            files.append(Candidate(sibling, candidate.display[: -len(".json")] + ".parameters.json", FileKind.JSON))


def _merge(results: list[ParseResult], report: ScanReport, terraform_jobs: int = 0) -> list[Entity]:
    """The entities of all jobs (a module directory shared by two units counts once); their
    errors and notes go to the report, each once. A `--var` no root module declares is said
    by every Terraform job whose roots do not declare it: it is noted when all of them do."""
    entities: list[Entity] = []
    seen_keys: set[str] = set()
    errors: list[ParseError] = []
    notes = []
    for result in results:
        errors.extend(result.errors)
        notes.extend(result.notes)
        for entity in result.entities:
            if entity.key not in seen_keys:
                seen_keys.add(entity.key)
                entities.append(entity)
    report.errors.extend(dict.fromkeys(errors))
    undeclared = Counter(n for n in notes if UNDECLARED_VARIABLE in n.message)
    report.notes.extend(n for n in dict.fromkeys(notes) if undeclared.get(n, terraform_jobs) == terraform_jobs)
    return entities


def parse_terraform(candidates: list[tuple[Candidate, str]], max_steps: int | None = None) -> ParseResult:
    """Terraform files parsed as one job (tests and tools that bring their own text)."""
    job = Job("terraform", [(os.path.abspath(c.path), c.display, t) for c, t in candidates])
    return parse_job(job, JobSettings(max_steps))
