"""python-hcl2's LALR parser kept as plain JSON tables in our cache directory, run without lark.

Building the parser from python-hcl2's grammar takes lark seconds (the LALR analysis); the
pre-commit hook has 250 ms, of which importing lark and rebuilding its parser objects would take
a third. So the first run has lark build the parser, takes from it the tables our own runtime
(`parsers/terraform/lalr.py`) runs on, and keeps them; later runs read the tables and never import
lark.

What is kept is data only, as JSON: the terminals (name, lark's regular expression, whether it
may hold a newline), the terminals each lexer state tries in lark's order with lark's "unless"
keyword retyping, the parse table as packed integer arrays (an action is a number: a state to
shift to, or a rule to reduce), each rule's tree-building instructions, and what python-hcl2's
post-lexer merges. Nothing is unpickled: lark's `cache=True` (a pickle in a shared temporary
directory) is never used, and a snapshot is never a pickle. On loading every value is checked
(types, and every index in range) before the parser is made. The file carries a MAC made with the
cache key (`cache_key.py`), so a table we did not write is not read at all, and lives in a
directory only the user can write (`safe_files.py`). A snapshot is written only after our runtime
gave the same trees, tokens, places and errors as lark's parser on samples; its name is a digest
of everything it depends on (grammar, post-lexer, lark's version, this format).
"""

from __future__ import annotations

import array
import base64
import hashlib
import itertools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from ampls_checks.speed import safe_files

FORMAT = b"AMPLS-LALR-TABLES-3\n"
_MAC_SIZE = 32


class SnapshotError(ValueError):
    """The snapshot is not one we can use."""


def snapshot_path(directory: str | None, name: str, depends_on: list[bytes]) -> str:
    """Where the snapshot of parser `name` lives in cache `directory` (the default cache
    directory when None), named by a digest of what it `depends_on` (which names lark's version:
    the tables are what that lark computed)."""
    if directory is None:
        from ampls_checks.speed.cache_dir import default_cache_dir

        directory = default_cache_dir()

    digest = hashlib.blake2b(FORMAT, digest_size=16)
    digest.update(f"{sys.version_info[:2]}|{sys.byteorder}|{array.array('I').itemsize}".encode())
    for part in depends_on:
        digest.update(len(part).to_bytes(8, "little") + part)
    return os.path.join(directory, "parser", f"{name}-{digest.hexdigest()}.json")


# -- writing (lark present) ---------------------------------------------------------------------


