"""Run the ARM front end (decode and evaluate) over every `main.json` (or the given file name)
under the given directories and count the errors, by message. Measures languageVersion 2.0
support on the templates the Bicep compiler writes (Azure/bicep-registry-modules `avm/`).

    python benchmarks/arm_corpus.py /path/to/bicep-registry-modules/avm [--name main.json]

Prints the number of templates, those in error, the errors, CPU time, then each message (with
quoted names folded) with its count and one example (file:line).
"""

from __future__ import annotations

import collections
import pathlib
import re
import sys
import time

from ampls_checks.parsers.arm.parse import parse_arm_files


def main(argv: list[str]) -> int:
    name = "main.json"
    if "--name" in argv:
        position = argv.index("--name")
        name = argv[position + 1]
        argv = argv[:position] + argv[position + 2 :]
    counts: collections.Counter[str] = collections.Counter()
    example: dict[str, str] = {}
    in_error: set[str] = set()
    templates = 0
    started = time.process_time()
    for root in argv:
        for path in sorted(pathlib.Path(root).rglob(name)):
            templates += 1
            text = path.read_text(encoding="utf-8-sig")
            for error in parse_arm_files([(str(path), str(path), text)], []).errors:
                message = re.sub(r"'[^']*'", "'…'", error.message)[:120]
                counts[message] += 1
                in_error.add(str(path))
                example.setdefault(message, f"{path}:{error.line}")
    seconds = time.process_time() - started
    print(f"{templates} templates, {len(in_error)} in error, {sum(counts.values())} errors, {seconds:.1f} s CPU")
    for message, count in counts.most_common():
        print(f"{count:6d}  {message}   e.g. {example[message]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
