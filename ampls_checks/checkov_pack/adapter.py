"""The Checkov policy pack's adapter: the same checks, answered inside `checkov`.

Why this shape: Checkov hands a Python check one resource's configuration, but half of our checks
are about several resources at once (zone coverage, DNS shared by two scopes, limits, virtual
network links). Checkov's YAML graph policies cannot count zones or compare scopes; its Terraform
registry gives a check the Terraform graph, but the ARM and Bicep registries give none. So the
pack takes the whole-definitions view itself: the first time a check runs for a scan root, the
adapter runs ampls-checks' own pipeline (parsers, linker, the same check functions) over that root
once, and then answers each resource Checkov asks about from those findings. The CLI and the pack
therefore report exactly the same problems, and Checkov keeps doing what it does well: its file
paths and line ranges, its skip comments (`checkov:skip=CKV_AMPLS_1:reason`), `--skip-check`,
its output formats.

The scan root is the `-d/--directory` (or `-f/--file`) argument of the running `checkov` that
contains the resource's file, or the file's own directory when Checkov runs as a library.
Settings come from the environment: `AMPLS_CHECKS_CLOUD` (public, usgovernment, china),
`AMPLS_CHECKS_REQUIRE_PRIVATE=1` and `AMPLS_CHECKS_BICEP_MODULE_CACHE` (the CLI's
`--bicep-module-cache`; Bicep's default `~/.bicep` without it).

Nothing here imports `hcl2`: inside Checkov that name is Checkov's fork (see
`parsers.hcl_syntax.hcl_parser`).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from ampls_checks.azure import RESOURCE_TYPES, Cloud
from ampls_checks.checks import Check, Settings, all_checks
from ampls_checks.discover import inside_roots
from ampls_checks.model import Finding
from ampls_checks.scan import ScanOptions, ScanReport, scan, scan_plan


def checkov_types(check: Check) -> tuple[list[str], list[str]]:
    """The Terraform and ARM resource types Checkov asks `check` about: those of the entity kinds
    it reports on (azure.py), plus `azapi_resource`, which can declare any of them."""
    kinds = [RESOURCE_TYPES[kind.__name__] for kind in check.reports_on]
    terraform = [t for types in kinds for t in types.terraform] + ["azapi_resource"]
    # parts too (an endpoint's zone group): a finding pointing at a part declared apart is reported there
    arm = [t for types in kinds for t in (*types.arm_holders, *types.arm, *types.arm_parts)]
    return list(dict.fromkeys(terraform)), list(dict.fromkeys(arm))


@dataclass
class Verdict:
    failed: bool
    unknown: bool = False
    messages: list[str] = field(default_factory=list)
    # why the CLI suppressed what it found on this resource (nothing unsuppressed found): Checkov
    # must say SKIPPED with the reason, not PASSED
    suppressed: str | None = None


@dataclass
class PackSession:
    """One per Checkov process: scan results per root, computed once."""

    reports: dict[str, ScanReport] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # roots whose scan raised: every answer is UNKNOWN
    # the latest answer's messages per check id, with the file they were for (see carry_details)
    latest_messages: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def messages_for_record(self, check_id: str, file_abs_path: str) -> list[str]:
        file, messages = self.latest_messages.get(check_id, ("", []))
        return list(messages) if file and file == os.path.realpath(file_abs_path) else []

    def report_for(self, root: str) -> ScanReport:
        if root not in self.reports:
            try:
                options = ScanOptions(
                    settings=settings_from_environment(),
                    bicep_module_cache=os.environ.get("AMPLS_CHECKS_BICEP_MODULE_CACHE") or None,
                )
                self.reports[root] = scan([root], options)
            except Exception as exc:  # noqa: BLE001 - Checkov would drop every result of the pack silently
                sys.stderr.write(
                    f"ampls-checks: scanning {root} failed ({type(exc).__name__}: {exc}); "
                    "its CKV_AMPLS checks are reported UNKNOWN\n"
                )
                self.failed.add(root)
                self.reports[root] = ScanReport()
            else:
                warning = unread_files_warning(root, self.reports[root])
                if warning:
                    sys.stderr.write(warning)
        return self.reports[root]

    def plan_report_for(self, plan: str) -> ScanReport:
        """The findings of a Terraform plan in JSON (`checkov -f plan.json`), scanned as
        `ampls-checks --plan plan.json` does: findings point at the plan's lines, by address."""
        key = "plan:" + plan
        if key not in self.reports:
            try:
                self.reports[key] = scan_plan(plan, None, ScanOptions(settings=settings_from_environment()))
            except Exception as exc:  # noqa: BLE001 - as for a directory: UNKNOWN, and say why
                sys.stderr.write(
                    f"ampls-checks: scanning {plan} failed ({type(exc).__name__}: {exc}); "
                    "its CKV_AMPLS checks are reported UNKNOWN\n"
                )
                self.failed.add(key)
                self.reports[key] = ScanReport()
            else:
                warning = unread_files_warning(plan, self.reports[key])
                if warning:
                    sys.stderr.write(warning)
        return self.reports[key]

    def verdict(self, check_id: str, file: str, conf: dict[str, Any], entity_name: str, plan: bool = False) -> Verdict:
        absolute = os.path.realpath(file)
        root = "plan:" + absolute if plan else scan_root(absolute)
        report = self.plan_report_for(absolute) if plan else self.report_for(root)
        if root in self.failed or any(os.path.realpath(e.file) == absolute for e in report.errors):
            return Verdict(failed=False, unknown=True)
        start, end = conf_lines(conf)
        address = conf.get("__address__")
        messages = []
        reasons = []
        for finding in report.findings:
            if finding.check_id != check_id:
                continue
            found_in = os.path.realpath(finding.file)
            # a Terraform finding may point at a value written in another file of the resource's
            # module (servers set by azurerm_virtual_network_dns_servers, an azapi_update_resource):
            # the resource's address decides there
            elsewhere_in_module = isinstance(address, str) and os.path.dirname(found_in) == os.path.dirname(absolute)
            if found_in != absolute and not elsewhere_in_module:
                continue
            if isinstance(address, str):
                # inline parts (an NSG's security_rule[0]) belong to the resource that holds them
                matched = _same_resource(finding.resource, address)
            elif start is not None and end is not None:
                matched = start <= (_pointed_line(finding) or finding.resource_start_line) <= end
            else:  # Bicep: Checkov names the resource by its symbol, without module path or loop index
                pointed = _pointed_line(finding)
                symbol = _symbol_declared_at(finding.file, pointed) if pointed else None
                matched = (symbol or _bare_symbol(finding.resource)) == _bare_symbol(entity_name)
            if not matched:
                continue
            if finding.suppression is not None:
                # a skip Checkov's own syntax does not cover (a wildcard, a lower-case id in ARM
                # metadata, a skip in a child resource such as an endpoint's zone group) still holds
                # here: pack and CLI agree on what is suppressed, and why
                reason = f"{finding.suppression.reason} (skip at line {finding.suppression.line})"
                if reason not in reasons:
                    reasons.append(reason)
            elif finding.message not in messages:  # instances of one loop say it once
                messages.append(finding.message)
        suppressed = "; ".join(reasons) if reasons and not messages else None
        return Verdict(failed=bool(messages), messages=messages, suppressed=suppressed)


