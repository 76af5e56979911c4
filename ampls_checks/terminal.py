"""What the command line does only for a person at a terminal: colour and a progress line.

Both are decided from the stream they go to, never from the format alone: CI logs, pipes and
files get the exact bytes the reporters wrote. Colour follows the NO_COLOR convention
(https://no-color.org: any non-empty value turns it off) and `--no-color`; the progress line goes
to stderr, only when stderr is a terminal, and only once a scan has taken more than a second, so
quick scans and scripted ones never see it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Mapping
from typing import TextIO

RESET = "\x1b[0m"
# Bold red for what fails a build, yellow for MEDIUM, cyan for LOW: readable on dark and light.
SEVERITY_COLOURS = {
    "CRITICAL": "\x1b[1;35m",
    "HIGH": "\x1b[1;31m",
    "MEDIUM": "\x1b[33m",
    "LOW": "\x1b[36m",
}
# A finding line of the text format: `path:line: CKV_AMPLS_n [SEVERITY] ...`. The path comes first
# and may hold anything; the first ` CKV_AMPLS_<digits> [` after a colon is the marker. Lazy `.*?`
# followed by a literal keeps the match linear in the line's length.
_FINDING = re.compile(r"(.*?: CKV_AMPLS_\d+ )\[(CRITICAL|HIGH|MEDIUM|LOW)\]")


def use_colour(stream: TextIO, no_colour_flag: bool, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if no_colour_flag or environ.get("NO_COLOR", ""):
        return False
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour_text_report(output: str) -> str:
    """Colour the severity of each finding line of the text format; every other byte is kept.

    Only the `[SEVERITY]` marker is coloured: the rest of the line is already made printable by
    the text reporter, and colouring it would not change what it says."""
    lines = output.split("\n")
    for index, line in enumerate(lines):
        match = _FINDING.match(line)
        if match is None:
            continue
        severity = match.group(2)
        lines[index] = f"{match.group(1)}{SEVERITY_COLOURS[severity]}[{severity}]{RESET}{line[match.end() :]}"
    return "\n".join(lines)


class Progress:
    """A line on stderr, `ampls-checks: scanning PATH ... 3 s`, rewritten in place while a scan runs
    longer than `delay` seconds, and erased when it ends. Used as a context manager; it does
    nothing at all unless `enabled` (stderr is a terminal)."""

    def __init__(self, label: str, enabled: bool, stream: TextIO | None = None, delay: float = 1.0) -> None:
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="ampls-checks-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self._shown:
            self._write("\r\x1b[2K")

    def _run(self) -> None:
        started = time.monotonic()
        if self._stop.wait(self.delay):
            return
        while True:
            elapsed = time.monotonic() - started
            self._write(f"\r\x1b[2Kampls-checks: scanning {self.label} ... {elapsed:.0f} s")
            self._shown = True
            if self._stop.wait(0.5):
                return

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._stop.set()


def stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"
