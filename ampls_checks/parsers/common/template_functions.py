"""Template functions that ARM JSON and Bicep evaluate alike (Bicep compiles to the same ARM
functions), and the size bounds they share. Each takes the caller's scope, which these do not
need, and the evaluated arguments."""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ampls_checks.azure import Cloud
from ampls_checks.model import Unknown, has_symbol, resource_group_id, subscription_symbol, symbol, unique_string_symbol

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
    """An evaluation budget is spent (per ARM template file, per Bicep entry file): the steps, or,
    raised with the argument "size", the cells (see `Budget`)."""

    @property
    def reason(self) -> str:
        """What `--verbose` says: which of the two budgets ran out, since only steps can be raised."""
        if self.args == ("size",):
            return f"evaluation size limit reached (values built past {MAX_CELLS:,} characters and items)"
        return "evaluation step limit reached (see --max-eval-steps)"


MAX_CELLS = 4_000_000  # what one template file (ARM) or entry file (Bicep) may build in all


@dataclass
class Budget:
    """Steps, and `cells`: the size of every value built (characters, items all the way down,
    shared parts as often as they appear). Steps alone do not bound memory: `[a, a]` 64 times
    over takes 64 steps and builds a value that every later walk visits 2^64 times."""

    steps: int
    cells: int = MAX_CELLS

    def spend(self) -> None:
        self.steps -= 1
        if self.steps < 0:
            raise BudgetExceeded

    def build(self, value: Any) -> Any:
        """Charge the size of a value just built, and return it; past the limit, raise."""
        if isinstance(value, (str, list, dict)):
            self.cells -= value_cells(value, self.cells)
            if self.cells < 0:
                raise BudgetExceeded("size")
        return value


