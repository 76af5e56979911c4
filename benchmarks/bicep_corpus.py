"""Parse every `.bicep` and `.bicepparam` file under the given directories with our Bicep parser
and count the files in error, by message. Measures the front end on real code (the issue's
corpus: Azure/bicep-registry-modules `avm/`, ALZ-Bicep, missionlz, CanadaPubSecALZ).

    python benchmarks/bicep_corpus.py /path/to/bicep-registry-modules/avm [more roots...]

Prints, per root: files, files in error, their share, time (wall and CPU), then the most frequent
messages with one example each (file:line).
"""

from __future__ import annotations

import collections
import os
import sys
import time

from ampls_checks.parsers.bicep.syntax import parse_bicep


def measure(root: str, show: int) -> int:
    files = []
    for directory, _dirs, names in os.walk(root):
        files.extend(os.path.join(directory, n) for n in names if n.endswith((".bicep", ".bicepparam")))
    files.sort()
    messages: collections.Counter[str] = collections.Counter()
    example: dict[str, str] = {}
    failed = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        errors = parse_bicep(text).errors
        if errors:
            failed += 1
        for error in errors:
            message = str(error)
            messages[message] += 1
            example.setdefault(message, f"{os.path.relpath(path, root)}:{error.line}")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    share = 100 * failed / len(files) if files else 0.0
    print(
        f"{root}: {len(files)} files, {failed} in error ({share:.2f}%),"
        f" read and parsed in {elapsed:.2f} s ({cpu:.2f} s CPU)"
    )
    for message, count in messages.most_common(show):
        print(f"  {count:5d}  {message}  (e.g. {example[message]})")
    return failed


def main(argv: list[str]) -> int:
    show = 15
    roots = [a for a in argv if not a.startswith("--top=")]
    for a in argv:
        if a.startswith("--top="):
            show = int(a.split("=", 1)[1])
    failed = sum(measure(root, show) for root in roots)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
