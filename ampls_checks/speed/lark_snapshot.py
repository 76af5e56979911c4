"""Lark parsers rebuilt from a parse table kept as plain JSON in our cache directory.

Both our grammars are lark LALR grammars. Building such a parser from its grammar takes seconds
(the LALR analysis); the pre-commit hook has 250 ms. So the first run keeps the result of the
analysis, and later runs rebuild the parser from it.

What is kept is data only: lark's own portable form of a parser (`memo_serialize`, the form its
standalone generator writes: terminals with their patterns, rules, options), written as JSON,
with the parse table in a compact form of our own (flat integer lists; JSON would turn lark's
integer dict keys into strings, and lark's own table form rebuilds a rule object for every one
of the table's tens of thousands of reduce actions, most of the 200 ms its loader takes). Nothing
is unpickled: lark's `cache=True` (a pickle in a shared temporary directory) is never used, and a
snapshot is never a pickle. On loading, the JSON is checked before lark sees it: only the classes
lark's deserializer knows for a parser (`TerminalDef`, `Rule`...) may be named, option values are
plain scalars, and every table entry is an integer naming a known token, state or rule. The file
carries a MAC made with the cache key (`cache_key.py`), so a table that we did not write is not
read at all, and lives in a directory only the user can write (`safe_files.py`). A snapshot is
written only after a parser rebuilt from it parses a sample to the same tree as the parser it was
taken from; its name is a digest of everything it depends on (grammar, versions, this format).
"""

from __future__ import annotations

import array
import base64
import hashlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from ampls_checks.speed import safe_files

FORMAT = b"AMPLS-LARK-TABLE-2\n"
_MAC_SIZE = 32
# What lark's deserializer may build from a snapshot: the parts of an LALR parser's portable form.
_LARK_TYPES = frozenset(
    {
        "TerminalDef",
        "PatternStr",
        "PatternRE",
        "Rule",
        "RuleOptions",
        "NonTerminal",
        "Terminal",
        "LexerConf",
        "ParserConf",
    }
)
# Options that cannot be plain data: given again on loading, never read from the file.
_LIVE_OPTIONS: dict[str, Any] = {
    "postlex": None,
    "transformer": None,
    "tree_class": None,
    "lexer_callbacks": {},
    "_plugins": {},
}


class SnapshotError(ValueError):
    """The snapshot is not one we can use."""


def snapshot_path(directory: str | None, name: str, depends_on: list[bytes]) -> str:
    """Where the snapshot of parser `name` lives in cache `directory` (the default cache
    directory when None), named by a digest of what it `depends_on`."""
    import lark

    if directory is None:
        from ampls_checks.speed.cache_dir import default_cache_dir

        directory = default_cache_dir()

    digest = hashlib.blake2b(FORMAT, digest_size=16)
    digest.update(f"{lark.__version__}|{sys.version_info[:2]}|{sys.byteorder}|{array.array('I').itemsize}".encode())
    for part in depends_on:
        digest.update(len(part).to_bytes(8, "little") + part)
    return os.path.join(directory, "parser", f"{name}-{digest.hexdigest()}.json")


# -- writing -------------------------------------------------------------------------------------


def to_plain(parser: Any) -> dict[str, Any]:
    """The plain-data form of a lark LALR `parser` (a `lark.Lark`)."""
    from lark.grammar import Rule
    from lark.lexer import TerminalDef
    from lark.parsers.lalr_analysis import Reduce
    from lark.utils import SerializeMemoizer

    memoizer = SerializeMemoizer([TerminalDef, Rule])
    data = parser.serialize(memoizer)
    frontend = data["parser"]
    table = parser.parser.parser._parse_table
    memoized = memoizer.memoized.enums  # object -> index (rules compare by their content)
    if sorted(table.states) != list(range(len(table.states))):
        raise SnapshotError("states are not numbered 0..n-1")
    tokens: dict[str, int] = {}
    reduce_rules: dict[int, int] = {}  # memo index of a rule -> its position among the rules reduced
    lengths, token_ids, codes = array.array("L"), array.array("L"), array.array("L")
    count = len(table.states)
    for state in range(count):
        actions = table.states[state]
        lengths.append(len(actions))
        for token, (action, argument) in actions.items():
            token_ids.append(tokens.setdefault(token, len(tokens)))
            if action is Reduce:
                codes.append(count + reduce_rules.setdefault(memoized[argument], len(reduce_rules)))
            else:
                codes.append(argument)
    options = {k: v for k, v in data["options"].items() if k not in _LIVE_OPTIONS}
    return {
        "options": options,
        "rules": data["rules"],
        "lexer_conf": frontend["lexer_conf"],
        "parser_conf": frontend["parser_conf"],
        "memo": [_memo_entry(index, value) for value, index in memoized.items()],
        "table": {
            "tokens": list(tokens),
            "reduce_rules": list(reduce_rules),
            "lengths": _pack(lengths),
            "token_ids": _pack(token_ids),
            "codes": _pack(codes),
            "start_states": table.start_states,
            "end_states": table.end_states,
        },
    }


