"""Property: random mutations (truncation, byte flips, insertions) of every good fixture never make
the scanner raise, and the JSON report stays well-formed with every error naming a file.

Each example runs the in-process scan on one mutated copy of one fixture case. The example count is
bounded so the whole property runs in a minute or two on CI.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ampls_checks.reporters import reporter
from ampls_checks.scan import ScanOptions, scan

from .conftest import FIXTURES

GOOD_FILES = sorted(
    path
    for path in FIXTURES.glob("*/ckv_ampls_*/good*/**/*")
    if path.is_file() and path.suffix in (".tf", ".tfvars", ".json", ".bicep")
)

mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(
        st.just("insert"),
        st.floats(0, 1),
        st.sampled_from([b"{", b"}", b"[", b"${", b'"', b"\\", b"\x00", b"\xff", b"[[[[[[", b"\n", b"\r", b"/*"]),
    ),
)


def mutate(data: bytes, operations: list[tuple]) -> bytes:
    for operation in operations:
        position = int(operation[1] * len(data))
        if operation[0] == "truncate":
            data = data[:position]
        elif operation[0] == "flip" and data:
            position = min(position, len(data) - 1)
            data = data[:position] + bytes([data[position] ^ operation[2]]) + data[position + 1 :]
        elif operation[0] == "insert":
            data = data[:position] + operation[2] + data[position:]
    return data


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(GOOD_FILES), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_fixtures_never_crash_and_always_give_valid_json(target: Path, operations: list[tuple]) -> None:
    case = next(p for p in target.parents if p.parent.name.startswith("ckv_ampls_"))
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "case"
        shutil.copytree(case, copy)
        mutated = copy / target.relative_to(case)
        mutated.write_bytes(mutate(target.read_bytes(), operations))
        report = scan([str(copy)], ScanOptions(jobs=1))
        document = json.loads(reporter("json")(report))
        assert set(document) >= {"findings", "errors", "summary"}
        for error in document["errors"]:
            assert error["file"] and error["message"]
        assert all(e.file != "<internal>" for e in report.errors), report.errors
