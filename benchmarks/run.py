#!/usr/bin/env python3
"""Benchmark ampls-checks against its baselines, measured in one run on the same machine.

    python benchmarks/run.py [--modules 1000] [--checkov PATH] [--workdir DIR] [--skip-scale] [--runs 15]
    python benchmarks/run.py --only hook [--modules 1000] [--runs 31]

It generates the synthetic monorepo of tests/corpus.py (four files per root
module), then measures, each in a fresh process, wall time and the peak memory of the whole
process tree (sampled from /proc):

- bare parse: python-hcl2's lark parser over every .tf file, one process (the floor a
  parser-based tool starts from);
- cat: reading every byte (the floor for any tool);
- cold scan (no cache, default parallelism) and warm scan (cache primed, nothing changed);
- the pre-commit case: `--changed-files` with one file edited before each run, cache warm for the
  rest, start-up included; and the directory of an edited file scanned without the cache;
- `ampls-checks --version` (start-up alone).

Figures under a second are the median of `--runs` runs (their minimum is shown too): on a shared
machine one run of 0.2 s says more about the neighbours than about the tool. The others:
- checkov with this project's pack on the same corpus, when checkov is available;
- scaling: a corpus ten times larger; and unrelated files (Terraform without monitor resources,
  JSON, YAML) scanned alone, against reading them.

It prints each figure with its ratio to checkov and to the bare parse. Timing is never asserted
in the test suite; this script is where the targets are shown.

`--only hook` measures the pre-commit figures alone (cache primed by one scan; then a fresh
runner's first scan and its hook), with the CPU time of each run (user + system of the tool and
its helper process) beside the wall time, and the load average before and after: on a shared
machine CPU time moves less with the neighbours than wall time does.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "tests" / "corpus.py"


@dataclass
class Measure:
    name: str
    seconds: float
    peak_mb: float
    returncode: int
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each timed run
    wall: list[float] = field(default_factory=list)  # wall seconds of each timed run


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them, so forked
    workers are not counted twice), or resident size where the kernel does not report it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _tree_rss_kb(pid: int) -> int:
    """Memory of a process and all its descendants, from /proc."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += _memory_kb(current)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(name: str, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measure:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.005 if time.perf_counter() - started < 1 else 0.02)
    elapsed = time.perf_counter() - started
    return Measure(name, elapsed, peak / 1024, process.returncode)


def measure_runs(
    name: str,
    command: list[str],
    cwd: Path,
    runs: int,
    before_each: Callable[[int], None] | None = None,
    env: dict[str, str] | None = None,
) -> Measure:
    """The median of `runs` runs, for figures of a few hundred milliseconds, where one run says
    more about the machine's noise than about the tool. `before_each(i)` prepares run i."""
    seconds = []
    cpu = []
    for number in range(runs):
        if before_each is not None:
            before_each(number)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            command,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        seconds.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the tool and its helper, both waited for
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
    # Memory in one more run: sampling /proc every few milliseconds takes a core of its own, which
    # would slow the timed runs on a two-core machine.
    if before_each is not None:
        before_each(runs)
    sampled = measure(name, command, cwd, env)
    label = f"{name} [median of {runs}, min {min(seconds):.2f}]"
    return Measure(label, statistics.median(seconds), sampled.peak_mb, sampled.returncode, cpu, seconds)


BARE_PARSE = """
import glob, importlib.metadata as md, importlib.util, sys
from lark import Lark
d = md.distribution("python-hcl2")
spec = importlib.util.spec_from_file_location("pl", str(d.locate_file("hcl2/postlexer.py")))
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
parser = Lark.open(str(d.locate_file("hcl2/hcl2.lark")), parser="lalr", propagate_positions=True,
                   postlex=m.PostLexer(), cache=True)
for path in glob.glob(sys.argv[1] + "/**/*.tf", recursive=True):
    with open(path) as handle:
        parser.parse(handle.read() + "\\n")
"""

CAT = """
import glob, sys
for path in glob.glob(sys.argv[1] + "/**/*", recursive=True):
    try:
        with open(path, "rb") as handle:
            handle.read()
    except IsADirectoryError:
        pass
"""


def generate(target: Path, modules: int) -> None:
    if target.exists():
        return
    subprocess.run([sys.executable, str(GENERATOR), str(target), str(modules)], check=True)