def _memo_entry(index: int, value: Any) -> list[Any]:
    """A terminal or a rule in a compact form of our own: lark's generic deserializer takes a
    third of the loading time on the HCL grammar's 600 rules."""
    from lark.grammar import Rule

    if isinstance(value, Rule):
        options = value.options
        return [
            "R",
            index,
            value.origin.name,
            [[symbol.name, symbol.is_term, getattr(symbol, "filter_out", False)] for symbol in value.expansion],
            value.order,
            value.alias,
            [options.keep_all_tokens, options.expand1, options.priority, options.template_source],
            list(options.empty_indices),
        ]
    pattern = value.pattern
    width = pattern._width if pattern.type == "re" else None
    return [
        "T",
        index,
        value.name,
        pattern.type,
        pattern.value,
        list(pattern.flags),
        pattern.raw,
        width,
        value.priority,
    ]


def _memo(entries: Any) -> dict[int, Any]:
    """Terminals and rules from `_memo_entry`'s form, every field checked."""
    from lark.grammar import NonTerminal, Rule, RuleOptions, Terminal
    from lark.lexer import PatternRE, PatternStr, TerminalDef

    if not isinstance(entries, list):
        raise SnapshotError("no terminals and rules")
    symbols: dict[tuple[str, bool, bool], Any] = {}
    memo: dict[int, Any] = {}
    for entry in entries:
        if not isinstance(entry, list) or not entry:
            raise SnapshotError("malformed terminal or rule")
        if entry[0] == "R" and len(entry) == 8:
            _tag, index, origin, expansion, order, alias, flags, empty = entry
            if not (isinstance(flags, list) and len(flags) == 4):
                raise SnapshotError("malformed rule options")
            keep_all, expand1, priority, template = flags
            if not (
                _is(origin, str)
                and isinstance(expansion, list)
                and _is(order, int)
                and _is(alias, str, type(None))
                and _is(keep_all, bool)
                and _is(expand1, bool)
                and _is(priority, int, type(None))
                and _is(template, str, type(None))
                and isinstance(empty, list)
                and all(_is(e, bool) for e in empty)
            ):
                raise SnapshotError("malformed rule")
            parts = []
            for symbol in expansion:
                if not (
                    isinstance(symbol, list)
                    and len(symbol) == 3
                    and _is(symbol[0], str)
                    and _is(symbol[1], bool)
                    and _is(symbol[2], bool)
                ):
                    raise SnapshotError("malformed rule symbol")
                name, is_term, filter_out = symbol
                shared = symbols.get((name, is_term, filter_out))
                if shared is None:
                    shared = symbols[(name, is_term, filter_out)] = (
                        Terminal(name, filter_out) if is_term else NonTerminal(name)
                    )
                parts.append(shared)
            options = RuleOptions(keep_all, expand1, priority, template, tuple(empty))
            memo[_int(index)] = Rule(NonTerminal(origin), parts, order, alias, options)
        elif entry[0] == "T" and len(entry) == 9:
            _tag, index, name, kind, value, flags, raw, width, priority = entry
            if not (
                _is(name, str)
                and kind in ("str", "re")
                and _is(value, str)
                and isinstance(flags, list)
                and all(_is(f, str) for f in flags)
                and _is(raw, str, type(None))
                and _is(priority, int)
            ):
                raise SnapshotError("malformed terminal")
            pattern: PatternStr | PatternRE
            if kind == "str":
                pattern = PatternStr(value, flags, raw)
            else:
                pattern = PatternRE(value, flags, raw)
                if width is not None:
                    if not (isinstance(width, list) and len(width) == 2 and all(_is(w, int) for w in width)):
                        raise SnapshotError("malformed terminal width")
                    pattern._width = (width[0], width[1])  # type: ignore[assignment]
            memo[_int(index)] = TerminalDef(name, pattern, priority)
        else:
            raise SnapshotError("malformed terminal or rule")
    return memo


