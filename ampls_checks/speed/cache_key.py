"""The secret key that authenticates cache entries and parser tables, kept outside the cache.

Anyone who can write the cache directory (a CI cache restored from another branch or a fork's
pipeline, a directory inside a checkout, a shared machine) could otherwise plant an entry that
says "no findings" for a file they know. Entries carry a MAC made with this key, so an entry
written without it is ignored. The key is, in this order:

- `AMPLS_CHECKS_CACHE_KEY` when set and not empty (at least 16 characters; CI passes a secret
  variable, and gives an empty value where it withholds the secret), or
- the file `ampls-checks/cache-key` in the user's configuration directory (`$XDG_CONFIG_HOME`,
  else `~/.config`), created with 32 random bytes on first use, readable by the user alone.

Without a usable key the cache is not used at all.
"""

from __future__ import annotations

import hashlib
import os

ENVIRONMENT_VARIABLE = "AMPLS_CHECKS_CACHE_KEY"
MIN_ENVIRONMENT_KEY = 16


def key_file() -> str:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "ampls-checks", "cache-key")


def cache_key() -> tuple[bytes, str | None]:
    """The key (32 bytes), or an empty key and why there is none."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:  # empty counts as unset: CI gives an empty value for a secret it withholds
        if len(configured) < MIN_ENVIRONMENT_KEY:
            return b"", f"cache not used: {ENVIRONMENT_VARIABLE} is shorter than {MIN_ENVIRONMENT_KEY} characters"
        return _derive(configured.encode("utf-8", "surrogateescape")), None
    path = key_file()
    from ampls_checks.speed import safe_files

    secret = safe_files.read_own_file(path, max_bytes=4096, private=True)
    if secret is None and not os.path.lexists(path):
        problem = safe_files.make_own_directory(os.path.dirname(path))
        if problem is not None:
            return b"", f"cache not used: no key ({os.path.dirname(path)} {problem})"
        # a hard link, not a rename: two first runs at once must end with one key, not two
        safe_files.write_file(path, os.urandom(32).hex().encode(), replace=False)
        secret = safe_files.read_own_file(path, max_bytes=4096, private=True)
    if secret is None or len(secret) < 32:
        return b"", f"cache not used: the key file {path} is missing, not the user's own, or readable by others"
    return _derive(secret), None


def _derive(secret: bytes) -> bytes:
    return hashlib.blake2b(secret, digest_size=32, person=b"ampls-cache-key").digest()
