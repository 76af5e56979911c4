"""Parsing jobs in worker processes when there is enough work to pay for them.

Starting a pool costs a few hundred milliseconds, so small scans parse in this process. Results
are the same either way: a job takes and returns plain data (parsers/__init__.py).
"""

from __future__ import annotations

import os
import sys

from ampls_checks.model import ParseResult
from ampls_checks.parsers import JobSettings, parse_job
from ampls_checks.units import Job

POOL_MIN_BYTES = 2 * 1024 * 1024


def _parse_in_worker(args: tuple[Job, JobSettings]) -> ParseResult:
    job, settings = args
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    return parse_job(job, settings)


def parse_jobs(jobs: list[Job], settings: JobSettings, workers: int | None = None) -> list[ParseResult]:
    """Run jobs in a process pool when there is enough work for one (or `workers` is given),
    serially otherwise."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    total = sum(len(text) for job in jobs for _r, _d, text in job.files)
    if count > 1 and len(jobs) > 1 and (total >= POOL_MIN_BYTES or workers is not None):
        from concurrent.futures import ProcessPoolExecutor

        arguments = [(job, settings) for job in jobs]
        try:
            with ProcessPoolExecutor(max_workers=min(count, len(jobs))) as pool:
                chunk = max(1, len(jobs) // (count * 4))
                return list(pool.map(_parse_in_worker, arguments, chunksize=chunk))
        except Exception:  # noqa: BLE001 - no processes here, a worker died, a result would not pickle
            pass  # do the work in this process; results are the same, only slower
    return [parse_job(job, settings) for job in jobs]