def value_cells(value: Any, limit: int) -> int:
    """The size of a value (characters, items all the way down), counted to a little past `limit`."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) or 1
        elif isinstance(item, list):
            total += 1
            stack.extend(item)
        elif isinstance(item, dict):
            total += 1 + sum(len(key) for key in item if isinstance(key, str))
            stack.extend(item.values())
        else:
            total += 1
    return total


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


def range_function(scope: Any, args: list[Any]) -> Any:
    """`range(start, count)`: at most `MAX_ITEMS` numbers (ARM's own limit is 10,000)."""
    start, count = args
    if not is_int(start) or not is_int(count) or count < 0:
        return Unknown("range() needs whole numbers")
    if count > MAX_ITEMS:
        return too_many()
    return list(range(start, start + count))


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
    if a != b and (_holds_symbol(a) or _holds_symbol(b)):
        return Unknown("comparing a value known only at deployment (such as uniqueString()) with another")
    return bool(a == b)


def _holds_symbol(value: Any) -> bool:
    if isinstance(value, list):
        return any(_holds_symbol(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_symbol(v) for v in value.values()) or any(has_symbol(k) for k in value)
    return has_symbol(value)


# Functions that may take a string holding a symbol (model.symbol) as it is: they keep it whole
# (concatenation, case, replace, trim, padding) or compare it knowingly (equals). Those that cut a
# string give a symbol of the call; any other (length, indexOf, startsWith, split...) would
# measure the symbol's own text, so its result is unknown.
SYMBOL_SAFE = frozenset(
    {
        "concat",
        "format",
        "tolower",
        "toupper",
        "replace",
        "trim",
        "padleft",
        "string",
        "uniquestring",
        "equals",
        "resourceid",
        "subscriptionresourceid",
        "tenantresourceid",
        "extensionresourceid",
        "createarray",
        "createobject",
        "array",
        "union",
        "coalesce",
    }
)
SYMBOL_CUTTING = frozenset({"substring", "take", "skip", "first", "last"})


def symbol_call(name: str, args: list[Any]) -> Any:
    """`name(args)` when a string argument holds a symbol and `name` is not in `SYMBOL_SAFE`:
    the value of the call is a symbol of the call (for functions that cut strings) or unknown;
    None when the function may take the arguments as they are."""
    lowered = name.lower()
    if lowered in SYMBOL_SAFE or not any(has_symbol(a) for a in args):
        return None
    if lowered in SYMBOL_CUTTING and isinstance(args[0], str):
        written = [a if isinstance(a, str) else json.dumps(a) for a in args]
        return symbol(f"{name}(" + ", ".join(written) + ")")
    return Unknown(f"{name}() of a value known only at deployment (such as uniqueString())")


def unique_string(scope: Any, args: list[Any]) -> Any:
    """`uniqueString(...)`: a hash Azure computes at deployment, opaque here but the same for the
    same arguments, so names built from it link as they do once deployed (model.symbol)."""
    if not args or not all(isinstance(a, str) for a in args):
        return Unknown("uniqueString() of values that are not all known strings")
    return unique_string_symbol(args)


def subscription_value() -> dict[str, Any]:
    """`subscription()` of the deployment: its ids as symbols (model.symbol); the display name
    stays unknown (no name is built from it)."""
    subscription_id = subscription_symbol()
    return {
        "id": f"/subscriptions/{subscription_id}",
        "subscriptionId": subscription_id,
        "tenantId": symbol("subscription().tenantId"),
        "displayName": Unknown("subscription().displayName is known only at deployment"),
    }


def group_id(group: Any) -> Any:
    """`resourceGroup().id` for a group that is the deployment's own (None), named, or unknown."""
    if group is None or isinstance(group, str):
        return resource_group_id(group)
    return Unknown("the resource group deployed to is not known")


# The functions below differ between the languages only in how a value becomes text, or when two
# values are the same (Bicep has more kinds of opaque value than ARM JSON), so each language
# passes its own conversion in.


def concat_texts(values: list[Any], text_of: Callable[[Any], Any]) -> Any:
    """The values as one string, each turned to text by the language's own rule; unknown as soon
    as one is, or when the result would pass `MAX_STRING` (counted while it is built)."""
    out = []
    size = 0
    for value in values:
        text = text_of(value)
        if isinstance(text, Unknown):
            return text
        size += len(text)
        if size > MAX_STRING:
            return too_long()
        out.append(text)
    return "".join(out)


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


# -- objects, safe access -----------------------------------------------------------------------


def items(scope: Any, args: list[Any]) -> Any:
    """`items(object)`: key/value pairs sorted by key ("Object functions", items)."""
    (value,) = args
    if not isinstance(value, dict):
        return Unknown("items() needs an object")
    return [{"key": k, "value": value[k]} for k in sorted(value, key=str.lower)]


def object_keys(scope: Any, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, dict):
        return Unknown("objectKeys() needs an object")
    return list(value)


def shallow_merge(scope: Any, args: list[Any]) -> Any:
    """`shallowMerge([a, b, ...])`: later objects replace earlier top-level properties whole."""
    (objects,) = args
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        return Unknown("shallowMerge() needs an array of objects")
    merged: dict[str, Any] = {}
    for obj in objects:
        merged.update(obj)
    return merged


def try_get_with(index: Callable[[Any, Any], Any]) -> Callable[[Any, list[Any]], Any]:
    """`tryGet(value, key, key...)`: null where a key or index is missing, or the value on the
    way is null. `index` is the language's own safe access (`a[?k]`): it answers None for what is
    missing and Unknown for what only a deployment knows."""

    def try_get(scope: Any, args: list[Any]) -> Any:
        if len(args) < 2:
            return Unknown("tryGet() needs a value and a key")
        current = args[0]
        for key in args[1:]:
            if current is None:
                return None
            current = index(current, key)
            if isinstance(current, Unknown):
                return current
        return current

    return try_get


# -- lambdas ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lambda:
    """A lambda value: ARM's `lambda('x', body)`, Bicep's `x => body`. `call` evaluates the body
    with the lambda's variables bound to the values given (the first `len(params)` of them), in
    the scope where the lambda is written; each language builds it from its own syntax."""

    params: tuple[str, ...]
    call: Callable[[list[Any]], Any]

    def apply(self, *values: Any) -> Any:
        return self.call(list(values[: len(self.params)]))


def _lambda_args(name: str, args: list[Any], kinds: tuple[type, ...]) -> Unknown | None:
    """Unknown when the arguments of a lambda function are not of the kinds it takes."""
    if len(args) != len(kinds) or not all(isinstance(a, k) for a, k in zip(args, kinds, strict=True)):
        return Unknown(f"{name}() arguments do not fit")
    return None


def map_function(scope: Any, args: list[Any]) -> Any:
    """`map(array, lambda)`; the lambda may take the index as a second variable."""
    wrong = _lambda_args("map", args, (list, Lambda))
    if wrong is not None:
        return wrong
    array, function = args
    return [function.apply(item, position) for position, item in enumerate(array)]


def filter_function(scope: Any, args: list[Any]) -> Any:
    wrong = _lambda_args("filter", args, (list, Lambda))
    if wrong is not None:
        return wrong
    array, function = args
    kept = []
    for position, item in enumerate(array):
        keep = function.apply(item, position)
        if isinstance(keep, Unknown):
            return keep
        if not isinstance(keep, bool):
            return Unknown("filter() needs a lambda that returns a boolean")
        if keep:
            kept.append(item)
    return kept


def reduce_function(scope: Any, args: list[Any]) -> Any:
    """`reduce(array, initial, lambda(current, next[, index]))`."""
    if len(args) != 3 or not isinstance(args[0], list) or not isinstance(args[2], Lambda):
        return Unknown("reduce() arguments do not fit")
    array, current, function = args
    for position, item in enumerate(array):
        current = function.apply(current, item, position)
    return current


class _Undecided(Exception):
    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.reason)
        self.unknown = unknown


def sort_function(scope: Any, args: list[Any]) -> Any:
    """`sort(array, lambda(a, b))`: the lambda says whether `a` comes before `b`. Python's sort
    asks only "is a before b", exactly what the lambda answers; the sort is stable."""
    wrong = _lambda_args("sort", args, (list, Lambda))
    if wrong is not None:
        return wrong
    array, function = args

    def before(a: Any, b: Any) -> int:
        answer = function.apply(a, b)
        if isinstance(answer, Unknown):
            raise _Undecided(answer)
        if not isinstance(answer, bool):
            raise _Undecided(Unknown("sort() needs a lambda that returns a boolean"))
        return -1 if answer else 1

    try:
        return sorted(array, key=functools.cmp_to_key(before))
    except _Undecided as undecided:
        return undecided.unknown


def _key_of(function: Lambda, item: Any, what: str) -> str | Unknown:
    key = function.apply(item)
    if isinstance(key, Unknown):
        return key
    if not isinstance(key, str):
        return Unknown(f"{what}() needs keys that are strings")
    return key


def to_object(scope: Any, args: list[Any]) -> Any:
    """`toObject(array, keyLambda[, valueLambda])`: the last item with a key wins."""
    if len(args) not in (2, 3) or not isinstance(args[0], list) or not all(isinstance(a, Lambda) for a in args[1:]):
        return Unknown("toObject() arguments do not fit")
    array, key_function = args[0], args[1]
    value_function = args[2] if len(args) == 3 else None
    out: dict[str, Any] = {}
    for item in array:
        key = _key_of(key_function, item, "toObject")
        if isinstance(key, Unknown):
            return key
        out[key] = value_function.apply(item) if value_function is not None else item
    return out


def group_by(scope: Any, args: list[Any]) -> Any:
    wrong = _lambda_args("groupBy", args, (list, Lambda))
    if wrong is not None:
        return wrong
    array, function = args
    groups: dict[str, list[Any]] = {}
    for item in array:
        key = _key_of(function, item, "groupBy")
        if isinstance(key, Unknown):
            return key
        groups.setdefault(key, []).append(item)
    return groups


def map_values(scope: Any, args: list[Any]) -> Any:
    wrong = _lambda_args("mapValues", args, (dict, Lambda))
    if wrong is not None:
        return wrong
    obj, function = args
    return {key: function.apply(value) for key, value in obj.items()}


LAMBDA_FUNCTIONS: dict[str, Callable[[Any, list[Any]], Any]] = {
    "map": map_function,
    "filter": filter_function,
    "reduce": reduce_function,
    "sort": sort_function,
    "toobject": to_object,
    "groupby": group_by,
    "mapvalues": map_values,
}


# -- CIDR ("CIDR functions"): IPv4 and IPv6 -----------------------------------------------------

_MAX_CIDR_TEXT = 64  # the longest IPv6 network in CIDR notation is 43 characters


def _network(text: Any, what: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | Unknown:
    if not isinstance(text, str) or len(text) > _MAX_CIDR_TEXT or "/" not in text:
        return Unknown(f"{what}() needs a network in CIDR notation")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return Unknown(f"{what}() of {text!r}, which is not a network in CIDR notation")


def parse_cidr(scope: Any, args: list[Any]) -> Any:
    """`parseCidr(network)`: an IPv6 range has no broadcast address and its first usable address
    is the network's own (the documented examples)."""
    network = _network(args[0], "parseCidr")
    if isinstance(network, Unknown):
        return network
    out: dict[str, Any] = {"network": str(network.network_address), "netmask": str(network.netmask)}
    if network.version == 4:
        out["broadcast"] = str(network.broadcast_address)
        small = network.prefixlen >= 31
        out["firstUsable"] = str(network.network_address + (0 if small else 1))
        out["lastUsable"] = str(network.broadcast_address - (0 if small else 1))
    else:
        out["firstUsable"] = str(network.network_address)
        out["lastUsable"] = str(network.broadcast_address)
    out["cidr"] = network.prefixlen
    return out


def cidr_subnet(scope: Any, args: list[Any]) -> Any:
    """`cidrSubnet(network, newCIDR, index)`: the index-th subnet of that size."""
    network = _network(args[0], "cidrSubnet")
    if isinstance(network, Unknown):
        return network
    size, index = args[1], args[2]
    if not is_int(size) or not is_int(index):
        return Unknown("cidrSubnet() needs whole numbers")
    if not network.prefixlen <= size <= network.max_prefixlen:
        return Unknown(f"cidrSubnet() of /{size} in a /{network.prefixlen} network")
    if not 0 <= index < 2 ** (size - network.prefixlen):
        return Unknown(f"cidrSubnet() index {index} is outside the network")
    first = network.network_address + index * 2 ** (network.max_prefixlen - size)
    return f"{first}/{size}"


def cidr_host(scope: Any, args: list[Any]) -> Any:
    """`cidrHost(network, index)`: the index-th usable address; index 0 is the address after
    the network's own, in IPv4 and IPv6 alike (the documented examples)."""
    network = _network(args[0], "cidrHost")
    if isinstance(network, Unknown):
        return network
    index = args[1]
    if not is_int(index):
        return Unknown("cidrHost() needs a whole number")
    usable = network.num_addresses - (2 if network.version == 4 else 1)
    if not 0 <= index < usable:
        return Unknown(f"cidrHost() index {index} is outside the network's usable addresses")
    return str(network.network_address + 1 + index)


CIDR_FUNCTIONS: dict[str, Callable[[Any, list[Any]], Any]] = {
    "parsecidr": parse_cidr,
    "cidrsubnet": cidr_subnet,
    "cidrhost": cidr_host,
}
