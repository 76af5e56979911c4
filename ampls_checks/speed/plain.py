"""Our dataclasses as plain JSON data and back, with a decoder that checks every value's type.

Whatever the tool keeps on disk (cached results, indexes, parsed files) goes through here instead
of pickle: a cache directory can be written by someone else (a CI cache restored from another
branch, a shared machine), and a pickle read from it could run any code. JSON builds only
strings, numbers, lists and dicts; the decoder then builds only the classes named by the type
it was asked for (a field typed `Entity` accepts `Entity`'s subclasses, a `Maybe[str]` a string
or an `Unknown`, nothing else), calls nothing but their constructors, and rejects anything that
does not fit the field types exactly: a crafted entry is an error, never an object.

Encoding: None, booleans, numbers and strings as themselves; lists and tuples as arrays; a dict
with string keys as an object; an enum as its value; a dataclass as a one-key object
`{"ClassName": [field values in declaration order]}`, or `{"ClassName": its own form}` for a
class that defines `__plain__` and a `__from_plain__` that checks it (a large index stored as
columns, decoded at C speed). Only types whose JSON forms cannot be
confused may share a union (checked when a decoder is built), so decoding is never a guess.
`Any` is decoded as plain data only: scalars, and arrays of plain data as tuples.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Callable
from typing import Any


class PlainDataError(ValueError):
    """The data does not fit the type asked for."""


Decoder = Callable[[Any], Any]

_SCALAR_TYPES = frozenset({type(None), bool, int, float, str})
_SCALARS: dict[type, str] = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str"}


def dumps(value: Any) -> bytes:
    """`value` as compact JSON bytes. Raises ValueError/TypeError/RecursionError if it holds
    something we do not encode (the caller then does not keep it)."""
    return json.dumps(_encode(value), ensure_ascii=True, separators=(",", ":"), check_circular=False).encode()


def loads(data: bytes, kind: Any) -> Any:
    """The value of type `kind` encoded in `data`. Raises PlainDataError if `data` is not JSON
    or does not fit `kind` in every detail."""
    try:
        raw = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise PlainDataError(f"not JSON: {exc}") from None
    try:
        return decoder(kind)(raw)
    except RecursionError:
        raise PlainDataError("nested too deeply") from None


def _encode(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        encoded: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"dict key {key!r} is not a string")
            encoded[key] = _encode(item)
        return encoded
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        custom = getattr(value, "__plain__", None)
        if custom is not None:
            return {type(value).__name__: custom()}
        return {type(value).__name__: [_encode(getattr(value, f.name)) for f in _fields(type(value))]}
    raise TypeError(f"cannot encode {type(value).__name__}")


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields):
        raise TypeError(f"{cls.__name__} has fields its constructor does not take")
    return fields


@functools.cache
def decoder(kind: Any) -> Decoder:
    """A function that turns the JSON form of a `kind` value back into it, or raises
    PlainDataError. Built once per type; recursive types (an expression holding expressions)
    refer to their own decoder lazily."""
    if kind is Any:
        return _plain
    if kind in _SCALARS:
        return _scalar(kind)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return _enum(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclasses(_with_subclasses(kind))
    origin = typing.get_origin(kind)
    arguments = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _union(arguments)
    if origin is list:
        return _list(arguments[0])
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return _tuple_of(arguments[0])
        return _tuple(arguments)
    if origin is dict and arguments[0] is str:
        return _dict(arguments[1])
    raise TypeError(f"no plain form for {kind!r}")


def _fail(expected: str, raw: Any) -> typing.NoReturn:
    raise PlainDataError(f"expected {expected}, found {type(raw).__name__}")


def _scalar(kind: type) -> Decoder:
    def decode(raw: Any) -> Any:
        if type(raw) is kind:
            return raw
        if kind is float and type(raw) is int:  # JSON writes 1.0 as 1.0, but be lenient with ints
            return float(raw)
        _fail(kind.__name__, raw)

    return decode


def plain_value(raw: Any) -> Any:
    """`Any` decoded as plain data only: scalars, and arrays of plain data as tuples."""
    return _plain(raw)


def strings(raw: Any, what: str) -> list[str]:
    """`raw` if it is an array of strings (checked in C); raises PlainDataError otherwise."""
    if type(raw) is not list or not set(map(type, raw)) <= {str}:
        raise PlainDataError(f"{what}: expected an array of strings")
    return raw


def integers(raw: Any, what: str, count: int) -> list[int]:
    """`raw` if it is an array of `count` integers; raises PlainDataError otherwise."""
    if type(raw) is not list or len(raw) != count or not set(map(type, raw)) <= {int}:
        raise PlainDataError(f"{what}: expected an array of {count} integers")
    return raw


def _plain(raw: Any) -> Any:
    if raw is None or type(raw) in (bool, int, float, str):
        return raw
    if type(raw) is list:
        if set(map(type, raw)) <= _SCALAR_TYPES:  # the common case, checked in C
            return tuple(raw)
        return tuple(_plain(item) for item in raw)
    _fail("plain data", raw)


def _enum(kind: type[enum.Enum]) -> Decoder:
    members = {member.value: member for member in kind}

    def decode(raw: Any) -> Any:
        if type(raw) is str and raw in members:
            return members[raw]
        raise PlainDataError(f"not a {kind.__name__}: {raw!r:.80}")

    return decode


def _with_subclasses(cls: type) -> tuple[type, ...]:
    found: list[type] = [cls]
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found.extend(c for c in _with_subclasses(sub) if c not in found)
    return tuple(c for c in found if dataclasses.is_dataclass(c))


def _dataclasses(classes: tuple[type, ...]) -> Decoder:
    """Decoder of a one-key object naming one of `classes` (a field typed with a base class
    accepts its subclasses), with one value per field, each decoded by its field's type."""
    by_name: dict[str, type] = {}
    for cls in classes:
        if by_name.get(cls.__name__, cls) is not cls:
            raise TypeError(f"two classes named {cls.__name__}")
        by_name[cls.__name__] = cls
    field_decoders: dict[str, list[tuple[type | None, Decoder]]] = {}

    def fields_of(name: str) -> list[tuple[type | None, Decoder]]:
        known = field_decoders.get(name)
        if known is None:  # on first use: a class may hold fields of its own type
            cls = by_name[name]
            hints = typing.get_type_hints(cls)
            known = field_decoders[name] = [(_exact(hints[f.name]), decoder(hints[f.name])) for f in _fields(cls)]
        return known

    def decode(raw: Any) -> Any:
        if type(raw) is not dict or len(raw) != 1:
            _fail(" or ".join(sorted(by_name)), raw)
        ((name, values),) = raw.items()
        if name not in by_name:
            raise PlainDataError(f"unexpected class {name!r:.80}")
        custom = getattr(by_name[name], "__from_plain__", None)
        if custom is not None:
            return custom(values)
        fields = fields_of(name)
        if type(values) is not list or len(values) != len(fields):
            raise PlainDataError(f"{name}: wrong number of fields")
        arguments = []
        for (kind, decode_field), value in zip(fields, values, strict=True):
            if kind is None:
                arguments.append(decode_field(value))
            elif type(value) is kind:
                arguments.append(value)
            else:
                _fail(f"{name} field of type {kind.__name__}", value)
        return by_name[name](*arguments)

    return decode