def to_plain(parser: Any, postlexer: Any) -> dict[str, Any]:
    """The tables of a lark LALR `parser` (a `lark.Lark` with a contextual lexer, built with
    `postlexer`) in plain data. Raises SnapshotError for anything our runtime does not do."""
    import re

    from lark.lexer import PatternStr, UnlessCallback
    from lark.parsers.lalr_analysis import Reduce, Shift

    options = parser.options
    if (
        options.parser != "lalr"
        or options.lexer != "contextual"
        or options.transformer is not None
        or options.propagate_positions
        or options.lexer_callbacks
        or options.tree_class is not None
        or options.ambiguity not in ("auto", "resolve")
    ):
        raise SnapshotError("not a plain LALR parser with a contextual lexer")
    conf = parser.lexer_conf
    if conf.g_regex_flags or conf.use_bytes or conf.re_module is not re:
        raise SnapshotError("lexer flags our runtime does not use")
    if postlexer is not None and tuple(postlexer.always_accept):
        raise SnapshotError("the post-lexer asks for terminals")
    frontend = parser.parser
    contextual = getattr(frontend.lexer, "lexer", frontend.lexer)
    table = frontend.parser.parser.parse_table
    count = len(table.states)
    if sorted(table.states) != list(range(count)) or list(table.start_states) != ["start"]:
        raise SnapshotError("states are not numbered 0..n-1 or the start is not 'start'")

    terminals = list(conf.terminals)
    number = {t.name: i for i, t in enumerate(terminals)}
    from lark.lexer import _regexp_has_newline

    lexers: dict[int, int] = {}
    lexer_states: list[list[Any]] = []

    def lexer_state(basic: Any) -> int:
        known = lexers.get(id(basic))
        if known is not None:
            return known
        if basic.ignore_types != frozenset(conf.ignore):
            raise SnapshotError("a lexer state ignores other terminals")
        scanner = basic.scanner  # built by lark: the order it tries, after removing "unless" strings
        unless = []
        for name, callback in sorted(basic.callback.items()):
            if not isinstance(callback, UnlessCallback):
                raise SnapshotError("a lexer callback our runtime does not run")
            strings = callback.scanner.terminals
            if not all(isinstance(t.pattern, PatternStr) for t in strings):
                raise SnapshotError("an unless terminal that is not a string")
            unless.append([number[name], [number[t.name] for t in strings]])
        lexers[id(basic)] = len(lexer_states)
        lexer_states.append([[number[t.name] for t in scanner.terminals], unless])
        return lexers[id(basic)]

    state_lexers = [lexer_state(contextual.lexers[state]) for state in range(count)]
    root = lexer_state(contextual.root_lexer)

    tokens: dict[str, int] = {}
    rules: dict[Any, int] = {}
    rule_data: list[list[Any]] = []
    lengths, token_ids, codes = array.array("L"), array.array("L"), array.array("L")
    for state in range(count):
        actions = table.states[state]
        lengths.append(len(actions))
        for token, (action, argument) in actions.items():
            token_ids.append(tokens.setdefault(token, len(tokens)))
            if action is Reduce:
                if argument not in rules:
                    rules[argument] = len(rule_data)
                    rule_data.append(_rule_plain(argument, options.maybe_placeholders))
                codes.append(count + rules[argument])
            elif action is Shift:
                codes.append(argument)
            else:
                raise SnapshotError("an action that is neither shift nor reduce")
    return {
        "terminals": [[t.name, t.pattern.to_regexp(), _regexp_has_newline(t.pattern.to_regexp())] for t in terminals],
        "ignore": sorted(conf.ignore),
        "lexer_states": lexer_states,
        "state_lexers": _pack(array.array("L", state_lexers)),
        "root_lexer": root,
        "postlexer": _postlexer_plain(postlexer, [t.name for t in terminals]),
        "tokens": list(tokens),
        "lengths": _pack(lengths),
        "token_ids": _pack(token_ids),
        "codes": _pack(codes),
        "rules": rule_data,
        "start": table.start_states["start"],
        "end": table.end_states["start"],
    }


def _rule_plain(rule: Any, placeholders: bool) -> list[Any]:
    """What lark's tree builder does for `rule` (lark's `ParseTreeBuilder` with no transformer):
    [origin, size, name, expand1, keep, append_none]; keep is None when every child is kept."""
    options = rule.options
    expansion = rule.expansion
    empty = list(options.empty_indices) if placeholders else []
    if empty:
        if empty.count(False) != len(expansion):
            raise SnapshotError("placeholders that do not fit the rule")
        nones_at = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")]
    else:
        nones_at = [0] * (len(expansion) + 1)
    keep: list[list[Any]] = []
    nones = 0
    for index, symbol in enumerate(expansion):
        nones += nones_at[index]
        if options.keep_all_tokens or not (symbol.is_term and symbol.filter_out):
            keep.append([index, not symbol.is_term and symbol.name.startswith("_"), nones])
            nones = 0
    nones += nones_at[len(expansion)]
    filtering = bool(empty) or len(keep) < len(expansion) or any(inline for _i, inline, _n in keep)
    name = rule.alias or options.template_source or rule.origin.name
    return [
        rule.origin.name,
        len(expansion),
        name,
        bool(options.expand1 and not rule.alias),
        keep if filtering else None,
        nones if filtering else 0,
    ]


def _postlexer_plain(postlexer: Any, names: list[str]) -> list[Any] | None:
    """What python-hcl2's post-lexer does, found by running it: which terminal is the newline it
    holds back and which terminals it merges that newline into. [newline, [terminals]], or None
    without a post-lexer. The samples in `_keep` then check the whole stream."""
    if postlexer is None:
        return None
    from lark import Token

    newline = "NL_OR_COMMENT"
    if newline not in names:
        raise SnapshotError("a post-lexer without the newline terminal")
    merged = []
    for name in names:
        if name == newline:
            continue
        out = list(postlexer.process(iter([Token(newline, "\n", 0, 1, 1), Token(name, "x", 1, 2, 1)])))
        if len(out) == 1 and out[0].type == name and str(out[0]) == "\nx" and out[0].line == 2:
            merged.append(name)
        elif not (len(out) == 2 and [t.type for t in out] == [newline, name] and str(out[1]) == "x"):
            raise SnapshotError("a post-lexer our runtime does not reproduce")
    return [newline, merged]


