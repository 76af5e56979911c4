"""Hostile inputs, written at test time (nothing large is committed), one directory a case.

Each case is a function that writes its files under a directory and returns what the scan must
end with: the exit code and, where it matters, the files that must be error entries or the check
ids that must still be found. `run_case` runs the CLI on it in a subprocess limited in address
space and time, so a case that regresses fails with a clear message instead of taking the machine.

Run as a script to measure every case (or the ones named) and print time and peak memory:

    python tests/hostile_inputs.py [--keep DIR] [CASE ...]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

MEMORY_LIMIT = 1024 * 1024 * 1024  # 1 GB of address space for the scanning process
TIME_LIMIT = 60.0  # seconds of wall time before a case counts as hung (they take seconds)

GOOD_SCOPE = """resource "azurerm_monitor_private_link_scope" "good" {
  name                  = "ampls"
  resource_group_name   = "rg"
  ingestion_access_mode = "Open"
  query_access_mode     = "PrivateOnly"
}
"""
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


@dataclass
class Expect:
    """What the scan of a case must give: `exit_code`; `errors`, files that must be error
    entries (a substring of the message may be given); `checks`, check ids that must be among
    the findings; `args`, extra CLI arguments; `precommit`, file arguments for the hook mode."""

    exit_code: int
    errors: dict[str, str] = field(default_factory=dict)
    checks: set[str] = field(default_factory=set)
    args: list[str] = field(default_factory=list)
    files: list[str] | None = None
    cwd: str = ""
    check_output: Callable[[str, bytes], None] | None = None  # (stderr, output file)


def _write(root: Path, name: str, content: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def _with_good(root: Path) -> None:
    _write(root, "good/main.tf", GOOD_SCOPE)


GOOD_CHECKS = {"CKV_AMPLS_1", "CKV_AMPLS_13"}


# -- §3: evaluation bounded by size ----------------------------------------------------------


def _doubling_locals(step: Callable[[str], str], seed: str, levels: int = 64) -> str:
    lines = ["locals {", f"  a0 = {seed}"]
    lines += [f"  a{i} = {step(f'local.a{i - 1}')}" for i in range(1, levels + 1)]
    lines.append("}")
    lines.append(
        'resource "azurerm_monitor_private_link_scope" "s" {\n'
        f'  name = "x${{length(local.a{levels})}}"\n'
        '  resource_group_name = "rg"\n  ingestion_access_mode = "Open"\n  query_access_mode = "Open"\n}'
    )
    return "\n".join(lines) + "\n"


def _tf_case(text: str) -> Callable[[Path], Expect]:
    def write(root: Path) -> Expect:
        _write(root, "big/main.tf", text)
        _with_good(root)
        return Expect(0 if False else 1, checks=GOOD_CHECKS)

    return write


TF_SIZE_CASES: dict[str, str] = {
    "tf_template_doubling": _doubling_locals(lambda a: f'"${{{a}}}${{{a}}}"', '"xx"'),
    "tf_format_doubling": _doubling_locals(lambda a: f'format("%s%s", {a}, {a})', '"xx"'),
    "tf_join_quadrupling": _doubling_locals(lambda a: f'join("", [{a}, {a}, {a}, {a}])', '"xx"', 40),
    "tf_concat_doubling": _doubling_locals(lambda a: f"concat({a}, {a})", '["x", "y"]'),
    "tf_for_nesting": _doubling_locals(lambda a: f"[for x in {a} : [x, x]]", '["x", "y"]'),
    "tf_for_flatten": _doubling_locals(lambda a: f"flatten([for x in {a} : [x, x]])", '["x", "y"]'),
    "tf_replace_growth": _doubling_locals(lambda a: f'replace({a}, "x", "xxxxxxxxxx")', '"xx"', 20),
    "tf_object_nesting": _doubling_locals(lambda a: f"{{ l = {a}, r = {a} }}", '"x"'),
    "tf_nested_value_in_resource": _doubling_locals(lambda a: f"[for x in {a} : [x, x]]", '["x", "y"]').replace(
        '  resource_group_name = "rg"', '  resource_group_name = "rg"\n  tags = { t = local.a64 }'
    ),
    "tf_jsonencode_nesting": _doubling_locals(lambda a: f'[{a}, {a}, jsonencode({a}), format("%v", {a})]', '"x"'),
}


def _arm_doubling(step: Callable[[str], str], seed: object, use: str, levels: int = 64) -> Callable[[Path], Expect]:
    def write(root: Path) -> Expect:
        variables: dict[str, object] = {"a0": seed}
        for i in range(1, levels + 1):
            variables[f"a{i}"] = f"[{step('variables(' + repr(f'a{i - 1}') + ')')}]"
        scope = dict(ARM_SCOPE, name=f"[{use.format('variables(' + repr(f'a{levels}') + ')')}]")
        _write(root, "arm/azuredeploy.json", _arm_template([scope], variables))
        _with_good(root)
        return Expect(1, checks=GOOD_CHECKS)

    return write


def _bicep_doubling(step: Callable[[str], str], seed: str, use: str, levels: int = 64) -> Callable[[Path], Expect]:
    def write(root: Path) -> Expect:
        lines = [f"var a0 = {seed}"] + [f"var a{i} = {step(f'a{i - 1}')}" for i in range(1, levels + 1)]
        body = "\n".join(lines) + "\n" + BICEP_SCOPE.replace("name: 'x'", f"name: {use.format(f'a{levels}')}")
        _write(root, "bicep/main.bicep", body)
        _with_good(root)
        return Expect(1, checks=GOOD_CHECKS)

    return write


TEMPLATE_SIZE_CASES: dict[str, Callable[[Path], Expect]] = {
    "arm_concat_doubling": _arm_doubling(lambda a: f"concat({a}, {a})", "xx", "string(length({}))"),
    "arm_array_doubling": _arm_doubling(lambda a: f"concat({a}, {a})", ["x"], "string(length({}))"),
    "arm_nested_arrays": _arm_doubling(lambda a: f"createArray({a}, {a})", "x", "string({})"),
    "arm_nested_objects": _arm_doubling(lambda a: f"createObject('l', {a}, 'r', {a})", "x", "string({})"),
    "arm_replace_growth": _arm_doubling(lambda a: f"replace({a}, 'x', 'xxxxxxxxxx')", "xx", "string(length({}))", 20),
    "arm_format_doubling": _arm_doubling(lambda a: f"format('{{0}}{{0}}', {a})", "xx", "string(length({}))"),
    "arm_union_nesting": _arm_doubling(
        lambda a: f"union(createObject('a', {a}), createObject('b', {a}))", "x", "string({})"
    ),
    "bicep_template_doubling": _bicep_doubling(lambda a: f"'${{{a}}}${{{a}}}'", "'xx'", "'${{length({})}}'"),
    "bicep_array_nesting": _bicep_doubling(lambda a: f"[{a}, {a}]", "'x'", "string({})"),
    "bicep_object_nesting": _bicep_doubling(lambda a: f"{{ l: {a}, r: {a} }}", "'x'", "string({})"),
    "bicep_concat_doubling": _bicep_doubling(lambda a: f"concat({a}, {a})", "['x']", "'${{length({})}}'"),
    "bicep_replace_growth": _bicep_doubling(
        lambda a: f"replace({a}, 'x', 'xxxxxxxxxx')", "'xx'", "'${{length({})}}'", 20
    ),
    "bicep_for_nesting": _bicep_doubling(lambda a: f"[for x in {a}: [x, x]]", "['x']", "string({})"),
}


def tf_module_chain(root: Path) -> Expect:
    """17 module directories, each calling the next with count = 10000."""
    for level in range(17):
        body = GOOD_SCOPE.replace('"good"', f'"s{level}"') if level == 16 else ""
        if level < 16:
            body += f'module "next" {{\n  source = "../m{level + 1}"\n  count  = 10000\n}}\n'
        _write(root, f"m{level}/main.tf", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def tf_many_scopes_one_zone(root: Path) -> Expect:
    """10,000 scopes, endpoints and zone groups sharing one zone, from a small file."""
    _write(
        root,
        "many/main.tf",
        """resource "azurerm_monitor_private_link_scope" "s" {
  count = 10000
  name = "ampls${count.index}"
  resource_group_name = "rg"
  ingestion_access_mode = "Open"
  query_access_mode = "Open"
}
resource "azurerm_private_dns_zone" "z" {
  name = "privatelink.monitor.azure.com"
  resource_group_name = "rg"
}
resource "azurerm_private_endpoint" "pe" {
  count = 10000
  name = "pe${count.index}"
  resource_group_name = "rg"
  location = "westeurope"
  subnet_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
  private_service_connection {
    name = "c"
    private_connection_resource_id = azurerm_monitor_private_link_scope.s[count.index].id
    subresource_names = ["azuremonitor"]
    is_manual_connection = false
  }
  private_dns_zone_group {
    name = "g"
    private_dns_zone_ids = [azurerm_private_dns_zone.z.id]
  }
}
resource "azurerm_private_dns_zone_virtual_network_link" "l" {
  count = 10000
  name = "l${count.index}"
  resource_group_name = "rg"
  private_dns_zone_name = azurerm_private_dns_zone.z.name
  virtual_network_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v${count.index}"
}
resource "azurerm_log_analytics_workspace" "w" {
  count = 10000
  name = "w${count.index}"
  resource_group_name = "rg"
  location = "westeurope"
}
resource "azurerm_monitor_private_link_scoped_service" "ss" {
  count = 10000
  name = "ss${count.index}"
  resource_group_name = "rg"
  scope_name = azurerm_monitor_private_link_scope.s[0].name
  linked_resource_id = azurerm_log_analytics_workspace.w[count.index].id
}
""",
    )
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def bicep_module_fanout(root: Path) -> Expect:
    """16 levels of Bicep modules, each calling the next 800 times."""
    for level in range(16):
        if level < 15:
            body = (
                f"module next 'level{level + 1}.bicep' = [for i in range(0, 800): {{\n  name: 'n{level}-${{i}}'\n}}]\n"
            )
        else:
            body = BICEP_SCOPE
        _write(root, f"bicep/level{level}.bicep", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


BICEP_SCOPE = (
    "resource s 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n  name: 'x'\n  location: 'global'\n"
    "  properties: {\n    accessModeSettings: {\n      ingestionAccessMode: 'Open'\n      queryAccessMode: 'Open'\n"
    "    }\n  }\n}\n"
)


# -- §4: no quadratic regular expression on file content -------------------------------------


def tf_skip_comment_spaces(root: Path) -> Expect:
    comment = "# checkov:skip=CKV_AMPLS_1:" + " " * 50_000 + "x\n"
    body = GOOD_SCOPE.replace('"good"', '"s"').replace("{\n", "{\n  count = 100\n" + comment, 1)
    _write(root, "skip/main.tf", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def tf_skip_comment_repeats(root: Path) -> Expect:
    comment = "# " + "checkov:skip=A " * 4000 + "\n"
    body = GOOD_SCOPE.replace('"good"', '"s"').replace("{\n", "{\n  count = 100\n" + comment, 1)
    _write(root, "skip/main.tf", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def _arm_template(resources: list[object], variables: dict[str, object] | None = None) -> str:
    return json.dumps(
        {"$schema": ARM_SCHEMA, "contentVersion": "1.0.0.0", "variables": variables or {}, "resources": resources}
    )


ARM_SCOPE = {
    "type": "Microsoft.Insights/privateLinkScopes",
    "apiVersion": "2021-07-01-preview",
    "name": "scope",
    "location": "global",
    "properties": {"accessModeSettings": {"ingestionAccessMode": "Open", "queryAccessMode": "Open"}},
}


def tf_format_flags(root: Path) -> Expect:
    """format() flags: a long run of zeros (quadratic for the former pattern: 16 s for 20 KB) and
    a width that would build a string of 100 MB."""
    body = GOOD_SCOPE.replace('"good"', '"s"').replace(
        'name                  = "ampls"', f'name = format("%{"0" * 20_000}!s-%99999999d", "x", 1)'
    )
    _write(root, "fmt/main.tf", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def arm_format_placeholders(root: Path) -> Expect:
    spec = "{0" * 75_000
    scope = dict(ARM_SCOPE, name=f"[format('{spec}', 'a')]")
    _write(root, "arm/azuredeploy.json", _arm_template([scope]))
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def arm_format_commas(root: Path) -> Expect:
    spec = "{0," * 50_000
    scope = dict(ARM_SCOPE, name=f"[format('{spec}', 'a')]")
    _write(root, "arm/azuredeploy.json", _arm_template([scope]))
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def arm_metadata_skip(root: Path) -> Expect:
    items = [
        "CKV_AMPLS_1:" + " " * 50_000 + "x",
        "checkov:skip=CKV_AMPLS_1:" + " " * 50_000 + "x",
        "checkov:skip=A:" * 3000 + "\rx",  # 10 s with the former pattern
    ]
    scope = dict(ARM_SCOPE, metadata={"checkov": items})
    _write(root, "arm/azuredeploy.json", _arm_template([scope]))
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def bicep_format_placeholders(root: Path) -> Expect:
    spec = "{0" * 50_000
    body = (
        "resource s 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n"
        f"  name: format('{spec}', 'a')\n  location: 'global'\n}}\n"
    )
    _write(root, "bicep/main.bicep", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def bicep_skip_comment(root: Path) -> Expect:
    body = "// checkov:skip=CKV_AMPLS_1:" + " " * 50_000 + "x\n" + BICEP_SCOPE
    _write(root, "bicep/main.bicep", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


# -- §5: one bad file never costs the rest ---------------------------------------------------


def arm_huge_integer(root: Path) -> Expect:
    text = _arm_template([dict(ARM_SCOPE, name="[string(variables('n'))]")]).replace(
        '"variables": {}', '"variables": {"n": ' + "9" * 4301 + "}"
    )
    _write(root, "arm/azuredeploy.json", text)
    _with_good(root)
    return Expect(2, errors={"arm/azuredeploy.json": ""}, checks=GOOD_CHECKS)


def tf_huge_integer(root: Path) -> Expect:
    body = GOOD_SCOPE.replace('"good"', '"s"').replace(
        'name                  = "ampls"', f'name = "x${{{"9" * 4301}}}"'
    )
    _write(root, "big/main.tf", body)
    _with_good(root)
    return Expect(1, checks=GOOD_CHECKS)


def bicep_huge_integer(root: Path) -> Expect:
    body = (
        f"var n = {'9' * 4301}\n"
        "resource s 'Microsoft.Insights/privateLinkScopes@2021-07-01-preview' = {\n"
        "  name: 'x${n}'\n  location: 'global'\n}\n"
    )
    _write(root, "bicep/main.bicep", body)
    _with_good(root)
    return Expect(2, errors={"bicep/main.bicep": "digits"}, checks=GOOD_CHECKS)


# -- §6: every output safe for its consumer --------------------------------------------------

HOSTILE_NAME = "x##[error]boom ::error::x ##[add-mask]y ##[stop-commands]t ##[set-output name=a]b \x1b[31m\u202e\x07"


def _hostile_scope(root: Path) -> None:
    """The hostile text in a directory name, a resource name, a value that messages quote, and
    a broken file whose error message quotes it."""
    name = json.dumps(HOSTILE_NAME)
    body = GOOD_SCOPE.replace('"good"', '"s"').replace('"ampls"', name).replace('"Open"', name)
    _write(root, "names/main.tf", body)
    _write(root, f"names/{HOSTILE_NAME}/main.tf", GOOD_SCOPE)
    _write(root, "names/broken.tf", f"resource {name} {{\n  {HOSTILE_NAME}\n")
    _write(root, "names/broken.json", '{"$schema": "' + ARM_SCHEMA + '", ' + HOSTILE_NAME + "\n")
    _write(root, "names/broken.bicep", f"resource s {name} = {{\n  {HOSTILE_NAME}\n")


def _assert_safe_text(output: str) -> None:
    for command in ("##[", "\x1b", "\u202e", "\x07"):
        assert command not in output, (command, output[:2000])


def output_case(fmt: str) -> Callable[[Path], Expect]:
    def write(root: Path) -> Expect:
        _hostile_scope(root)
        bad_name = os.fsencode("bad") + b"\xff\xfe" + b".tf"
        if sys.platform != "win32":
            (root / "raw").mkdir(exist_ok=True)
            with open(os.path.join(os.fsencode(root / "raw"), bad_name), "wb") as handle:
                handle.write(GOOD_SCOPE.encode())

        def check(stderr: str, written: bytes) -> None:
            text = written.decode("utf-8")
            assert "names/main.tf" in text, (stderr[-500:], text[:500])
            if fmt == "json":
                json.loads(text)
                assert "\\ud8" not in text.lower() and "\\udc" not in text.lower(), text[:2000]
            if fmt == "sarif":
                json.loads(text)
            if fmt == "text":
                _assert_safe_text(text)
            if fmt in ("github", "azure-devops"):  # each line is its own command: data is inert
                _assert_safe_text(text.replace("##[", ""))
            _assert_safe_text(stderr)

        return Expect(2, args=["--format", fmt, "--output-file", "out.report", "--verbose"], check_output=check)

    return write


# -- §7: reading files -----------------------------------------------------------------------


def arm_utf16(root: Path) -> Expect:
    text = _arm_template([ARM_SCOPE])
    _write(root, "arm/utf16.json", text.encode("utf-16"))
    _write(root, "arm/undecodable.json", b'{"$schema": "' + ARM_SCHEMA.encode() + b'", "x": "\xff\xfe\xfa"}')
    return Expect(2, errors={"arm/undecodable.json": "UTF"}, checks={"CKV_AMPLS_1"})


def precommit_symlink_out(root: Path) -> Expect:
    """A committed symlink to a file outside the repository is not followed by the hook."""
    outside = root / "outside"
    _write(outside, "secret.tf", GOOD_SCOPE.replace('"good"', '"outside"'))
    (root / "repo" / "sub").mkdir(parents=True)
    os.symlink(outside / "secret.tf", root / "repo" / "link.tf")
    os.symlink(outside, root / "repo" / "sub" / "dir")
    _write(root, "repo/main.tf", "")
    _write(root, "repo/.git/HEAD", "ref: refs/heads/main\n")
    refused = "symlink points outside the repository"
    return Expect(
        2,
        errors={"link.tf": refused, "sub/dir/secret.tf": refused},
        files=["link.tf", "main.tf", "sub/dir/secret.tf"],
        cwd="repo",
    )


CASES: dict[str, Callable[[Path], Expect]] = {
    **{name: _tf_case(text) for name, text in TF_SIZE_CASES.items()},
    **TEMPLATE_SIZE_CASES,
    "tf_module_chain": tf_module_chain,
    "tf_many_scopes_one_zone": tf_many_scopes_one_zone,
    "bicep_module_fanout": bicep_module_fanout,
    "tf_skip_comment_spaces": tf_skip_comment_spaces,
    "tf_skip_comment_repeats": tf_skip_comment_repeats,
    "tf_format_flags": tf_format_flags,
    "arm_format_placeholders": arm_format_placeholders,
    "arm_format_commas": arm_format_commas,
    "arm_metadata_skip": arm_metadata_skip,
    "bicep_format_placeholders": bicep_format_placeholders,
    "bicep_skip_comment": bicep_skip_comment,
    "arm_huge_integer": arm_huge_integer,
    "tf_huge_integer": tf_huge_integer,
    "bicep_huge_integer": bicep_huge_integer,
    **{f"output_{fmt}": output_case(fmt) for fmt in ("text", "json", "sarif", "github", "azure-devops", "junitxml")},
    "arm_utf16": arm_utf16,
    "precommit_symlink_out": precommit_symlink_out,
}


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    written: bytes


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_case(root: Path, expect: Expect, timeout: float = TIME_LIMIT) -> Outcome:
    """The CLI on `root` in a subprocess under the memory limit; its own peak RSS from wait4."""
    if expect.files is not None:
        command = [
            sys.executable,
            "-m",
            "ampls_checks",
            "--no-cache",
            "--format",
            "json",
            "--changed-files",
            *expect.files,
        ]
    else:
        command = [sys.executable, "-m", "ampls_checks", ".", "--no-cache", "--format", "json", *expect.args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root / expect.cwd, stdout=out, stderr=err, preexec_fn=_limit_memory)
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if seconds >= timeout:
            raise subprocess.TimeoutExpired(command, timeout)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    written_path = root / "out.report"
    written = written_path.read_bytes() if written_path.exists() else b""
    return Outcome(
        process.returncode,
        stdout.decode("utf-8", "replace"),
        stderr.decode("utf-8", "replace"),
        seconds,
        usage.ru_maxrss / 1024,
        written,
    )


def verify(expect: Expect, outcome: Outcome) -> None:
    """Raises AssertionError when the outcome is not what the case expects."""
    assert "Traceback" not in outcome.stderr, outcome.stderr[-3000:]
    assert outcome.returncode == expect.exit_code, (outcome.returncode, outcome.stdout[:2000], outcome.stderr[-2000:])
    if expect.check_output is not None:
        expect.check_output(outcome.stderr, outcome.written)
        return
    try:
        report = json.loads(outcome.stdout)
    except ValueError as exc:
        raise AssertionError(f"no JSON report: {outcome.stdout[:500]!r} {outcome.stderr[-1000:]!r}") from exc
    errors = {e["file"]: e["message"] for e in report["errors"]}
    assert set(errors) == set(expect.errors), errors
    for file, word in expect.errors.items():
        assert word in errors[file], (file, errors[file])
    found = {f["check_id"] for f in report["findings"]}
    assert expect.checks <= found, (expect.checks, found)


def main(argv: list[str]) -> int:
    keep = None
    if argv[:1] == ["--keep"]:
        keep, argv = argv[1], argv[2:]
    names = argv or list(CASES)
    failed = 0
    for name in names:
        base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="hostile-"))
        root = base / name
        root.mkdir(parents=True, exist_ok=True)
        expect = CASES[name](root)
        try:
            outcome = run_case(root, expect, timeout=float(os.environ.get("HOSTILE_TIMEOUT", "600")))
        except subprocess.TimeoutExpired:
            print(f"{name:32} TIMEOUT")
            failed += 1
            continue
        try:
            verify(expect, outcome)
            verdict = "ok"
        except (AssertionError, ValueError) as exc:
            verdict = "FAIL " + str(exc)[:300].replace("\n", " ")
            failed += 1
        print(
            f"{name:32} {outcome.seconds:7.2f}s {outcome.peak_rss_mb:6.0f}MB rc={outcome.returncode} {verdict}",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
