"""Template functions that ARM JSON and Bicep evaluate alike (Bicep compiles to the same ARM
functions), and the size bounds they share. Each takes the caller's scope, which these do not
need, and the evaluated arguments."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ampls_checks.azure import Cloud
from ampls_checks.model import Unknown

# The `environment()` values of each cloud that templates read for private link zone names
# ("Deployment functions for ARM templates", environment): the storage suffix
# `core.windows.net` (AzureCloud), `core.usgovcloudapi.net` (AzureUSGovernment),
# `core.chinacloudapi.cn` (AzureChinaCloud).
ENVIRONMENTS: dict[Cloud, dict[str, Any]] = {
    Cloud.PUBLIC: {"name": "AzureCloud", "suffixes": {"storage": "core.windows.net"}},
    Cloud.USGOVERNMENT: {"name": "AzureUSGovernment", "suffixes": {"storage": "core.usgovcloudapi.net"}},
    Cloud.CHINA: {"name": "AzureChinaCloud", "suffixes": {"storage": "core.chinacloudapi.cn"}},
}


class BudgetExceeded(Exception):
    """The evaluation step budget is spent (per ARM template file, per Bicep entry file)."""


@dataclass
class Budget:
    steps: int

    def spend(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise BudgetExceeded


MAX_ITEMS = 10_000  # the longest array built (range(), concat()); ARM's range() allows 10,000
MAX_STRING = 1_000_000  # the longest string built: concat(a, a) doubles in one step


def too_long() -> Unknown:
    return Unknown(f"a string over the evaluation limit of {MAX_STRING} characters")


def too_many() -> Unknown:
    return Unknown(f"an array over the evaluation limit of {MAX_ITEMS} items")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def replace(scope: Any, args: list[Any]) -> Any:
    text, old, new = args
    if not isinstance(text, str) or not isinstance(old, str) or not isinstance(new, str) or not old:
        return Unknown("replace() needs strings")
    if len(text) + text.count(old) * len(new) > MAX_STRING:
        return too_long()
    return text.replace(old, new)


def substring(scope: Any, args: list[Any]) -> Any:
    text, start = args[0], args[1]
    length = args[2] if len(args) > 2 else None
    if not isinstance(text, str) or not is_int(start) or (length is not None and not is_int(length)):
        return Unknown("substring() arguments do not fit")
    if start < 0 or start > len(text) or (length is not None and (length < 0 or start + length > len(text))):
        return Unknown("substring() is out of range")
    return text[start:] if length is None else text[start : start + length]


def min_max(pick: Callable[..., Any]) -> Callable[[Any, list[Any]], Any]:
    def apply(scope: Any, args: list[Any]) -> Any:
        values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
        if not values or not all(is_int(v) for v in values):
            return Unknown("min() and max() need numbers")
        return pick(values)

    return apply


def to_bool(scope: Any, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if is_int(value):
        return value != 0
    return Unknown("bool() needs a boolean, a number or 'true'/'false'")


def to_int(scope: Any, args: list[Any]) -> Any:
    value = args[0]
    if is_int(value):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\s*", value):
        return int(value)
    return Unknown("int() needs a whole number")


def empty(scope: Any, args: list[Any]) -> Any:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return Unknown("empty() needs a string, an array or an object")


def length(scope: Any, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, (str, list, dict)):
        return len(value)
    return Unknown("length() needs a string, an array or an object")


def split(scope: Any, args: list[Any]) -> Any:
    text, separators = args
    if isinstance(separators, str):
        separators = [separators]
    if not isinstance(text, str) or not isinstance(separators, list) or not all(isinstance(s, str) for s in separators):
        return Unknown("split() needs strings")
    parts = [text]
    for separator in separators:
        if separator:  # Python cannot split on nothing; nothing is split off either
            parts = [piece for part in parts for piece in part.split(separator)]
    return parts


def string_function(operation: Callable[..., Any]) -> Callable[[Any, list[Any]], Any]:
    """`toLower()`, `trim()` and the like: a string operation, unknown for anything else."""

    def apply(scope: Any, args: list[Any]) -> Any:
        if not args or not isinstance(args[0], str):
            return Unknown("a string is expected")
        return operation(*args)

    return apply


def has_opaque(value: Any, opaque: tuple[type, ...]) -> bool:
    """Whether `value` holds one of the `opaque` kinds anywhere: values only Azure knows."""
    if isinstance(value, opaque):
        return True
    if isinstance(value, list):
        return any(has_opaque(v, opaque) for v in value)
    if isinstance(value, dict):
        return any(has_opaque(v, opaque) for v in value.values())
    return False


def same(a: Any, b: Any, opaque: tuple[type, ...]) -> Any:
    """Template equality: no conversion between types; unknown when either side holds a value
    only Azure knows."""
    if isinstance(a, Unknown):
        return a
    if isinstance(b, Unknown):
        return b
    if has_opaque(a, opaque) or has_opaque(b, opaque):
        return Unknown("comparing values only Azure knows")
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


# The functions below differ between the languages only in how a value becomes text, or when two
# values are the same (Bicep has more kinds of opaque value than ARM JSON), so each language
# passes its own conversion in.


def join_with(text_of: Callable[[Any], Any]) -> Callable[[Any, list[Any]], Any]:
    def join(scope: Any, args: list[Any]) -> Any:
        items, separator = args
        if not isinstance(items, list) or not isinstance(separator, str):
            return Unknown("join() needs an array and a string")
        texts = [text_of(v) for v in items]
        for text in texts:
            if isinstance(text, Unknown):
                return text
        if sum(len(t) for t in texts if isinstance(t, str)) + len(separator) * len(texts) > MAX_STRING:
            return too_long()
        return separator.join(t for t in texts if isinstance(t, str))

    return join


def pad_left_with(text_of: Callable[[Any], Any]) -> Callable[[Any, list[Any]], Any]:
    def pad_left(scope: Any, args: list[Any]) -> Any:
        value, width = args[0], args[1]
        pad = args[2] if len(args) > 2 else " "
        text = text_of(value)
        if isinstance(text, Unknown) or not is_int(width) or not isinstance(pad, str) or len(pad) != 1:
            return Unknown("padLeft() arguments do not fit")
        if width > MAX_STRING:
            return too_long()
        return text.rjust(width, pad)

    return pad_left


def intersection_with(same: Callable[[Any, Any], Any]) -> Callable[[Any, list[Any]], Any]:
    def intersection(scope: Any, args: list[Any]) -> Any:
        if all(isinstance(a, list) for a in args):
            return [v for v in args[0] if all(any(same(v, w) is True for w in other) for other in args[1:])]
        if all(isinstance(a, dict) for a in args):
            return {k: v for k, v in args[0].items() if all(k in o and same(o[k], v) is True for o in args[1:])}
        return Unknown("intersection() needs arrays or objects")

    return intersection


def union_with(same: Callable[[Any, Any], Any]) -> Callable[[Any, list[Any]], Any]:
    def union(scope: Any, args: list[Any]) -> Any:
        if all(isinstance(a, list) for a in args):
            if sum(len(a) for a in args) > MAX_ITEMS:
                return too_many()
            out: list[Any] = []
            for array in args:
                for value in array:
                    if not any(same(value, seen) is True for seen in out):
                        out.append(value)
            return out
        if all(isinstance(a, dict) for a in args):
            merged: dict[str, Any] = {}
            for obj in args:
                for key, value in obj.items():
                    if isinstance(merged.get(key), dict) and isinstance(value, dict):
                        merged[key] = union(scope, [merged[key], value])  # nested objects merge too
                    else:
                        merged[key] = value
            return merged
        return Unknown("union() needs arrays or objects")

    return union


def contains_with(same: Callable[[Any, Any], Any]) -> Callable[[Any, list[Any]], Any]:
    def contains(scope: Any, args: list[Any]) -> Any:
        container, item = args
        if isinstance(container, str) and isinstance(item, str):
            return item in container
        if isinstance(container, dict) and isinstance(item, str):
            # an object's keys are compared without case, as everywhere in ARM
            return item.lower() in (key.lower() for key in container)
        if isinstance(container, list):
            results = [same(v, item) for v in container]
            if any(r is True for r in results):
                return True
            return next((r for r in results if isinstance(r, Unknown)), False)
        return Unknown("contains() arguments do not fit")

    return contains


def index_of_with(same: Callable[[Any, Any], Any], last: bool) -> Callable[[Any, list[Any]], Any]:
    def index_of(scope: Any, args: list[Any]) -> Any:
        container, item = args
        if isinstance(container, str) and isinstance(item, str):
            lowered, needle = container.lower(), item.lower()  # case-insensitive in ARM
            return lowered.rfind(needle) if last else lowered.find(needle)
        if isinstance(container, list):
            matches = [i for i, v in enumerate(container) if same(v, item) is True]
            return (matches[-1] if last else matches[0]) if matches else -1
        return Unknown("indexOf() arguments do not fit")

    return index_of
