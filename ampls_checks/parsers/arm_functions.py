"""Template functions that ARM JSON and Bicep evaluate alike (Bicep compiles to the same ARM
functions), and the size bounds they share. Each takes the caller's scope, which these do not
need, and the evaluated arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model import Unknown

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