def _pack(numbers: array.array[int]) -> list[str]:
    """Unsigned integers as base64 text of the smallest array type that holds them: a table of
    tens of thousands of numbers is one JSON string, decoded at C speed."""
    code = "B" if max(numbers, default=0) < 256 else "H" if max(numbers) < 65536 else "I"
    return [code, base64.b64encode(array.array(code, numbers).tobytes()).decode("ascii")]


def _unpack(packed: Any) -> list[int]:
    if not (type(packed) is list and len(packed) == 2 and packed[0] in ("B", "H", "I") and type(packed[1]) is str):
        raise SnapshotError("expected packed numbers")
    numbers = array.array(packed[0])
    try:
        numbers.frombytes(base64.b64decode(packed[1], validate=True))
    except ValueError:  # binascii.Error, or a length that is not a whole number of items
        raise SnapshotError("damaged packed numbers") from None
    return numbers.tolist()


# -- reading (no lark) --------------------------------------------------------------------------


def _int(value: Any, below: int) -> int:
    if type(value) is not int or not 0 <= value < below:
        raise SnapshotError("expected an index in range")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise SnapshotError("expected a string")
    return value


def _list(value: Any, length: int | None = None) -> list[Any]:
    if type(value) is not list or (length is not None and len(value) != length):
        raise SnapshotError("expected a list")
    return value


def from_plain(plain: Any) -> Any:
    """Our runtime's parser (`lalr.Parser`) for `to_plain`'s tables, every value checked: types,
    and every terminal, state, token and rule index in range. Raises SnapshotError."""
    from ampls_checks.parsers.terraform import lalr

    if type(plain) is not dict:
        raise SnapshotError("not an object")
    try:
        terminals = []
        for entry in _list(plain["terminals"]):
            name, regexp, newline = _list(entry, 3)
            if type(newline) is not bool:
                raise SnapshotError("malformed terminal")
            terminals.append(lalr.Terminal(_str(name), _str(regexp), newline))
        names = {t.name for t in terminals}
        if len(names) != len(terminals) or not all(n.isidentifier() for n in names):
            raise SnapshotError("terminal names are not distinct identifiers")
        ignore = frozenset(_str(n) for n in _list(plain["ignore"]))
        if not ignore <= names:
            raise SnapshotError("an ignored terminal that does not exist")
        lexer_states = []
        for entry in _list(plain["lexer_states"]):
            order, unless = _list(entry, 2)
            lexer_states.append(
                lalr.LexerState(
                    tuple(_int(i, len(terminals)) for i in _list(order)),
                    tuple(
                        (_int(r, len(terminals)), tuple(_int(i, len(terminals)) for i in _list(strings)))
                        for r, strings in (_list(u, 2) for u in _list(unless))
                    ),
                )
            )
        tokens = [_str(t) for t in _list(plain["tokens"])]
        lengths, token_ids, codes = (_unpack(plain[k]) for k in ("lengths", "token_ids", "codes"))
        count = len(lengths)
        state_lexers = _unpack(plain["state_lexers"])
        if len(state_lexers) != count or (state_lexers and max(state_lexers) >= len(lexer_states)):
            raise SnapshotError("a state without a lexer")
        rules = []
        for entry in _list(plain["rules"]):
            origin, size, name, expand1, keep, append_none = _list(entry, 6)
            if type(size) is not int or size < 0 or type(expand1) is not bool:
                raise SnapshotError("malformed rule")
            kept = None
            if keep is not None:
                kept = []
                for item in _list(keep):
                    index, inline, nones = _list(item, 3)
                    if type(inline) is not bool:
                        raise SnapshotError("malformed rule")
                    kept.append((_int(index, size), inline, _int(nones, 1 << 16)))
            rules.append(
                lalr.Rule(
                    _str(origin),
                    size,
                    _str(name),
                    expand1,
                    tuple(kept) if kept is not None else None,
                    _int(append_none, 1 << 16),
                )
            )
        if len(token_ids) != sum(lengths) or len(codes) != len(token_ids):
            raise SnapshotError("table sizes do not agree")
        if token_ids and (max(token_ids) >= len(tokens) or max(codes) >= count + len(rules)):
            raise SnapshotError("unknown token or action")
        if any(rule.origin not in tokens for rule in rules):
            raise SnapshotError("a rule whose result no state takes")
        symbols = list(map(tokens.__getitem__, token_ids))  # looked up in C, not a Python loop
        actions = lalr.Actions(symbols, codes, [0, *itertools.accumulate(lengths)])
        merge = plain["postlexer"]
        merge_newline: str | None = None
        merge_into: frozenset[str] = frozenset()
        if merge is not None:
            newline, into = _list(merge, 2)
            merge_newline = _str(newline)
            merge_into = frozenset(_str(n) for n in _list(into))
            if merge_newline not in names or not merge_into <= names:
                raise SnapshotError("the post-lexer names unknown terminals")
        tables = lalr.Tables(
            terminals=tuple(terminals),
            ignore=ignore,
            lexer_states=tuple(lexer_states),
            state_lexers=tuple(state_lexers),
            root_lexer=_int(plain["root_lexer"], len(lexer_states)),
            actions=actions,
            rules=tuple(rules),
            start=_int(plain["start"], count),
            end=_int(plain["end"], count),
            merge_newline=merge_newline,
            merge_into=merge_into,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"malformed tables: {exc}") from None
    return lalr.Parser(tables)