def _json_kind(kind: Any) -> str:
    if kind in _SCALARS:
        return "number" if kind in (int, float) else _SCALARS[kind]
    if kind is Any:
        return "any"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return "str"
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return "dataclass"
    origin = typing.get_origin(kind)
    if origin in (list, tuple):
        return "array"
    if origin is dict:
        return "object"
    raise TypeError(f"no plain form for {kind!r}")


def _union(members: tuple[Any, ...]) -> Decoder:
    """A union decodes by the JSON form of the value: each form may belong to one member only
    (any number of dataclasses share the object form, told apart by their names)."""
    flat: list[Any] = []
    for member in members:
        if typing.get_origin(member) in (typing.Union, types.UnionType):
            flat.extend(typing.get_args(member))
        elif member not in flat:
            flat.append(member)
    forms: dict[str, list[Any]] = {}
    for member in flat:
        forms.setdefault(_json_kind(member), []).append(member)
    if "any" in forms or ("dataclass" in forms and "object" in forms):
        raise TypeError(f"ambiguous union {members!r}")
    for form, kinds in forms.items():
        if form not in ("dataclass", "number") and len(kinds) > 1:
            raise TypeError(f"ambiguous union {members!r}")
    classes: list[type] = []
    for cls in forms.get("dataclass", []):
        classes.extend(c for c in _with_subclasses(cls) if c not in classes)
    by_python_type: dict[type, Decoder] = {}
    if "null" in forms:
        by_python_type[type(None)] = _scalar(type(None))
    if "bool" in forms:
        by_python_type[bool] = _scalar(bool)
    for number in forms.get("number", []):
        by_python_type[number] = _scalar(number)
    if float in forms.get("number", []) and int not in forms["number"]:
        by_python_type[int] = _scalar(float)
    if "str" in forms:
        by_python_type[str] = decoder(forms["str"][0])
    if "array" in forms:
        by_python_type[list] = decoder(forms["array"][0])
    if "object" in forms:
        by_python_type[dict] = decoder(forms["object"][0])
    if classes:
        by_python_type[dict] = _dataclasses(tuple(classes))

    def decode(raw: Any) -> Any:
        chosen = by_python_type.get(type(raw))
        if chosen is None:
            _fail(" | ".join(getattr(m, "__name__", str(m)) for m in flat), raw)
        return chosen(raw)

    return decode