_MAX_CAUSES = 5


def unread_files_warning(root: str, report: ScanReport) -> str:
    """What the pack could not read under `root`, said once per root, grouped by cause.

    Why: Checkov shows an UNKNOWN result nowhere (only with LOG_LEVEL=DEBUG), so without this a
    pack whose parser libraries are missing (for example `--external-checks-dir` pointing at a
    source tree instead of the directory `ampls-checks checkov-dir` prints) passes silently.
    """
    if not report.errors:
        return ""
    files_by_cause: dict[str, list[str]] = {}
    for error in report.errors:
        files_by_cause.setdefault(error.message, []).append(error.file)
    lines = [
        f"ampls-checks: WARNING: {len(report.errors)} file(s) under {root} could not be read; "
        "every CKV_AMPLS check on them is UNKNOWN (neither passed nor failed):\n"
    ]
    causes = sorted(files_by_cause.items(), key=lambda item: (-len(item[1]), item[0]))
    for message, files in causes[:_MAX_CAUSES]:
        where = files[0] if len(files) == 1 else f"{files[0]} and {len(files) - 1} more"
        lines.append(f"ampls-checks:   {message} ({where})\n")
    if len(causes) > _MAX_CAUSES:
        lines.append(f"ampls-checks:   and {len(causes) - _MAX_CAUSES} other cause(s)\n")
    if any("not installed" in message for message in files_by_cause):
        lines.append(
            "ampls-checks:   pass --external-checks-dir the directory `ampls-checks checkov-dir` prints, "
            "from an installation made without -e\n"
        )
    return "".join(lines)