def add_unrelated(source: Path, target: Path) -> None:
    """The corpus plus as many unrelated files again (Terraform without monitor resources, JSON,
    YAML), the way a real monorepo is mostly other things."""
    if target.exists():
        return
    shutil.copytree(source, target)
    filler = (source / "stack00000" / "storage.tf").read_text()
    modules = sum(1 for p in source.iterdir() if p.is_dir())
    for number in range(modules):
        other = target / "apps" / f"app{number:05d}"
        other.mkdir(parents=True)
        (other / "main.tf").write_text(filler)
        (other / "package.json").write_text(f'{{"name": "app{number}", "version": "1.0.0"}}\n')
        (other / "pipeline.yaml").write_text("steps:\n  - script: make\n" * 20)
        (other / "settings.json").write_text('{"a": [1, 2, 3], "b": {"c": "d"}}\n' * 50)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def hook_only(tool: list[str], corpus: Path, work: Path, cached: list[str], runs: int) -> int:
    """`--only hook`: the pre-commit figures of the full run, measured the same way, with the
    CPU time of each run and the load average around them."""
    measure("prime cache", [*tool, str(corpus), *cached], work)
    time.sleep(2.1)  # as in the full run (stat_memo.py)
    measure("settle cache", [*tool, str(corpus), *cached], work)
    one = corpus / "stack00003" / "monitor.tf"
    original = one.read_text()
    relative = str(one.relative_to(corpus))

    def edit(number: int) -> None:
        one.write_text(original + f"\n# edit {number} {time.time()}\n")

    fresh = work / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh_env = {
        "XDG_CACHE_HOME": str(fresh / "cache"),
        "XDG_CONFIG_HOME": str(fresh / "config"),
        "AMPLS_CHECKS_CACHE_DIR": "",
        "AMPLS_CHECKS_CACHE_KEY": "",
    }
    results = []
    try:
        print(f"load average before: {_load()}")
        hook = [*tool, "--changed-files", relative]
        results.append(
            measure_runs("pre-commit: one file edited (--changed-files)", [*hook, *cached], corpus, runs, edit)
        )
        print(f"load average: {_load()}")
        measure(
            "fresh runner: first scan (builds parser table)", [*tool, str(corpus), "--format", "json"], work, fresh_env
        )
        time.sleep(2.1)
        measure("settle cache", [*tool, str(corpus)], work, fresh_env)
        results.append(measure_runs("fresh runner: pre-commit, one file edited", hook, corpus, runs, edit, fresh_env))
        print(f"load average after: {_load()}")
    finally:
        one.write_text(original)
    print(f"\n{'measure':72} {'wall median':>11} {'wall min':>8} {'cpu median':>10} {'cpu min':>8}")
    for result in results:
        print(
            f"{result.name:72} {statistics.median(result.wall):11.3f} {min(result.wall):8.3f} "
            f"{statistics.median(result.cpu):10.3f} {min(result.cpu):8.3f}"
        )
    return 0