def _exact(kind: Any) -> type | None:
    """The Python type a JSON value must have, exactly, to be a `kind` as it is: the scalars a
    container can check inline, without a call per value (most of the decoding time otherwise)."""
    return kind if kind in (type(None), bool, int, str) else None


def _list(item: Any) -> Decoder:
    exact = _exact(item)
    decode_item = decoder(item)

    def decode(raw: Any) -> Any:
        if type(raw) is not list:
            _fail("array", raw)
        if exact is not None:
            if not set(map(type, raw)) <= {exact}:
                raise PlainDataError(f"expected an array of {exact.__name__}")
            return raw
        return [decode_item(value) for value in raw]

    return decode


def _tuple_of(item: Any) -> Decoder:
    decode_list = _list(item)

    def decode(raw: Any) -> Any:
        return tuple(decode_list(raw))

    return decode


def _tuple(items: tuple[Any, ...]) -> Decoder:
    exact = [_exact(item) for item in items]
    decoders = [decoder(item) for item in items]
    members = list(zip(exact, decoders, strict=True))
    size = len(items)
    if all(e is not None for e in exact):

        def decode_scalars(raw: Any) -> Any:
            if type(raw) is not list or list(map(type, raw)) != exact:  # the types, checked in C
                raise PlainDataError(f"expected an array of {size} scalars of the right types")
            return tuple(raw)

        return decode_scalars

    def decode(raw: Any) -> Any:
        if type(raw) is not list or len(raw) != size:
            raise PlainDataError(f"expected an array of {size}")
        out = []
        for value, (kind, decode_member) in zip(raw, members, strict=True):
            if kind is None:
                out.append(decode_member(value))
            elif type(value) is kind:
                out.append(value)
            else:
                _fail(kind.__name__, value)
        return tuple(out)

    return decode


def _dict(value: Any) -> Decoder:
    exact = _exact(value)
    decode_value = decoder(value)

    def decode(raw: Any) -> Any:
        if type(raw) is not dict:
            _fail("object", raw)
        if exact is not None:
            if not set(map(type, raw.values())) <= {exact}:
                raise PlainDataError(f"expected an object of {exact.__name__}")
            return raw
        return {key: decode_value(item) for key, item in raw.items()}

    return decode