def _pointed_line(finding: Finding) -> int | None:
    """The line a finding points at when it lies outside its resource's block (CKV_AMPLS_6 on an
    endpoint's zone group declared as a resource of its own): the pack reports it there, as the
    CLI does, so a skip written there is Checkov's to read."""
    if finding.resource_start_line <= finding.start_line <= finding.resource_end_line:
        return None
    return finding.start_line


_BICEP_DECLARATION = re.compile(r"\s*resource\s+([A-Za-z_][A-Za-z0-9_]*)\s")


def _symbol_declared_at(file: str, line: int) -> str | None:
    """The Bicep symbol a `resource` declaration on `line` names (one line read, bounded)."""
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    match = _BICEP_DECLARATION.match(text[:1000])
                    return match.group(1) if match else None
    except OSError:
        return None
    return None


_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


def _same_resource(ours: str, checkov_address: str) -> bool:
    """Our address against Checkov's `__address__`. Inline parts (an NSG's `security_rule[0]`)
    belong to the resource holding them; where Checkov did not expand `count`/`for_each`
    (inside modules it often does not), its one address stands for every instance."""
    if ours == checkov_address or ours.startswith(checkov_address + "."):
        return True
    if "[" in checkov_address:
        return False
    bare = _INSTANCE_KEY.sub("", ours)
    return bare == checkov_address or bare.startswith(checkov_address + ".")


def _bare_symbol(address: str) -> str:
    """`module.m[0].nsg.securityRules[1]` -> `nsg`: the symbol that declares the resource."""
    parts = _INSTANCE_KEY.sub("", address).split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    return parts[0]


def settings_from_environment() -> Settings:
    cloud = os.environ.get("AMPLS_CHECKS_CLOUD", "public").lower()
    require = os.environ.get("AMPLS_CHECKS_REQUIRE_PRIVATE", "").lower() in ("1", "true", "yes")
    return Settings(cloud=Cloud(cloud) if cloud in {c.value for c in Cloud} else Cloud.PUBLIC, require_private=require)


def conf_lines(conf: dict[str, Any]) -> tuple[int | None, int | None]:
    for start_key, end_key in (("__start_line__", "__end_line__"), ("__startline__", "__endline__")):
        if isinstance(conf.get(start_key), int) and isinstance(conf.get(end_key), int):
            return conf[start_key], conf[end_key]
    return None, None


def checkov_roots(argv: list[str]) -> list[str]:
    """The directories and files the running `checkov` was asked to scan."""
    roots = []
    for position, arg in enumerate(argv):
        for flag in ("-d", "--directory", "-f", "--file"):
            if arg == flag and position + 1 < len(argv):
                roots.append(argv[position + 1])
            elif arg.startswith(flag + "=") and flag.startswith("--"):
                roots.append(arg.split("=", 1)[1])
    return [os.path.realpath(r) for r in roots]


def scan_root(absolute_file: str) -> str:
    for root in checkov_roots(sys.argv):
        if os.path.isdir(root) and inside_roots(absolute_file, [root]):
            return root
    return os.path.dirname(absolute_file)


def resolve_scanned_file(scanned_file: str) -> str:
    """Checkov names Terraform files relative to the scan root (`/sub/main.tf`), ARM and Bicep
    files as given (relative to the working directory)."""
    if os.path.exists(scanned_file) and not scanned_file.startswith("/"):
        return scanned_file
    for root in checkov_roots(sys.argv):
        candidate = os.path.join(root if os.path.isdir(root) else os.path.dirname(root), scanned_file.lstrip("/"))
        if os.path.exists(candidate):
            return candidate
    return scanned_file


def is_plan_file(file: str) -> bool:
    """A `.json` file that is not Terraform's JSON syntax (`.tf.json`) or a variable file."""
    return file.endswith(".json") and not file.endswith((".tf.json", ".tfvars.json"))


def split_entity_path(entity_path: str, types: list[str]) -> tuple[str, str]:
    """Checkov's `entity_path` is `file:type:name`; types contain no colon, files and names may."""
    for type_ in sorted(types, key=len, reverse=True):
        marker = f":{type_}:"
        position = entity_path.find(marker)
        if position >= 0:
            return entity_path[:position], entity_path[position + len(marker) :]
    file, _, name = entity_path.rpartition(":")
    return file.rpartition(":")[0] or file, name


