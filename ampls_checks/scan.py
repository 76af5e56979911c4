"""One scan: discover, prefilter, parse, link, check, suppress. Returns data; prints nothing."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ampls_checks import DEFAULT_MAX_FILE_BYTES
from ampls_checks.azure import Cloud
from ampls_checks.checks import Check, Finding, Settings, all_checks
from ampls_checks.discover import TERRAFORM_TOKENS, Candidate, FileKind, discover, is_relevant, read_regular
from ampls_checks.link import link
from ampls_checks.model import Entity, Note, ParseError, ParseResult, ScanReport

if TYPE_CHECKING:
    from ampls_checks.speed.cache import Cache


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


def decode(candidate: Candidate, data: bytes) -> tuple[str | None, ParseError | None]:
    if b"\x00" in data:
        return None, ParseError(candidate.display, "binary content, not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ParseError(candidate.display, f"not valid UTF-8 (byte {exc.start})", line)
    return text, None


def parse_terraform(candidates: list[tuple[Candidate, str]], max_steps: int | None = None) -> ParseResult:
    job = Job("terraform", [(os.path.abspath(c.path), c.display, t) for c, t in candidates])
    return run_job(job, JobSettings(max_steps))


@dataclass
class Job:
    """A piece of parsing that stands alone: one Terraform unit, or all ARM, or all Bicep files."""

    kind: str
    files: list[tuple[str, str, str]]  # real path, display path, text
    key: str = ""
    # Bicep: the files its `loadJsonContent('...')` and friends read, by (Bicep file, path as
    # written); only JSON files among the scanned files, so only inside the scan roots.
    loads: dict[tuple[str, str], bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class JobSettings:
    """What parsing depends on besides the files (part of every cache key), and where the
    parsers' snapshots and per-file parses are kept (which never changes a result)."""

    max_steps: int | None = None
    arm_parameters: tuple[str, ...] = ()
    cloud: Cloud = Cloud.PUBLIC
    parser_dir: str | None = None
    keep_parsed_files: bool = False
    terraform_vars: tuple[tuple[str, str, str], ...] = ()

    @staticmethod
    def of(options: ScanOptions) -> JobSettings:
        return JobSettings(
            options.max_eval_steps,
            tuple(options.arm_parameters),
            options.settings.cloud,
            options.cache_dir,
            options.use_cache and options.keep_parsed_files,
            tuple(options.terraform_vars),
        )


def run_job(job: Job, settings: JobSettings) -> ParseResult:
    """Parse one job. Runs in a worker process for large scans, so it takes and returns plain data."""
    try:
        if job.kind == "terraform":
            from ampls_checks.parsers.terraform.parse import parse_tf_file
            from ampls_checks.parsers.terraform.resources import load_terraform

            if settings.keep_parsed_files:
                from ampls_checks.speed.parsed_files import cached_parser

                parse = cached_parser(settings.parser_dir)
            else:
                parse = functools.partial(parse_tf_file, parser_dir=settings.parser_dir)
            parsed = [(real, display, parse(real, display, text)) for real, display, text in job.files]
            return load_terraform(parsed, settings.max_steps, settings.terraform_vars)
        if job.kind == "arm":
            from ampls_checks.parsers.arm.parse import parse_arm_files

            return parse_arm_files(
                job.files, list(settings.arm_parameters), cloud=settings.cloud, max_steps=settings.max_steps
            )
        from ampls_checks.parsers.bicep.parse import parse_bicep_files

        # `--cloud` says where templates deploy, so it is what `environment()` returns
        return parse_bicep_files(job.files, cloud=settings.cloud, max_steps=settings.max_steps, loads=job.loads)
    except RecursionError:
        first = job.files[0][1] if job.files else "<input>"
        return ParseResult(errors=[ParseError(first, "input nested too deeply to analyse")])
    except Exception as exc:  # noqa: BLE001 - one unit's failure is an error entry, never the whole report's
        names = sorted(display for _real, display, _text in job.files)
        first = names[0] if names else "<input>"
        what = f" (and the {len(names) - 1} other files analysed with it)" if len(names) > 1 else ""
        return ParseResult(
            errors=[ParseError(first, f"internal error analysing this file{what}: {type(exc).__name__}: {exc}")]
        )


