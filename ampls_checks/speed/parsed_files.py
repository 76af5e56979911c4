"""Parsed Terraform files kept one by one, and parsed ahead of time, for the pre-commit hook.

A full scan caches whole deployment units. The hook scans a unit whenever one of its files
changed, so it keeps each file's parse as well (keyed by the file's text) and parses only the
files that changed. And it starts parsing them at once, in a second process, while the first
one imports the checks and plans the scan: loading the HCL parser and compiling its lexer costs
about 100 ms, as much as the rest of the hook, and a pre-commit machine has more than one core.
The helper only fills the cache; the scan then finds the parses there, or parses whatever the
helper did not finish. Where there is no `fork` (Windows), nothing is started ahead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ampls_checks.model import ParseError
    from ampls_checks.parsers.terraform.parse import TfFile
    from ampls_checks.speed.cache import Cache

HELPER_SECONDS = 60  # a helper still parsing after this is killed; the scan parses for itself
PARENT_POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _body_key(cache: Cache, text: str) -> str:
    """The cache key of a file's parse: its text alone (a parse does not depend on the path)."""
    return cache.key("hcl-body", text)


def cached_parser(cache_dir: str | None) -> Callable[[str, str, str], TfFile | ParseError]:
    """`parse_tf_file`, answered from the cache when the same text was parsed before."""
    from ampls_checks.parsers.terraform.hcl_syntax import Body
    from ampls_checks.parsers.terraform.parse import TfFile, parse_tf_file
    from ampls_checks.speed.cache import Cache

    cache = Cache(cache_dir)

    def parse(path: str, display: str, text: str) -> TfFile | ParseError:
        key = _body_key(cache, text)
        kept = cache.get(key)
        if isinstance(kept, Body):
            return TfFile(path, display, kept, text)
        parsed = parse_tf_file(path, display, text, cache_dir)
        if isinstance(parsed, TfFile):
            cache.put(key, parsed.body)
        return parsed

    return parse


def _parse_into_cache(paths: list[str], cache_dir: str | None, max_bytes: int) -> None:
    """What the helper does: the same entries as `cached_parser`, without loading the Terraform
    evaluator it does not need."""
    from ampls_checks.discover import read_regular
    from ampls_checks.parsers.terraform.hcl_syntax import HclSyntaxError, parse_hcl
    from ampls_checks.speed.cache import Cache

    cache = Cache(cache_dir)
    for path in paths:
        try:
            data = read_regular(path, max_bytes + 1)  # a FIFO must not hold the helper
            if len(data) > max_bytes or b"\x00" in data:
                continue
            text = data.decode("utf-8-sig")
            key = _body_key(cache, text)
            if cache.get(key) is None:
                cache.put(key, parse_hcl(text, cache_dir))
        except (OSError, UnicodeDecodeError, HclSyntaxError):
            continue  # the scan reports it


def start_helper(changed: list[str], cache_dir: str | None, max_bytes: int) -> int | None:
    """Fork a process that parses the `.tf` files in the directories of the changed `.tf` files
    into the cache. Returns its process id, or None when nothing was started."""
    directories = {os.path.dirname(os.path.abspath(p)) for p in changed if p.endswith(".tf") and os.path.isfile(p)}
    if not directories or not hasattr(os, "fork"):
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    try:  # the helper: never returns, never prints, never raises
        import signal

        signal.alarm(HELPER_SECONDS)
        _exit_with_parent(os.getppid())
        paths = [
            os.path.join(directory, name)
            for directory in sorted(directories)
            for name in sorted(os.listdir(directory))
            if name.endswith(".tf")
        ]
        _parse_into_cache([p for p in paths if os.path.isfile(p) and not os.path.islink(p)], cache_dir, max_bytes)
    except BaseException:  # noqa: BLE001, S110 - whatever the helper could not do, the scan does
        pass
    finally:
        os._exit(0)


def _exit_with_parent(parent: int) -> None:
    """End this helper when the process that started it ends, however it ends (`kill -9`
    included): an orphan would go on parsing for nobody. Linux tells us at once (the parent-death
    signal, set through `prctl`); elsewhere, and as a second guard, a thread checks every
    `PARENT_POLL_SECONDS` whether we were handed to another parent. Termination raises
    SystemExit, so a cache entry being written removes its temporary file."""
    import signal
    import sys
    import threading

    def stop(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still watches
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        raise SystemExit(0)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="ampls-checks-parent-watch", daemon=True).start()


def wait_for_helper(pid: int | None) -> None:
    if pid is None:
        return
    with contextlib.suppress(ChildProcessError, InterruptedError):
        os.waitpid(pid, 0)