def build_checks(session: PackSession) -> list[Any]:
    """Instantiate one Terraform and one ARM (which Checkov also runs on Bicep) check per id.
    Instantiating registers them with Checkov's registries."""
    from checkov.arm.base_resource_check import BaseResourceCheck as ArmResourceCheck
    from checkov.common.bridgecrew.severities import Severities
    from checkov.common.models.enums import CheckCategories, CheckResult
    from checkov.terraform.checks.resource.base_resource_check import (
        BaseResourceCheck as TfResourceCheck,
    )

    def answer(check: Any, ours: Check, types: list[str], conf: dict[str, Any]) -> Any:
        try:
            file, name = split_entity_path(check.entity_path, types)
            # a Terraform check meets a .json file only in Checkov's terraform_plan runner
            plan = isinstance(check, TfResourceCheck) and is_plan_file(file)
            verdict = session.verdict(ours.id, resolve_scanned_file(file), conf, name, plan)
        except Exception as exc:  # noqa: BLE001 - one resource's answer must not cost the others
            sys.stderr.write(f"ampls-checks: {ours.id} on {check.entity_path}: {type(exc).__name__}: {exc}\n")
            check.details = []
            return CheckResult.UNKNOWN
        check.details = verdict.messages
        check.pack_suppressed = verdict.suppressed
        session.latest_messages[ours.id] = (os.path.realpath(resolve_scanned_file(file)), verdict.messages)
        if verdict.unknown:
            return CheckResult.UNKNOWN
        return CheckResult.FAILED if verdict.failed else CheckResult.PASSED

    def pack_check(base: type, ours: Check, types: list[str]) -> Any:
        """One Checkov check class per framework base, all answering through `answer`."""

        class PackCheck(base):  # type: ignore[misc,valid-type]
            def __init__(self) -> None:
                self.ours = ours
                self.types = types
                super().__init__(
                    name=ours.name,
                    id=ours.id,
                    categories=[CheckCategories.NETWORKING],
                    supported_resources=types,
                    guideline=ours.guideline,
                )
                self.severity = Severities[ours.severity.value]

            def run(self, *args: Any, **kwargs: Any) -> Any:
                """Checkov's run, then SKIPPED with the CLI's reason where the CLI suppressed
                what it found on this resource by a skip Checkov did not read."""
                self.pack_suppressed = None
                result = super().run(*args, **kwargs)
                if self.pack_suppressed and result.get("result") == CheckResult.PASSED:
                    result["result"] = CheckResult.SKIPPED
                    result["suppress_comment"] = self.pack_suppressed
                return result

            def scan_resource_conf(self, conf: dict[str, Any]) -> Any:
                return answer(self, self.ours, self.types, conf)

        return PackCheck()

    carry_details(session)
    made: list[Any] = []
    for ours in all_checks():
        tf_types, arm_types = checkov_types(ours)
        made.append(pack_check(TfResourceCheck, ours, tf_types))
        made.append(pack_check(ArmResourceCheck, ours, arm_types))
    return made


def carry_details(session: PackSession) -> None:
    """Give ARM and Bicep records the finding's own message, as Terraform records have it.

    Why: Checkov's Terraform runner copies a check's `details` into its record; its ARM and Bicep
    runners do not, so only the check's title showed. Both runners build the records of one
    resource right after its checks ran, so the latest answer of a check for the same file is that
    resource's: the name `Record` in those two runner modules is given a function that builds the
    record and fills `details` from that answer.
    """
    import checkov.arm.runner as arm_runner
    import checkov.bicep.runner as bicep_runner
    from checkov.common.models.enums import CheckResult
    from checkov.common.output.record import Record

    def record_with_details(*args: Any, **kwargs: Any) -> Any:
        # a function, not a subclass: Checkov pickles records between its processes
        record = Record(*args, **kwargs)
        result = record.check_result.get("result") if isinstance(record.check_result, dict) else None
        if not record.details and str(record.check_id).startswith("CKV_AMPLS_") and result == CheckResult.FAILED:
            record.details = session.messages_for_record(record.check_id, str(record.file_abs_path))
        return record

    for runner in (arm_runner, bicep_runner):
        if getattr(runner, "Record", None) is Record:
            runner.Record = record_with_details
