"""The result cache around one scan: what makes a warm scan cost a `stat` per file.

Nothing changed since a previous identical scan: the bytes of every file, the options and the
version decide the whole result, so it is answered before any parsing. The bytes are known by
their hashes; a file `stat` shows unchanged is not even read (stat_memo.py). Otherwise each parse
job whose files and settings are unchanged takes its result from the cache, and only the others
are parsed. The scan works the same without any of this (`--no-cache`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from ampls_checks.discover import Candidate, read_regular
from ampls_checks.model import Note, ParseResult, ScanReport
from ampls_checks.parsers import JobSettings
from ampls_checks.speed.cache import Cache
from ampls_checks.speed.stat_memo import StatMemo
from ampls_checks.units import Job


class ScanCache:
    def __init__(self, cache_dir: str | None, paths: list[str], settings: JobSettings, scope: Sequence[str]) -> None:
        """`settings` are the parse settings, `scope` what else decides the result (the check
        settings, the checks selected)."""
        self.cache = Cache(cache_dir)
        self.paths = paths
        self.settings = settings
        self.scope = list(scope)
        self.hashes: dict[str, str] = {}
        self.parameters_digest = _parameter_files_digest(list(settings.arm_parameters))
        self.whole_key = ""

    def notes(self) -> list[Note]:
        """Why the cache is not used, when it is not (said once, with --verbose)."""
        refused = self.cache.refused
        return [Note("<cache>", 0, refused)] if refused else []

    def read(
        self, files: list[Candidate], max_bytes: int, read: Callable[[Candidate], bytes | None]
    ) -> list[tuple[Candidate, bytes | None]]:
        """Each file's content hash, read (with `read`) only when `stat` cannot vouch for the
        hash the last scan of these paths recorded. Returns the files with their bytes, or None
        where unread."""
        cache = self.cache
        index_key = cache.key("content-index", os.getcwd(), *self.paths)
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
            if status is not None and status.st_size <= max_bytes:
                digest = fresh.carry(known, candidate.path, status)
                if digest is not None:
                    self.hashes[candidate.display] = digest
                    contents.append((candidate, None))
                    continue
            data = read(candidate)
            if data is None:
                continue
            contents.append((candidate, data))
            self.hashes[candidate.display] = hashlib.blake2b(data, digest_size=20).hexdigest()
            if status is not None:
                fresh.put(candidate.path, status, self.hashes[candidate.display], now)
        if fresh.replaces(known):
            cache.put(index_key, fresh)
        return contents

    def recall(self, report: ScanReport) -> bool:
        """Fill `report` with the result of an identical earlier scan, if there was one."""
        self.whole_key = self.cache.key(
            "scan",
            *self.scope,
            repr(self.settings.max_steps),
            self.parameters_digest,
            repr(list(self.settings.terraform_vars)),
            repr(sorted(self.hashes.items())),
            repr(report.errors),
        )
        cached = self.cache.get(self.whole_key)
        if isinstance(cached, tuple) and len(cached) == 4:
            report.findings, report.errors, report.notes, report.files_parsed = cached
            return True
        return False

    def parse(self, jobs: list[Job], parse: Callable[[list[Job]], list[ParseResult]]) -> list[ParseResult]:
        """The results of `jobs`: from the cache where the job is unchanged, else from `parse`."""
        results: list[ParseResult | None] = []
        pending: list[tuple[int, Job]] = []
        for position, job in enumerate(jobs):
            job.key = self.cache.key(
                job.kind,
                repr(self.settings.max_steps),
                self.parameters_digest if job.kind == "arm" else "",
                repr(list(self.settings.terraform_vars)) if job.kind == "terraform" else "",
                self.settings.cloud.value if job.kind != "terraform" else "",
                repr([(display, self.hashes[display]) for _r, display, _t in job.files]),
                repr(sorted((where, hashlib.sha256(data).hexdigest()) for where, data in job.loads.items())),
                repr(sorted(job.remote_modules.items())),
                repr(sorted(_restored_digest(item) for item in job.registry_modules.items())),
            )
            hit = self.cache.get(job.key)
            if isinstance(hit, ParseResult):
                results.append(hit)
                continue
            results.append(None)
            pending.append((position, job))
        for (position, job), result in zip(pending, parse([job for _p, job in pending]), strict=True):
            results[position] = result
            self.cache.put(job.key, result)
        return [result for result in results if result is not None]

    def remember(self, report: ScanReport) -> None:
        self.cache.put(self.whole_key, (report.findings, report.errors, report.notes, report.files_parsed))
        if self.cache.writes:
            self.cache.clean_now_and_then()


def _parameter_files_digest(paths: list[str]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for path in paths:
        digest.update(path.encode())
        try:
            digest.update(read_regular(path))
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def _restored_digest(item: tuple[tuple[str, str], Any]) -> tuple[str, str, str]:
    """A Bicep registry module in a job's key: the file and reference, and the restored file's
    name, kind and content hash (or why it was not read)."""
    (file, reference), restored = item
    if isinstance(restored, str):
        return (file, reference, restored)
    digest = hashlib.sha256(restored.text.encode("utf-8", "surrogatepass")).hexdigest()
    return (file, reference, f"{restored.display}:{restored.template_spec}:{digest}")