def _run_job_in_worker(args: tuple[Job, JobSettings]) -> ParseResult:
    job, settings = args
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    return run_job(job, settings)


POOL_MIN_BYTES = 2 * 1024 * 1024

# `loadJsonContent('path')` and the other load functions, with a literal path (linear: one
# character class between fixed delimiters).
_LOAD_CALL = re.compile(r"\bload(?:JsonContent|TextContent|YamlContent|FileAsBase64)\(\s*'([^'\\$\n]+)'")


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def run_jobs(jobs: list[Job], options: ScanOptions) -> list[ParseResult]:
    """Run jobs in a process pool when there is enough work for one, serially otherwise."""
    workers = options.jobs if options.jobs is not None else (os.cpu_count() or 1)
    total = sum(len(text) for job in jobs for _r, _d, text in job.files)
    if workers > 1 and len(jobs) > 1 and (total >= POOL_MIN_BYTES or options.jobs is not None):
        from concurrent.futures import ProcessPoolExecutor

        arguments = [(job, JobSettings.of(options)) for job in jobs]
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
                chunk = max(1, len(jobs) // (workers * 4))
                return list(pool.map(_run_job_in_worker, arguments, chunksize=chunk))
        except Exception:  # noqa: BLE001 - no processes here, a worker died, a result would not pickle
            pass  # do the work in this process; results are the same, only slower
    return [run_job(job, JobSettings.of(options)) for job in jobs]


def plan_jobs(
    by_kind: dict[FileKind, list[tuple[Candidate, bytes, str]]],
    json_files: list[tuple[Candidate, bytes]] | None = None,
) -> list[Job]:
    """The jobs for these files. `json_files` are all the JSON files discovered (templates or
    not): those a Bicep file loads (`loadJsonContent('./zones.json')`) go with its job."""
    from ampls_checks.units import bicep_module_calls, connected_units, local_calls, terraform_units

    jobs: list[Job] = []
    terraform = by_kind[FileKind.TERRAFORM] + by_kind[FileKind.TFVARS]
    if terraform:
        item_of = {os.path.abspath(c.path): (c, data, text) for c, data, text in terraform}
        files: dict[str, list[str]] = {}
        calls: dict[str, set[str]] = {}
        real_directories: dict[str, str] = {}  # realpath costs a stat per path component
        for real, (_c, data, _t) in item_of.items():
            parent = os.path.dirname(real)
            directory = real_directories.get(parent)
            if directory is None:
                directory = real_directories[parent] = os.path.realpath(parent)
            files.setdefault(directory, []).append(real)
            if real.endswith(".tf"):
                calls.setdefault(directory, set()).update(local_calls(directory, data))
        for unit in terraform_units(files, calls):
            jobs.append(Job("terraform", [(real, item_of[real][0].display, item_of[real][2]) for real in unit]))
    # ARM: a job a directory (a template reads only the parameter file beside it)
    arm: dict[str, list[tuple[str, str, str]]] = {}
    for c, _d, text in by_kind[FileKind.JSON]:
        real = os.path.abspath(c.path)
        arm.setdefault(os.path.dirname(real), []).append((real, c.display, text))
    jobs.extend(Job("arm", arm[directory]) for directory in sorted(arm))
    if by_kind[FileKind.BICEP]:
        bicep = {os.path.realpath(c.path): (c, data, text) for c, data, text in by_kind[FileKind.BICEP]}
        uses = {real: bicep_module_calls(real, data) for real, (_c, data, _t) in bicep.items()}
        loadable = _Loadable(json_files or [])
        for unit in connected_units(list(bicep), uses):  # a file shared by modules: parsed once
            members = [bicep[real] for real in unit]
            given = [(os.path.abspath(c.path), c.display, text) for c, _d, text in members]
            jobs.append(Job("bicep", given, loads=loadable.for_files(given)))
    return jobs


class _Loadable:
    """JSON files a Bicep file may load, found by the literal paths of its load calls (Bicep
    wants them literal). Never a file outside the discovered ones: discovery already keeps to the
    scan roots and refuses symlinks out of them."""

    def __init__(self, json_files: list[tuple[Candidate, bytes]]) -> None:
        self.json_files = json_files
        self._by_real: dict[str, bytes] | None = None

    def for_files(self, files: list[tuple[str, str, str]]) -> dict[tuple[str, str], bytes]:
        out: dict[tuple[str, str], bytes] = {}
        for real, _display, text in files:
            if "load" not in text:
                continue
            for literal in _LOAD_CALL.findall(text):
                target = os.path.realpath(os.path.join(os.path.dirname(real), literal))
                data = self.by_real().get(target)
                if data is not None:
                    out[(real, literal)] = data
        return out

    def by_real(self) -> dict[str, bytes]:
        if self._by_real is None:
            self._by_real = {os.path.realpath(c.path): data for c, data in self.json_files}
        return self._by_real


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


def scan(paths: list[str], options: ScanOptions | None = None) -> ScanReport:
    options = options or ScanOptions()
    report = ScanReport()
    found = discover(paths, options.exclude)
    _add_parameter_files(found.files)
    report.errors.extend(found.errors)
    report.files_scanned = len(found.files)
    checks = options.checks if options.checks is not None else all_checks()
    report.checks_run = checks

    # Nothing changed since a previous identical scan: the bytes of every file, the options and
    # the version decide the whole result, so it is answered before any other work. The bytes
    # are known by their hashes; a file `stat` shows unchanged is not even read (stat_memo.py).
    cache = None
    whole_key = ""
    hashes: dict[str, str] = {}
    parameters_digest = ""
    if options.use_cache:
        from ampls_checks.speed.cache import Cache

        cache = Cache(options.cache_dir)
        if cache.refused:  # nothing is read or written; say why once
            report.notes.append(Note("<cache>", 0, cache.refused))
        unread = _read_known(found.files, options, cache, paths, report, hashes)
        parameters_digest = _parameter_files_digest(options.arm_parameters)
        whole_key = cache.key(
            "scan",
            repr(options.settings),
            repr([c.id for c in checks]),
            repr(options.max_eval_steps),
            parameters_digest,
            repr(options.terraform_vars),
            repr(sorted(hashes.items())),
            repr(report.errors),
        )
        cached = cache.get(whole_key)
        if isinstance(cached, tuple) and len(cached) == 4:
            report.findings, report.errors, report.notes, report.files_parsed = cached
            return report
    else:
        unread = [(c, None) for c in found.files]
    contents = _read_rest(unread, options, report)

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
            continue
        text, error = decode(candidate, data)
        if error is not None or text is None:
            # (JSON gets here only when it names a deployment schema: it claims to be ours)
            report.errors.append(error or ParseError(candidate.display, "cannot decode file"))
            continue
        by_kind[candidate.kind].append((candidate, data, text))
    report.files_parsed = sum(len(files) for files in by_kind.values())

    jobs = plan_jobs(by_kind, [(c, data) for c, data in contents if c.kind is FileKind.JSON])
    results: list[ParseResult | None] = []
    pending: list[tuple[int, Job]] = []
    for position, job in enumerate(jobs):
        if cache is not None:
            job.key = cache.key(
                job.kind,
                repr(options.max_eval_steps),
                parameters_digest if job.kind == "arm" else "",
                repr(options.terraform_vars) if job.kind == "terraform" else "",
                options.settings.cloud.value if job.kind != "terraform" else "",
                repr([(display, hashes[display]) for _r, display, _t in job.files]),
                repr(sorted((where, _digest(data)) for where, data in job.loads.items())),
            )
            hit = cache.get(job.key)
            if isinstance(hit, ParseResult):
                results.append(hit)
                continue
        results.append(None)
        pending.append((position, job))
    for (position, job), result in zip(pending, run_jobs([job for _p, job in pending], options), strict=True):
        results[position] = result
        if cache is not None:
            cache.put(job.key, result)

    merged = ParseResult()
    seen_keys: set[str] = set()
    for result in results:
        if result is None:
            continue
        merged.errors.extend(result.errors)
        merged.notes.extend(result.notes)
        for entity in result.entities:
            if entity.key not in seen_keys:  # a module directory shared by two units
                seen_keys.add(entity.key)
                merged.entities.append(entity)
    report.errors.extend(_unique(merged.errors))
    report.notes.extend(_unique(merged.notes))
    report.findings = run_checks(merged.entities, options, report)
    report.errors.sort(key=lambda e: (e.file, e.line or 0))
    if cache is not None:
        cache.put(whole_key, (report.findings, report.errors, report.notes, report.files_parsed))
        if cache.writes:
            cache.clean_now_and_then()
    return report


def _read_known(
    files: list[Candidate],
    options: ScanOptions,
    cache: Cache,
    paths: list[str],
    report: ScanReport,
    hashes: dict[str, str],
) -> list[tuple[Candidate, bytes | None]]:
    """Each file's content hash into `hashes`, read only when `stat` cannot vouch for the hash the
    last scan of these paths recorded. Returns the files with their bytes, or None where unread."""
    import hashlib
    import time

    from ampls_checks.speed.stat_memo import StatMemo

    index_key = cache.key("content-index", os.getcwd(), *paths)
    kept = cache.get(index_key)
    known = kept if isinstance(kept, StatMemo) else StatMemo()
    fresh = StatMemo()
    now = time.time_ns()
    contents: list[tuple[Candidate, bytes | None]] = []
    for candidate in files:
        try:
            status: os.stat_result | None = os.stat(candidate.path)
        except OSError:
            status = None
        if status is not None and status.st_size <= options.max_file_bytes:
            digest = fresh.carry(known, candidate.path, status)
            if digest is not None:
                hashes[candidate.display] = digest
                contents.append((candidate, None))
                continue
        data = _read_or_report(candidate, options, report)
        if data is None:
            continue
        contents.append((candidate, data))
        hashes[candidate.display] = hashlib.blake2b(data, digest_size=20).hexdigest()
        if status is not None:
            fresh.put(candidate.path, status, hashes[candidate.display], now)
    if fresh.replaces(known):
        cache.put(index_key, fresh)
    return contents


def _read_rest(
    contents: list[tuple[Candidate, bytes | None]], options: ScanOptions, report: ScanReport
) -> list[tuple[Candidate, bytes]]:
    """The bytes of every file, reading those not read yet."""
    complete: list[tuple[Candidate, bytes]] = []
    for candidate, known in contents:
        data = known if known is not None else _read_or_report(candidate, options, report)
        if data is not None:
            complete.append((candidate, data))
    return complete


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


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _parameter_files_digest(paths: list[str]) -> str:
    import hashlib

    digest = hashlib.blake2b(digest_size=20)
    for path in paths:
        digest.update(path.encode())
        try:
            digest.update(read_regular(path))
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def run_checks(entities: list[Entity], options: ScanOptions, report: ScanReport) -> list[Finding]:
    graph = link(entities)
    report.graph = graph
    checks = options.checks if options.checks is not None else all_checks()
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
                skip = next((s for s in entity.suppressions if fnmatch.fnmatchcase(finding.check_id, s.check_id)), None)
                if skip is not None:
                    finding = replace(finding, suppression=skip)
            findings.append(finding)
    findings.sort(key=lambda f: f.sort_key)
    return findings
