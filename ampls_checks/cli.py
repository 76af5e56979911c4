"""The command line. Exit codes: 0 clean, 1 findings at or above --fail-on, 2 input that could not
be analysed or a wrong command line (2 wins over 1).

Imports beyond argparse happen inside `main`, after the arguments are read, so `--version` and
`--help` cost almost nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from ampls_checks import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
# The names of ampls_checks.reporters.FORMATS, repeated here so that --help imports no reporter.
FORMAT_NAMES = ("text", "json", "sarif", "github", "azure-devops", "junitxml", "markdown")
GRAPH_FORMATS = ("mermaid", "dot", "html", "json")
LIMIT_NAMES = {
    "workspaces-per-scope": "workspaces_per_scope",
    "components-per-scope": "components_per_scope",
    "endpoints-per-scope": "endpoints_per_scope",
    "scopes-per-resource": "scopes_per_resource",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit code is 2 as well; say it our way
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ampls-checks",
        description="Find Azure Monitor Private Link misconfigurations in Terraform, ARM and Bicep.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 unreadable input or usage error. "
        "'ampls-checks explain CKV_AMPLS_n' prints a check's page; 'ampls-checks graph --help' draws the "
        "topology; "
        "'ampls-checks checkov-dir' prints the Checkov policy pack directory.",
    )
    parser.add_argument(
        "paths", nargs="*", default=None, help="files or directories to scan (default: ., none with --changed-files)"
    )
    parser.add_argument(
        "--format",
        "-f",
        action="append",
        default=None,
        metavar="FORMAT[:FILE]",
        help=f"output format, one of {', '.join(FORMAT_NAMES)} (default: text); repeatable; "
        "FORMAT:FILE writes that format to FILE, e.g. --format text --format sarif:results.sarif",
    )
    parser.add_argument(
        "--output-file",
        "-o",
        metavar="FILE",
        help="write the last --format given without a FILE (or the only one) to FILE instead of stdout",
    )
    parser.add_argument(
        "--check",
        "-c",
        action="append",
        default=[],
        metavar="IDS",
        help="run only these checks (ids or wildcards, comma-separated, repeatable)",
    )
    parser.add_argument(
        "--skip-check",
        action="append",
        default=[],
        metavar="IDS",
        help="skip these checks (ids or wildcards, comma-separated, repeatable)",
    )
    parser.add_argument(
        "--cloud",
        choices=("public", "usgovernment", "china"),
        default="public",
        help="which cloud's private DNS zone names to require (default: public)",
    )
    parser.add_argument(
        "--require-private",
        action="store_true",
        help="apply CKV_AMPLS_3 and CKV_AMPLS_4 to every monitor resource, linked or not",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="LOW",
        type=str.upper,
        help="lowest severity that makes the exit code 1 (default: LOW)",
    )
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=N",
        help="override a platform limit: " + ", ".join(LIMIT_NAMES),
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and directories matching GLOB (repeatable)",
    )
    parser.add_argument(
        "--max-file-size",
        type=_positive_int,
        default=None,
        metavar="BYTES",
        help="files larger than this are reported as errors (default: 10 MiB)",
    )
    parser.add_argument(
        "--arm-parameters",
        action="append",
        default=[],
        metavar="FILE",
        help="ARM parameter file overriding template defaults (repeatable; by default a "
        "<name>.parameters.json beside <name>.json is used)",
    )
    add_terraform_var_options(parser)
    parser.add_argument(
        "--plan",
        metavar="PLAN_JSON",
        help="scan a Terraform plan instead of source files: PLAN_JSON is `terraform show -json PLANFILE`; "
        "PATH, if given, is the root module directory the plan was made from (findings then point at its .tf "
        "lines, else at the plan's)",
    )
    parser.add_argument(
        "--bicep-module-cache",
        default=None,
        metavar="DIR",
        help="where `bicep restore` put registry modules and template specs (default: ~/.bicep, "
        "Bicep's own); their compiled main.json is analysed as the module, nothing is downloaded",
    )
    parser.add_argument(
        "--max-eval-steps",
        type=_positive_int,
        default=None,
        metavar="N",
        help="evaluation budget per module instance; beyond it values are unknown (default: 200000)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=None,
        metavar="N",
        help="parse in N processes (default: one per core for large scans, none for small ones)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        default=None,
        help="where parse results and the parsers' snapshots are kept (default: $AMPLS_CHECKS_CACHE_DIR "
        "or the user cache)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write cached parse results (the parsers' snapshots are still used)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings that FILE (written by --create-baseline) does not hold",
    )
    parser.add_argument(
        "--create-baseline",
        metavar="FILE",
        help="record today's findings in FILE and exit 0 (2 if some input could not be analysed)",
    )
    parser.add_argument(
        "--changed-files",
        action="store_true",
        help="PATHs are changed files (as a pre-commit hook passes them): scan the Terraform units, "
        "Bicep modules and ARM directories they belong to; report only findings in their directories "
        "and in the local modules they call",
    )
    parser.add_argument("--list-checks", action="store_true", help="list the checks and exit (--format json for JSON)")
    parser.add_argument(
        "--no-color",
        "--no-colour",
        dest="no_color",
        action="store_true",
        help="never colour severities (colour is used only on a terminal, and never when NO_COLOR is set)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="also say what could not be evaluated (unknown values), on stderr"
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="FILE",
        help="with PATH '-': standard input is the content of FILE, an existing file (an editor's unsaved "
        "buffer); FILE's directory is scanned with it, and only FILE's findings are reported",
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    parser.add_argument("--version", action="version", version=f"ampls-checks {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["checkov-dir"]:
        # `checkov -d . --external-checks-dir "$(ampls-checks checkov-dir)"`
        _write_stdout(os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkov_pack", "external") + "\n")
        return EXIT_OK
    if arguments[:1] == ["explain"]:
        return explain(arguments[1:])
    if arguments[:1] == ["graph"]:
        return graph_command(arguments[1:])
    args = build_parser().parse_args(arguments)
    if "-" in (args.paths or []) or args.stdin_filename is not None:
        problem = _stdin_problem(args)
        if problem:
            sys.stderr.write(f"ampls-checks: error: {problem}\n")
            return EXIT_ERROR
    if args.plan is not None:
        problem = _plan_problem(args)
        if problem:
            sys.stderr.write(f"ampls-checks: error: {problem}\n")
            return EXIT_ERROR
    if args.changed_files and not args.no_cache and not args.list_checks:
        from ampls_checks import DEFAULT_MAX_FILE_BYTES
        from ampls_checks.precommit import parsing_ahead

        with parsing_ahead(args.paths or [], args.cache_dir, args.max_file_size or DEFAULT_MAX_FILE_BYTES) as helper:
            return _guarded(args, helper)
    return _guarded(args, None)


def _guarded(args: argparse.Namespace, helper: int | None) -> int:
    try:
        return _run(args, helper)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if args.debug:
            raise
        sys.stderr.write(f"ampls-checks: internal error: {type(exc).__name__}: {exc} (run with --debug for details)\n")
        return EXIT_ERROR


def read_terraform_vars(given: list[tuple[str, str]], max_bytes: int | None) -> list[tuple[str, str, str]] | str:
    """The `--var-file` and `--var` options as plain data for the parse jobs, or what is wrong
    with one. A variable file may lie outside the scanned roots (the user named it), but it must
    be a regular file of the size any scanned file may have, and it must parse."""
    from ampls_checks import DEFAULT_MAX_FILE_BYTES
    from ampls_checks.discover import read_regular
    from ampls_checks.model import ParseError
    from ampls_checks.parsers.terraform.parse import parse_tf_file

    limit = max_bytes or DEFAULT_MAX_FILE_BYTES
    out: list[tuple[str, str, str]] = []
    for kind, value in given:
        if kind == "var":
            name, sep, _raw = value.partition("=")
            if not sep or not name.strip().isidentifier():
                return f"--var {value!r}: expected NAME=VALUE"
            out.append(("var", value, ""))
            continue
        if not value.endswith((".tfvars", ".tfvars.json")):
            return f"--var-file {value}: not a .tfvars or .tfvars.json file"
        try:
            data = read_regular(value, limit + 1)
        except OSError as exc:
            return f"--var-file {value}: cannot read file: {exc.strerror or exc}"
        if len(data) > limit:
            return f"--var-file {value}: file is over the limit of {limit} bytes (--max-file-size)"
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return f"--var-file {value}:{line}: not valid UTF-8"
        parsed = parse_tf_file(value, value, text)
        if isinstance(parsed, ParseError):
            where = f"{value}:{parsed.line}" if parsed.line else value
            return f"--var-file {where}: {parsed.message}"
        out.append(("file", value, text))
    return out


def _run(args: argparse.Namespace, helper: int | None = None) -> int:
    from ampls_checks.azure import Cloud
    from ampls_checks.checks import Limits, Settings, Severity, all_checks, select_checks

    available = all_checks()
    for option, patterns in (("--check", args.check), ("--skip-check", args.skip_check)):
        unknown = unknown_patterns(available, patterns)
        if unknown:
            sys.stderr.write(
                f"ampls-checks: error: {option}: unknown check {', '.join(repr(p) for p in unknown)} "
                "(ampls-checks --list-checks shows the ids)\n"
            )
            return EXIT_ERROR
    checks = select_checks(available, args.check, args.skip_check)
    terraform_vars = read_terraform_vars(args.terraform_vars, args.max_file_size)
    if isinstance(terraform_vars, str):
        sys.stderr.write(f"ampls-checks: error: {terraform_vars}\n")
        return EXIT_ERROR
    if args.list_checks:
        return list_checks(checks, args.format)
    limits = Limits()
    for item in args.limit:
        name, _, value = item.partition("=")
        if name not in LIMIT_NAMES or not value.isdigit():
            sys.stderr.write(f"ampls-checks: error: --limit expects NAME=N with NAME one of {', '.join(LIMIT_NAMES)}\n")
            return EXIT_ERROR
        limits = Limits(**{**limits.__dict__, LIMIT_NAMES[name]: int(value)})
    if args.check and not checks:
        sys.stderr.write("ampls-checks: error: --check matches no check\n")
        return EXIT_ERROR

    outputs = resolve_outputs(args.format or ["text"], args.output_file)
    if isinstance(outputs, str):
        sys.stderr.write(f"ampls-checks: error: {outputs}\n")
        return EXIT_ERROR
    if args.baseline and args.create_baseline:
        sys.stderr.write("ampls-checks: error: --baseline and --create-baseline do not go together\n")
        return EXIT_ERROR

    from ampls_checks.reporters import ReportContext, reporter
    from ampls_checks.scan import DEFAULT_MAX_FILE_BYTES, ScanOptions, scan

    baseline = None
    if args.baseline:
        from ampls_checks.suppress.baseline import BaselineError
        from ampls_checks.suppress.baseline import load as load_baseline

        try:
            baseline = load_baseline(args.baseline)
        except BaselineError as exc:
            sys.stderr.write(f"ampls-checks: error: {exc}\n")
            return EXIT_ERROR

    options = ScanOptions(
        settings=Settings(cloud=Cloud(args.cloud), require_private=args.require_private, limits=limits),
        checks=checks,
        exclude=args.exclude,
        max_file_bytes=args.max_file_size or DEFAULT_MAX_FILE_BYTES,
        arm_parameters=args.arm_parameters,
        max_eval_steps=args.max_eval_steps,
        terraform_vars=terraform_vars,
        bicep_module_cache=args.bicep_module_cache,
        jobs=args.jobs,
        cache_dir=args.cache_dir,
        # The markdown report draws the linked model, which a scan answered whole from the cache
        # does not have.
        use_cache=not args.no_cache and not any(name == "markdown" for name, _d in outputs),
        baseline=baseline,
    )
    from ampls_checks.terminal import Progress, colour_text_report, stderr_is_terminal, use_colour

    roots = args.paths or ([] if args.changed_files else ["."])
    stdin_display = None
    if args.stdin_filename is not None:
        from ampls_checks.discover import display_path

        # The checks are cross-file (a scope, its endpoint and its zones are often in different
        # files), so the buffer is scanned with its neighbours on disk, as if it were saved.
        options.replaced = {os.path.realpath(args.stdin_filename): sys.stdin.buffer.read()}
        options.use_cache = False
        roots = [os.path.dirname(args.stdin_filename) or "."]
        stdin_display = display_path(args.stdin_filename)
    with Progress(_label([args.plan] if args.plan is not None else roots), enabled=stderr_is_terminal()):
        if args.plan is not None:
            from ampls_checks.scan import scan_plan

            report = scan_plan(args.plan, args.paths[0] if args.paths else None, options)
        elif args.changed_files:
            from ampls_checks.precommit import scan_changed

            report = scan_changed(roots, options, helper)
        elif stdin_display is None and any(os.path.isfile(path) for path in roots):
            from ampls_checks.precommit import scan_paths  # a file named alone is read with its unit

            report = scan_paths(roots, options)
        else:
            report = scan(roots, options)
    if stdin_display is not None:
        report.findings = [f for f in report.findings if f.file == stdin_display]
        report.errors = [e for e in report.errors if e.file == stdin_display]
    if report.files_scanned == 0 and not report.errors and not args.changed_files:
        sys.stderr.write(
            f"ampls-checks: nothing was scanned: no .tf, .tfvars, .json or .bicep file in {_label(roots)}"
            f"{' (or --exclude left none)' if args.exclude else ''}; pass the files or directories that "
            "hold your Terraform, ARM or Bicep (.terraform/, .git/, node_modules/ and .terragrunt-cache/ "
            "are always skipped)\n"
        )

    context = ReportContext(cloud=args.cloud)
    if baseline is not None:
        context = ReportContext(baseline=baseline.path, baselined=len(report.baselined), cloud=args.cloud)

    from ampls_checks.output_files import OutputFileError, write_output
    from ampls_checks.reporters._safe import inert_line, visible

    _ensure_printable_stdout()
    status = EXIT_OK
    for name, destination in outputs:
        output = reporter(name)(report, context)
        if destination is None:
            if name == "text" and use_colour(sys.stdout, args.no_color):
                output = colour_text_report(output)
            _write_stdout(output)
            continue
        try:
            write_output(destination, output)
        except OutputFileError as exc:
            sys.stderr.write(inert_line(visible(f"ampls-checks: error: {exc}")) + "\n")
            status = EXIT_ERROR
    if args.verbose:
        from ampls_checks.model import shown

        for note in report.notes:
            message = visible(shown(note.message))
            sys.stderr.write(inert_line(f"{visible(note.file)}:{note.line}: unknown: {message}") + "\n")
    if args.create_baseline:
        from ampls_checks.suppress.baseline import BaselineError
        from ampls_checks.suppress.baseline import write as write_baseline

        try:
            write_baseline(report.findings, args.create_baseline)
        except BaselineError as exc:
            sys.stderr.write(inert_line(visible(f"ampls-checks: error: {exc}")) + "\n")
            return EXIT_ERROR
        recorded = len(report.active_findings)
        sys.stderr.write(
            f"ampls-checks: recorded {recorded} finding{'s' if recorded != 1 else ''} in {args.create_baseline}\n"
        )
        return EXIT_ERROR if report.errors else status
    if report.errors or status != EXIT_OK:
        return EXIT_ERROR
    threshold = Severity(args.fail_on).rank
    if any(f.severity.rank >= threshold for f in report.active_findings):
        return EXIT_FINDINGS
    return EXIT_OK


def add_terraform_var_options(parser: argparse.ArgumentParser) -> None:
    """`--var-file` and `--var`, the same for the scan and `graph`."""
    parser.add_argument(
        "--var-file",
        action="append",
        dest="terraform_vars",
        type=lambda text: ("file", text),
        default=[],
        metavar="FILE",
        help="Terraform variable values (.tfvars or .tfvars.json) for root modules, over terraform.tfvars "
        "and *.auto.tfvars, as `terraform plan -var-file` (repeatable; later ones win)",
    )
    parser.add_argument(
        "--var",
        action="append",
        dest="terraform_vars",
        type=lambda text: ("var", text),
        default=[],
        metavar="NAME=VALUE",
        help="a Terraform variable value for root modules, as `terraform plan -var` (repeatable; "
        "applied in command-line order with --var-file)",
    )


def build_graph_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ampls-checks graph",
        description="Draw the private link topology the scan sees: scopes, endpoints, zone groups, zones, "
        "virtual networks and linked monitor resources, each finding on its node, missing pieces dashed.",
    )
    parser.add_argument("paths", nargs="*", default=None, help="files or directories to scan (default: .)")
    parser.add_argument(
        "--format",
        "-f",
        default="mermaid",
        type=str.lower,
        choices=GRAPH_FORMATS,
        help="mermaid (default; renders in GitHub and Azure DevOps Markdown), dot (Graphviz), html (one "
        "self-contained file) or json (the linked model: entities with file and line, edges, unknowns)",
    )
    parser.add_argument("--output-file", "-o", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument("--cloud", choices=("public", "usgovernment", "china"), default="public")
    parser.add_argument("--require-private", action="store_true")
    parser.add_argument("--check", "-c", action="append", default=[], metavar="IDS")
    parser.add_argument("--skip-check", action="append", default=[], metavar="IDS")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    parser.add_argument("--arm-parameters", action="append", default=[], metavar="FILE")
    parser.add_argument("--bicep-module-cache", default=None, metavar="DIR")
    add_terraform_var_options(parser)
    parser.add_argument(
        "--plan",
        metavar="PLAN_JSON",
        help="draw a Terraform plan (`terraform show -json PLANFILE`); PATH, if given, is its root module directory",
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    return parser


def graph_command(arguments: list[str]) -> int:
    """`ampls-checks graph`: the exit code is 0 once the picture is written, 2 when some input
    could not be analysed (the picture then lacks what it holds) or the command line is wrong."""
    args = build_graph_parser().parse_args(arguments)
    try:
        return _graph(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(f"ampls-checks: internal error: {type(exc).__name__}: {exc} (run with --debug for details)\n")
        return EXIT_ERROR


def _graph(args: argparse.Namespace) -> int:
    from ampls_checks.azure import Cloud
    from ampls_checks.checks import Settings, all_checks, select_checks
    from ampls_checks.scan import ScanOptions, scan
    from ampls_checks.topology import build, to_json

    available = all_checks()
    for option, patterns in (("--check", args.check), ("--skip-check", args.skip_check)):
        unknown = unknown_patterns(available, patterns)
        if unknown:
            sys.stderr.write(f"ampls-checks: error: {option}: unknown check {', '.join(repr(p) for p in unknown)}\n")
            return EXIT_ERROR
    terraform_vars = read_terraform_vars(args.terraform_vars, None)
    if isinstance(terraform_vars, str):
        sys.stderr.write(f"ampls-checks: error: {terraform_vars}\n")
        return EXIT_ERROR
    options = ScanOptions(
        settings=Settings(cloud=Cloud(args.cloud), require_private=args.require_private),
        checks=select_checks(available, args.check, args.skip_check),
        exclude=args.exclude,
        arm_parameters=args.arm_parameters,
        bicep_module_cache=args.bicep_module_cache,
        terraform_vars=terraform_vars,
        use_cache=False,  # the picture needs the linked model, which only a scan that links has
    )
    from ampls_checks.terminal import Progress, stderr_is_terminal

    roots = args.paths or ["."]
    if args.plan is not None:
        problem = _plan_problem(args)
        if problem:
            sys.stderr.write(f"ampls-checks: error: {problem}\n")
            return EXIT_ERROR
        from ampls_checks.scan import scan_plan

        with Progress(_label([args.plan]), enabled=stderr_is_terminal()):
            report = scan_plan(args.plan, args.paths[0] if args.paths else None, options)
    else:
        with Progress(_label(roots), enabled=stderr_is_terminal()):
            report = scan(roots, options)
    for error in report.errors:
        from ampls_checks.reporters._safe import inert_line, visible

        where = f"{visible(error.file)}:{error.line}" if error.line else visible(error.file)
        sys.stderr.write(inert_line(f"{where}: error: {visible(error.message)}") + "\n")
    if report.graph is None:
        from ampls_checks.model import Graph

        report.graph = Graph()
    topology = build(report.graph, report.findings, args.cloud)
    if args.format == "json":
        import json

        output = json.dumps(to_json(topology), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        from ampls_checks.topology.html import page

        output = page(topology, f"ampls-checks topology of {_label(roots)}")
    elif args.format == "dot":
        from ampls_checks.topology.text_formats import dot

        output = dot(topology)
    else:
        from ampls_checks.topology.text_formats import mermaid

        output = mermaid(topology)
    if args.output_file and args.output_file != "-":
        from ampls_checks.output_files import OutputFileError, write_output
        from ampls_checks.reporters._safe import inert_line, visible

        try:
            write_output(args.output_file, output)
        except OutputFileError as exc:
            sys.stderr.write(inert_line(visible(f"ampls-checks: error: {exc}")) + "\n")
            return EXIT_ERROR
    else:
        _ensure_printable_stdout()
        _write_stdout(output)
    return EXIT_ERROR if report.errors else EXIT_OK


def unknown_patterns(checks: Sequence[Any], patterns: list[str]) -> list[str]:
    """The ids and wildcards of `--check`/`--skip-check` that name no check: a typo there would
    otherwise run (or skip) something else than was meant, silently."""
    import fnmatch

    wanted = [p.strip() for item in patterns for p in item.split(",") if p.strip()]
    return [p for p in wanted if not any(fnmatch.fnmatchcase(c.id, p.upper()) for c in checks)]


def list_checks(checks: Sequence[Any], formats: list[str] | None) -> int:
    """`--list-checks`: tab-separated id, severity and name; with `--format json`, a JSON array
    of objects (`id`, `name`, `severity`, `languages`, `guideline`)."""
    name = (formats or ["text"])[-1].partition(":")[0].strip().lower()
    if name == "json":
        import json

        rows = [
            {
                "id": c.id,
                "name": c.name,
                "severity": c.severity.value,
                "languages": list(c.languages),
                "guideline": c.guideline,
            }
            for c in checks
        ]
        _write_stdout(json.dumps(rows, indent=2) + "\n")
    elif name == "text":
        _write_stdout("".join(f"{c.id}\t{c.severity.value}\t{c.name}\n" for c in checks))
    else:
        sys.stderr.write(f"ampls-checks: error: --list-checks prints text or json, not {name}\n")
        return EXIT_ERROR
    return EXIT_OK


def explain(arguments: list[str]) -> int:
    """`ampls-checks explain CKV_AMPLS_n`: the check's page, rendered from its docstring as
    docs/checks/ has it, so it is there wherever the package is installed. `6` means CKV_AMPLS_6."""
    from ampls_checks.checks import all_checks
    from ampls_checks.docgen import render_page

    if len(arguments) != 1 or arguments[0].startswith("-"):
        sys.stderr.write("usage: ampls-checks explain CHECK_ID\n")
        return EXIT_OK if arguments[:1] in (["-h"], ["--help"]) else EXIT_ERROR
    wanted = arguments[0].strip().upper()
    if wanted.isdigit():
        wanted = f"CKV_AMPLS_{wanted}"
    for check in all_checks():
        if check.id == wanted:
            _write_stdout(render_page(check))
            return EXIT_OK
    sys.stderr.write(
        f"ampls-checks: error: explain: unknown check {arguments[0]!r} (ampls-checks --list-checks shows the ids)\n"
    )
    return EXIT_ERROR


def _plan_problem(args: argparse.Namespace) -> str | None:
    """Why `--plan` cannot be used as given, or None."""
    # (`graph` has neither --changed-files nor --stdin-filename)
    if getattr(args, "changed_files", False) or getattr(args, "stdin_filename", None) is not None:
        return "--plan does not go with --changed-files, '-' or --stdin-filename"
    if "-" in (args.paths or []):
        return "--plan does not go with --changed-files, '-' or --stdin-filename"
    if getattr(args, "terraform_vars", None):
        return "--plan holds the variable values already: drop --var and --var-file"
    if len(args.paths or []) > 1:
        return "--plan takes at most one PATH: the root module directory the plan was made from"
    if args.paths and not os.path.isdir(args.paths[0]):
        return f"--plan: {args.paths[0]!r} is not a directory (give the root module directory the plan was made from)"
    if not os.path.isfile(args.plan):
        return f"--plan: {args.plan!r} is not a file"
    return None


def _stdin_problem(args: argparse.Namespace) -> str | None:
    """Why `-` and `--stdin-filename` cannot be used as given, or None."""
    if args.paths != ["-"]:
        return "'-' (standard input) must be the only PATH, and --stdin-filename goes with it"
    if args.stdin_filename is None:
        return (
            "reading standard input ('-') needs --stdin-filename FILE: the checks need the files beside it, "
            "so name the file the content belongs to"
        )
    if args.changed_files or args.baseline or args.create_baseline:
        return "'-' does not go with --changed-files, --baseline or --create-baseline"
    from ampls_checks.discover import kind_of

    if not os.path.isfile(args.stdin_filename):
        return f"--stdin-filename {args.stdin_filename!r} is not an existing file (its neighbours are read from disk)"
    if kind_of(os.path.basename(args.stdin_filename)) is None:
        return f"--stdin-filename {args.stdin_filename!r} is not a .tf, .tfvars, .json or .bicep file"
    return None


def _label(paths: list[str]) -> str:
    """The scanned paths as one printable phrase (control characters shown as escapes)."""
    shown = ", ".join(paths) if paths else "the changed files"
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in shown)


def _write_stdout(text: str) -> None:
    """Write to stdout; a reader that went away (`ampls-checks --list-checks | head -1`) is not an
    error: the rest of the output is dropped and the exit code still says what the scan found."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's flush at exit cannot fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def resolve_outputs(formats: list[str], output_file: str | None) -> list[tuple[str, str | None]] | str:
    """Pair each `--format NAME[:FILE]` with where it goes (None: stdout), or say what is wrong.

    `--output-file FILE` goes to the last format named without a FILE, so both
    `--format json --output-file x` and `--format text --format sarif --output-file r.sarif`
    (text on stdout, SARIF in the file) read as they sound. One format at most can use stdout,
    and two formats cannot share a file. `FILE` may be `-` for stdout.
    """
    outputs: list[tuple[str, str | None]] = []
    explicit: list[bool] = []
    for item in formats:
        name, colon, destination = item.partition(":")
        name = name.strip().lower()
        if name not in FORMAT_NAMES:
            return f"unknown format {name!r}: choose from {', '.join(FORMAT_NAMES)}"
        if colon and not destination:
            return f"--format {item}: name a file after the colon, or leave the colon out"
        outputs.append((name, None if not colon or destination == "-" else destination))
        explicit.append(bool(colon))
    if output_file is not None:
        without = [index for index, named in enumerate(explicit) if not named]
        if not without:
            return "--output-file: every --format already names its file"
        index = without[-1]
        outputs[index] = (outputs[index][0], None if output_file == "-" else output_file)
    to_stdout = [name for name, destination in outputs if destination is None]
    if len(to_stdout) > 1:
        return f"formats {', '.join(to_stdout)} would all print to stdout: give all but one a file (--format NAME:FILE)"
    files = [os.path.abspath(destination) for _name, destination in outputs if destination is not None]
    if len(files) != len(set(files)):
        return "two formats write to the same file"
    return outputs


def _ensure_printable_stdout() -> None:
    """A resource name the console's encoding cannot show must not crash the report."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def entry_point() -> None:
    try:
        status = main()
    except BrokenPipeError:  # a write outside _write_stdout (argparse's --help into `head`)
        _silence_stdout()
        status = EXIT_OK
    sys.exit(status)


if __name__ == "__main__":
    entry_point()