def _mac(key: bytes, body: bytes) -> bytes:
    return hashlib.blake2b(body, key=key, digest_size=_MAC_SIZE).digest()


def load(path: str, key: bytes) -> Any | None:
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
        return from_plain(json.loads(body))
    except Exception:  # noqa: BLE001 - any damage means "no snapshot", never a crash
        return None


def shape(node: Any) -> Any:
    """A tree as nested tuples, tokens with their type and every place lark gives them: lark's
    trees and ours compare equal only if they are the same in everything `hcl_syntax` reads."""
    if node is None:
        return None
    children = getattr(node, "children", None)
    if children is not None:
        return (str(node.data), tuple(shape(c) for c in children))
    return (node.type, str(node), node.line, node.column, node.end_line, node.end_column)


def outcome(parser: Any, text: str) -> Any:
    """What `parser` makes of `text`: the tree's shape, or the error as `hcl_syntax` reads it."""
    try:
        return shape(parser.parse(text))
    except Exception as exc:  # noqa: BLE001 - lark raises many kinds
        token = getattr(exc, "token", None)
        return (
            "error",
            getattr(exc, "line", None),
            None if token is None else (token.type, str(token)),
            getattr(exc, "char", None),
        )


def _keep(path: str, parser: Any, postlexer: Any, samples: list[str], key: bytes) -> Any:
    """Our runtime on `parser`'s tables, kept at `path`, if it gives what `parser` gives on every
    sample; `parser` itself otherwise."""
    try:
        body = json.dumps(to_plain(parser, postlexer), separators=(",", ":")).encode()
        copy = from_plain(json.loads(body))
        if any(outcome(copy, sample) != outcome(parser, sample) for sample in samples):
            return parser
    except Exception:  # noqa: BLE001 - a snapshot is only an optimisation
        return parser
    directory = os.path.dirname(path)
    if safe_files.make_own_directory(directory) is None:
        safe_files.write_file(path, FORMAT + _mac(key, body) + body)
    return copy


def snapshot_parser(path: str, build: Callable[[], tuple[Any, Any]], samples: list[str]) -> Any:
    """A parser with lark's `parse(text)`: our runtime on the tables kept at `path`, or lark's
    parser made by `build()` (-> the parser and its post-lexer; from the grammar, never with
    lark's own cache), whose tables are then kept there."""
    from ampls_checks.speed.cache_key import cache_key

    key, _problem = cache_key()
    root = os.path.dirname(os.path.dirname(path))  # the cache directory: ours alone, or not used
    if os.path.lexists(root) and safe_files.trusted_directory(root, follow=True) is not None:
        key = b""
    loaded = load(path, key)
    if loaded is not None:
        return loaded
    parser, postlexer = build()
    if not key:
        return parser  # without the key a snapshot could not be trusted later: build each time
    return _keep(path, parser, postlexer, samples, key)