def _is(value: Any, *kinds: type) -> bool:
    return type(value) in kinds


def _pack(numbers: array.array[int]) -> list[str]:
    """Unsigned integers as base64 text of the smallest array type that holds them: a table of
    tens of thousands of numbers is one JSON string, decoded at C speed."""
    code = "B" if max(numbers, default=0) < 256 else "H" if max(numbers) < 65536 else "I"
    return [code, base64.b64encode(array.array(code, numbers).tobytes()).decode("ascii")]


def _unpack(packed: Any) -> list[int]:
    if not (isinstance(packed, list) and len(packed) == 2 and packed[0] in ("B", "H", "I") and _is(packed[1], str)):
        raise SnapshotError("expected packed numbers")
    numbers = array.array(packed[0])
    try:
        numbers.frombytes(base64.b64decode(packed[1], validate=True))
    except ValueError:  # binascii.Error, or a length that is not a whole number of items
        raise SnapshotError("damaged packed numbers") from None
    return numbers.tolist()


# -- reading -------------------------------------------------------------------------------------


def _only_lark_types(value: dict[str, Any]) -> dict[str, Any]:
    """`json.loads`'s object hook: lark's portable form holds only JSON values and objects
    tagged with a `__type__` that lark's deserializer builds for a parser; refuse anything else
    before lark sees it."""
    kind = value.get("__type__")
    if kind is not None and kind not in _LARK_TYPES:
        raise SnapshotError(f"unexpected type {kind!r:.80}")
    return value


def parse_json(body: bytes) -> Any:
    return json.loads(body, object_hook=_only_lark_types)