def ratio(value: float, base: float | None) -> str:
    return f"{base / value:6.1f}x" if base else "     -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--checkov", default=os.environ.get("AMPLS_CHECKOV") or shutil.which("checkov"))
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "ampls-bench"))
    parser.add_argument("--skip-scale", action="store_true", help="skip the 10x and unrelated-files runs")
    parser.add_argument("--runs", type=int, default=15, help="runs behind each sub-second median")
    parser.add_argument(
        "--only", choices=["hook"], help="hook: only the pre-commit figures, with CPU time and load average"
    )
    args = parser.parse_args()

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"stacks-{args.modules}"
    generate(corpus, args.modules)
    # The console script, as users and pre-commit run it (`python -m` would add runpy's imports).
    script = Path(sys.executable).with_name("ampls-checks")
    tool = [str(script)] if script.exists() else [sys.executable, "-m", "ampls_checks.cli"]
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    files = sum(1 for _ in corpus.rglob("*.tf"))
    size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
    print(
        f"corpus: {args.modules} root modules, {files} .tf files, {size:.1f} MB; "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    # The HCL parser's snapshot (hcl_parser.py) is built once per cache directory, in about two
    # seconds; every figure below is measured with it in place, as after a first run.
    measure("build the parser snapshot", [*tool, str(corpus / "stack00000"), "--cache-dir", str(cache)], work)
    cached = ["--cache-dir", str(cache)]
    if args.only == "hook":
        return hook_only(tool, corpus, work, cached, args.runs)

    results: list[Measure] = [
        measure("cat (read every byte)", [sys.executable, "-c", CAT, str(corpus)], work),
        measure("bare parse (python-hcl2 lark, 1 process)", [sys.executable, "-c", BARE_PARSE, str(corpus)], work),
        measure_runs("ampls-checks --version", [*tool, "--version"], work, args.runs),
        measure("cold scan (no cache)", [*tool, str(corpus), "--no-cache", *cached, "--format", "json"], work),
        measure(
            "cold scan (1 process)", [*tool, str(corpus), "--no-cache", *cached, "-j", "1", "--format", "json"], work
        ),
    ]
    measure("prime cache", [*tool, str(corpus), *cached], work)
    time.sleep(2.1)  # records of files written in the last two seconds are never trusted (stat_memo.py)
    measure("settle cache", [*tool, str(corpus), *cached], work)
    results.append(measure_runs("warm scan (nothing changed)", [*tool, str(corpus), *cached], work, args.runs))

    one = corpus / "stack00003" / "monitor.tf"
    original = one.read_text()

    def edit(number: int) -> None:
        one.write_text(original + f"\n# edit {number} {time.time()}\n")

    try:
        relative = str(one.relative_to(corpus))
        results.append(
            measure_runs(
                "pre-commit: one file edited (--changed-files)",
                [*tool, "--changed-files", relative, *cached],
                corpus,
                args.runs,
                edit,
            )
        )
        results.append(
            measure_runs(
                "one changed file, its directory (no cache)",
                [*tool, str(one.parent), "--no-cache", *cached],
                work,
                args.runs,
                edit,
            )
        )
        edit(-1)
        results.append(measure("one changed file in the whole corpus (warm)", [*tool, str(corpus), *cached], work))

        # A fresh CI runner: no cache directory and no cache key at all (the user's cache and
        # configuration directories empty, no --cache-dir). The first scan builds the HCL parser's
        # table and the key; the figures after it are those of the runner's next jobs.
        fresh = work / "fresh"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh_env = {
            "XDG_CACHE_HOME": str(fresh / "cache"),
            "XDG_CONFIG_HOME": str(fresh / "config"),
            "AMPLS_CHECKS_CACHE_DIR": "",
            "AMPLS_CHECKS_CACHE_KEY": "",
        }
        first = [*tool, str(corpus), "--format", "json"]
        results.append(measure("fresh runner: first scan (builds parser table)", first, work, fresh_env))
        time.sleep(2.1)
        measure("settle cache", [*tool, str(corpus)], work, fresh_env)
        results.append(measure_runs("fresh runner: warm scan", [*tool, str(corpus)], work, args.runs, env=fresh_env))
        results.append(
            measure_runs(
                "fresh runner: pre-commit, one file edited",
                [*tool, "--changed-files", relative],
                corpus,
                args.runs,
                edit,
                fresh_env,
            )
        )
    finally:
        one.write_text(original)

    checkov_time = None
    if args.checkov:
        pack = subprocess.run(
            [*tool, "checkov-dir"], capture_output=True, text=True, check=True, cwd=work
        ).stdout.strip()
        checkov = measure(
            "checkov + ampls pack",
            [
                args.checkov,
                "-d",
                str(corpus),
                "--external-checks-dir",
                pack,
                "--framework",
                "terraform",
                "--check",
                "CKV_AMPLS_1",
                "--run-all-external-checks",
                "-o",
                "json",
                "--quiet",
            ],
            work,
            {"BC_SKIP_MAPPING": "TRUE", "AMPLS_CHECKS_CACHE_DIR": str(work / "pack-cache")},
        )
        results.append(checkov)
        checkov_time = checkov.seconds
    bare = next(r.seconds for r in results if r.name.startswith("bare parse"))

    print("peak MB: proportional set size of the whole process tree (workers included)")
    print(f"\n{'measure':72} {'seconds':>8} {'peak MB':>8} {'vs checkov':>11} {'vs bare parse':>14}")
    for result in results:
        print(
            f"{result.name:72} {result.seconds:8.2f} {result.peak_mb:8.0f} {ratio(result.seconds, checkov_time):>11} "
            f"{ratio(result.seconds, bare):>14}"
        )

    if not args.skip_scale:
        big = work / f"stacks-{args.modules * 10}"
        generate(big, args.modules * 10)
        noisy = work / f"stacks-{args.modules}-unrelated"
        add_unrelated(corpus, noisy)
        base = measure("cold scan", [*tool, str(corpus), "--no-cache", *cached], work)
        scaled = measure("cold scan, 10x corpus", [*tool, str(big), "--no-cache", *cached], work)
        print(f"\nscaling: 10x corpus took {scaled.seconds / base.seconds:.1f}x the time (target <= 11x)")
        # What unrelated files cost, measured on them alone: the difference between two scans of
        # several seconds drowns in the noise of a shared machine. Both figures include starting
        # Python; the scan also imports the tool.
        apps = noisy / "apps"
        count = sum(1 for p in apps.rglob("*") if p.is_file())
        empty = work / "empty"
        empty.mkdir(exist_ok=True)
        alone = measure_runs("scan", [*tool, str(apps), "--no-cache", *cached], work, args.runs)
        nothing = measure_runs("scan", [*tool, str(empty), "--no-cache", *cached], work, args.runs)
        read = measure_runs("cat", [sys.executable, "-c", CAT, str(apps)], work, args.runs)
        python = measure_runs("python", [sys.executable, "-c", CAT, str(empty)], work, args.runs)
        print(
            f"{count} unrelated files (medians of {args.runs}): scanning them costs "
            f"{alone.seconds - nothing.seconds:.2f} s more than scanning an empty directory "
            f"({nothing.seconds:.2f} s); reading them costs {read.seconds - python.seconds:.2f} s more "
            f"than reading nothing ({python.seconds:.2f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
