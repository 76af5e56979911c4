"""The parse stage: a job (the files of one deployment unit, in one language) in, a `ParseResult`
of model entities out. One subpackage per language; `common` holds what they share.

A job takes and returns plain data, so the speed machinery (speed/) can run jobs in worker
processes and keep their results; the scan runs them in order without it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ampls_checks.azure import Cloud
from ampls_checks.model import ParseError, ParseResult
from ampls_checks.units import Job


@dataclass(frozen=True)
class JobSettings:
    """What parsing depends on besides the files (part of every cache key), and where the
    parsers' snapshots and per-file parses are kept (which never changes a result)."""

    max_steps: int | None = None
    arm_parameters: tuple[str, ...] = ()
    cloud: Cloud = Cloud.PUBLIC
    parser_dir: str | None = None
    keep_parsed_files: bool = False
    terraform_vars: tuple[tuple[str, str, str], ...] = ()  # --var-file / --var, in order


def parse_job(job: Job, settings: JobSettings) -> ParseResult:
    """Parse one job. A failure inside a parser is an error entry for the job's files, never the
    end of the scan."""
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
            return load_terraform(parsed, settings.max_steps, settings.terraform_vars, job.remote_modules)
        if job.kind == "arm":
            from ampls_checks.parsers.arm.parse import parse_arm_files

            return parse_arm_files(
                job.files, list(settings.arm_parameters), cloud=settings.cloud, max_steps=settings.max_steps
            )
        from ampls_checks.parsers.bicep.parse import parse_bicep_files

        # `--cloud` says where templates deploy, so it is what `environment()` returns
        return parse_bicep_files(
            job.files,
            cloud=settings.cloud,
            max_steps=settings.max_steps,
            loads=job.loads,
            registry=job.registry_modules,
        )
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