def _plain_option(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise SnapshotError("expected an integer")
    return value


def from_plain(plain: Any, shared: dict[str, Any]) -> Any:
    """A `lark.Lark` rebuilt from `to_plain`'s form, checked throughout; raises SnapshotError
    (or any exception of lark's, which the caller treats the same) if it does not fit."""
    from lark import Lark
    from lark.common import LexerConf, ParserConf
    from lark.grammar import Rule
    from lark.lark import LarkOptions
    from lark.lexer import TerminalDef
    from lark.parser_frontends import ParsingFrontend
    from lark.parsers.lalr_analysis import IntParseTable, Reduce, Shift
    from lark.parsers.lalr_parser import LALR_Parser, _Parser

    if not isinstance(plain, dict):
        raise SnapshotError("not an object")
    options = plain["options"]
    if not isinstance(options, dict) or any(
        not (
            v is None
            or isinstance(v, (bool, int, float, str))
            or (isinstance(v, list) and all(isinstance(s, str) for s in v))
        )
        for v in options.values()
    ):
        raise SnapshotError("options are not plain values")
    if options.get("parser") != "lalr" or options.get("lexer") not in ("contextual", "basic"):
        raise SnapshotError("not an LALR parser")
    lexer_data, parser_data = plain["lexer_conf"], plain["parser_conf"]
    if not isinstance(lexer_data, dict) or lexer_data.get("__type__") != "LexerConf":
        raise SnapshotError("no lexer configuration")
    if not isinstance(parser_data, dict) or parser_data.get("__type__") != "ParserConf":
        raise SnapshotError("no parser configuration")
    memo = _memo(plain["memo"])
    packed = plain["table"]
    tokens = packed["tokens"]
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise SnapshotError("tokens are not names")
    lengths, token_ids, codes = _unpack(packed["lengths"]), _unpack(packed["token_ids"]), _unpack(packed["codes"])
    count = len(lengths)
    reduced = [memo.get(_int(index)) for index in packed["reduce_rules"]]
    if not all(isinstance(rule, Rule) for rule in reduced):
        raise SnapshotError("a reduce action names no rule")
    # one shared tuple per distinct action: lark only reads them (`action is Shift`)
    choices = [(Shift, state) for state in range(count)] + [(Reduce, rule) for rule in reduced]
    if len(token_ids) != sum(lengths) or len(codes) != len(token_ids):
        raise SnapshotError("table sizes do not agree")
    if token_ids and (max(token_ids) >= len(tokens) or max(codes) >= len(choices)):
        raise SnapshotError("unknown token or action")
    names = list(map(tokens.__getitem__, token_ids))  # looked up in C, not a Python loop
    actions = list(map(choices.__getitem__, codes))
    states: dict[int, dict[str, tuple[Any, Any]]] = {}
    position = 0
    for state, length in enumerate(lengths):
        end = position + length
        states[state] = dict(zip(names[position:end], actions[position:end], strict=True))
        position = end
    ends = {name: _int(state) for name, state in packed["end_states"].items()}
    starts = {name: _int(state) for name, state in packed["start_states"].items()}
    if not all(0 <= state < count for state in [*starts.values(), *ends.values()]):
        raise SnapshotError("unknown start or end state")
    table = IntParseTable(states, starts, ends)

    # What lark's own loader (`Lark._load`) does, with our table instead of its own form of it.
    inst = Lark.__new__(Lark)
    settings = dict(options)
    settings.update(_LIVE_OPTIONS)
    settings["postlex"] = shared.get("postlexer")
    settings["cache"] = False
    inst.options = LarkOptions.deserialize(settings, memo)
    inst.rules = [Rule.deserialize(r, memo) for r in plain["rules"]]
    if not all(isinstance(r, Rule) for r in inst.rules):
        raise SnapshotError("rules are not rules")
    inst.source_path = "<snapshot>"
    inst.lexer_conf = inst._deserialize_lexer_conf({"lexer_conf": lexer_data}, memo, inst.options)
    if not isinstance(inst.lexer_conf, LexerConf) or not all(
        isinstance(t, TerminalDef) for t in inst.lexer_conf.terminals
    ):
        raise SnapshotError("terminals are not terminals")
    inst.terminals = inst.lexer_conf.terminals
    inst._prepare_callbacks()
    inst._terminals_dict = {t.name: t for t in inst.terminals}
    parser_conf = ParserConf.deserialize(parser_data, memo)
    parser_conf.callbacks = inst._callbacks
    lalr = LALR_Parser.__new__(LALR_Parser)
    lalr._parse_table = table  # type: ignore[assignment]
    lalr.parser = _Parser(table, inst._callbacks, inst.options.debug)
    inst.parser = ParsingFrontend(inst.lexer_conf, parser_conf, inst.options, parser=lalr)
    return inst


def _mac(key: bytes, body: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=_MAC_SIZE).digest()


def load(path: str, shared: dict[str, Any], key: bytes) -> Any | None:
    """The parser kept at `path`, or None if there is none, it is not ours (owner, permissions,
    MAC) or it does not check out."""
    if not key or safe_files.trusted_directory(os.path.dirname(path)) is not None:
        return None
    blob = safe_files.read_own_file(path)
    if blob is None or not blob.startswith(FORMAT):
        return None
    header = len(FORMAT) + _MAC_SIZE
    body = blob[header:]
    if _mac(key, body) != blob[len(FORMAT) : header]:
        return None
    try:
        return from_plain(parse_json(body), shared)
    except Exception:  # noqa: BLE001 - any damage means "no snapshot", never a crash
        return None


def _keep(path: str, parser: Any, shared: dict[str, Any], sample: str, key: bytes) -> Any:
    """A parser rebuilt from `parser`'s plain form, kept at `path`, if it parses `sample` as the
    parser does; the parser itself otherwise."""
    try:
        body = json.dumps(to_plain(parser), separators=(",", ":")).encode()
        copy = from_plain(parse_json(body), shared)
        if copy.parse(sample) != parser.parse(sample):
            return parser
    except Exception:  # noqa: BLE001 - a snapshot is only an optimisation
        return parser
    directory = os.path.dirname(path)
    if safe_files.make_own_directory(directory) is None:
        safe_files.write_file(path, FORMAT + _mac(key, body) + body)
    return copy


def snapshot_parser(path: str, build: Callable[[], Any], shared: dict[str, Any], sample: str) -> Any:
    """A parser with lark's `parse(text)`: from the snapshot at `path`, or built by `build()` (from
    the grammar, never with lark's own cache) and kept there. `shared` holds what a snapshot
    cannot: the post-lexer (`postlexer`)."""
    from ampls_checks.speed.cache_key import cache_key

    key, _problem = cache_key()
    root = os.path.dirname(os.path.dirname(path))  # the cache directory: ours alone, or not used
    if os.path.lexists(root) and safe_files.trusted_directory(root, follow=True) is not None:
        key = b""
    loaded = load(path, shared, key)
    if loaded is not None:
        return loaded
    parser = build()
    if not key:
        return parser  # without the key a snapshot could not be trusted later: build each time
    return _keep(path, parser, shared, sample, key)
