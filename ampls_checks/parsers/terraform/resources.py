"""From evaluated Terraform resources to model entities: one small extractor per resource type.

The platform defaults applied here are the azurerm provider's documented ones: both access modes
of `azurerm_monitor_private_link_scope` default to `Open`; `internet_ingestion_enabled`,
`internet_query_enabled` and `public_network_access_enabled` default to `true`. Provider v5 names
(`*_access_type`, `private_dns_zone_id`) are read beside the v4 ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from ampls_checks.azure import AZAPI_TYPES, TERRAFORM_KIND
from ampls_checks.model import (
    UNDECLARED_VARIABLE,
    DataCollectionRule,
    DataCollectionRuleAssociation,
    DnsZoneGroup,
    DnsZoneVnetLink,
    Entity,
    IpConfiguration,
    Language,
    Location,
    Maybe,
    MonitorKind,
    MonitorResource,
    NetworkSecurityRule,
    Note,
    ParseError,
    ParseResult,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkScope,
    Ref,
    ScopedLink,
    ServiceConnection,
    Subnet,
    Unknown,
    UnresolvedResource,
    VirtualNetwork,
    parse_arm_id,
)
from ampls_checks.parsers.common.convert import as_bool, as_list, as_str, enabled_flag
from ampls_checks.parsers.terraform.azapi import azapi_entities
from ampls_checks.parsers.terraform.evaluate import NameOf, SymbolicId, UnknownNameOf
from ampls_checks.parsers.terraform.hcl_syntax import Call
from ampls_checks.parsers.terraform.parse import (
    EVAL_STEPS_PER_MODULE,
    BlockView,
    Decl,
    ModuleInstance,
    ModuleSource,
    ResourceView,
    TfFile,
    is_override_file,
    is_tfvars_for_root,
    iter_instances,
    local_module_dir,
    parse_tf_file,
    read_tfvars,
)
from ampls_checks.units import reachable

ARM_SCOPE = "microsoft.insights/privatelinkscopes"
ARM_ZONE = "microsoft.network/privatednszones"
ARM_VNET = "microsoft.network/virtualnetworks"
ARM_SUBNET = "microsoft.network/virtualnetworks/subnets"


class Reader:
    """Reads one block's attributes as model values and records what stayed unknown."""

    def __init__(self, view: BlockView, notes: list[Note], address: str) -> None:
        self.view = view
        self.notes = notes
        self.address = address

    def _note(self, attr: str, value: Any) -> Any:
        if isinstance(value, Unknown):
            self.notes.append(
                Note(self.view.file.display, self.view.line(attr), f"{self.address}: {attr} is unknown: {value.reason}")
            )
        return value

    def string(self, attr: str) -> Maybe[str] | None:
        return self._note(attr, as_str(self.view.value(attr)))

    def boolean(self, attr: str) -> Maybe[bool] | None:
        return self._note(attr, as_bool(self.view.value(attr)))

    def id_ref(self, attr: str) -> Maybe[Ref] | None:
        return self._note(attr, to_ref(self.view.value(attr)))

    def name_ref(self, attr: str, arm_type: str, group_attr: str = "resource_group_name") -> Maybe[Ref] | None:
        value = self.view.value(attr)
        group = as_str(self.view.value(group_attr)) if self.view.has(group_attr) else None
        return self._note(attr, to_ref(value, arm_type=arm_type, group=group))

    def string_list(self, attr: str) -> Maybe[list[Maybe[str]]] | None:
        value = as_list(self.view.value(attr))
        if isinstance(value, list):
            items = [as_str(v) if not isinstance(v, Unknown) else v for v in value]
            for item in items:
                self._note(attr, item)  # says which element stayed unknown, for --verbose
            # a null element stays None: readers test each element with isinstance(str)
            return cast("list[Maybe[str]]", items)
        return self._note(attr, value)


def to_ref(value: Any, arm_type: str | None = None, group: Any = None) -> Maybe[Ref] | None:
    """A resource reference from an id value, or from a name value when `arm_type` is given."""
    if isinstance(value, UnknownNameOf):
        return Ref(key=value.ref_key)  # which resource is known, its name is not
    if value is None or isinstance(value, Unknown):
        return value
    if isinstance(value, SymbolicId):
        return Ref(key=value.key)
    if isinstance(value, NameOf):
        return Ref(key=value.ref_key, name=str(value).lower(), arm_type=arm_type)
    if isinstance(value, str):
        parsed = parse_arm_id(value)
        if parsed is not None:
            return parsed
        if arm_type is not None:
            rg = group.lower() if isinstance(group, str) else None
            return Ref(name=value.lower(), arm_type=arm_type, resource_group=rg)
        return Unknown(f"{value!r} is not a resource id")
    return Unknown(f"expected a resource reference, got {type(value).__name__}")


def _common(view: ResourceView, reader: Reader) -> dict[str, Any]:
    attr_lines = {name: attr.line for name, attr in view.block.body.attributes.items()}
    for nested in view.block.body.blocks:
        attr_lines.setdefault(
            nested.type if nested.type != "dynamic" else nested.labels[0] if nested.labels else "dynamic", nested.line
        )
    name = reader.string("name")
    return {
        "key": view.entity_key,
        "address": view.address,
        "location": view.location(),
        "name": name if name is not None else Unknown("name not written"),
        "resource_group": as_str(view.value("resource_group_name")) if view.has("resource_group_name") else None,
        "unit": view.instance.unit,
        "attr_lines": attr_lines,
        # Where each single-line attribute starts and ends on its line (SARIF regions).
        "attr_columns": {
            name: (attr.column, attr.end_column)
            for name, attr in view.block.body.attributes.items()
            if attr.column and attr.end_column and attr.end_line == attr.line
        },
        "suppressions": view.skips(),
        "attr_files": {name: moved.display for name, moved in view.moved.items()},
        # an unknown region only quiets the checks that compare regions: no note for it
        "region": as_str(view.value("location")) if view.has("location") else None,
    }


def _scope(view: ResourceView, r: Reader) -> list[Entity]:
    ingestion = r.string("ingestion_access_mode")
    query = r.string("query_access_mode")
    return [
        PrivateLinkScope(
            **_common(view, r),
            ingestion_access_mode="Open" if ingestion is None else ingestion,  # provider default
            query_access_mode="Open" if query is None else query,  # provider default
            exclusions=[],  # azurerm has no exclusions; azapi/ARM write them
        )
    ]


def _scoped_service(view: ResourceView, r: Reader) -> list[Entity]:
    scope = r.name_ref("scope_name", ARM_SCOPE)
    target = r.id_ref("linked_resource_id")
    return [
        ScopedLink(
            **_common(view, r),
            scope=scope if scope is not None else Unknown("scope_name not written"),
            linked_resource=target if target is not None else Unknown("linked_resource_id not written"),
        )
    ]


def _endpoint(view: ResourceView, r: Reader) -> list[Entity]:
    connections: Maybe[list[ServiceConnection]]
    found = view.blocks("private_service_connection")
    if isinstance(found, Unknown):
        connections = r._note("private_service_connection", found)
    else:
        connections = []
        for block in found:
            br = Reader(block, r.notes, r.address)
            target = br.id_ref("private_connection_resource_id")
            if target is None and block.has("private_connection_resource_alias"):
                target = Unknown("connection by alias: the target resource is not known")
            groups = br.string_list("subresource_names")
            connections.append(
                ServiceConnection(
                    target=target if target is not None else Unknown("no target written"),
                    group_ids=groups if groups is not None else [],
                    line=block.block.line,
                    group_ids_line=block.line("subresource_names"),
                )
            )
    groups_out: Maybe[list[DnsZoneGroup]]
    zone_groups = view.blocks("private_dns_zone_group")
    if isinstance(zone_groups, Unknown):
        groups_out = r._note("private_dns_zone_group", zone_groups)
    else:
        groups_out = []
        for block in zone_groups:
            br = Reader(block, r.notes, r.address)
            ids = as_list(block.value("private_dns_zone_ids"))
            zones: Maybe[list[Maybe[Ref]]]
            if isinstance(ids, list):
                zones = [br._note("private_dns_zone_ids", _zone_ref(v)) for v in ids]
            else:
                zones = br._note("private_dns_zone_ids", ids if ids is not None else [])
            groups_out.append(
                DnsZoneGroup(
                    name=_written(as_str(block.value("name")), "no name"),
                    zones=zones,
                    location=block.location(),
                    address=f"{view.address}.private_dns_zone_group",
                )
            )
    subnet = r.id_ref("subnet_id")
    return [
        PrivateEndpoint(
            **_common(view, r),
            subnet=subnet,
            connections=connections,
            zone_groups=groups_out,
            ip_configurations=_ip_configurations(view, r),
        )
    ]


def _ip_configurations(view: ResourceView, r: Reader) -> Maybe[list[IpConfiguration]]:
    found = view.blocks("ip_configuration")
    if isinstance(found, Unknown):
        return r._note("ip_configuration", found)
    return [
        IpConfiguration(
            name=as_str(block.value("name")),
            group_id=as_str(block.value("subresource_name")),
            member_name=as_str(block.value("member_name")),
            private_ip=as_str(block.value("private_ip_address")),
            line=block.block.line,
        )
        for block in found
    ]


def _prefixes(view: BlockView, r: Reader) -> Maybe[list[Maybe[str]]] | None:
    """`address_prefixes` (or the older single `address_prefix`) as written."""
    if view.has("address_prefixes"):
        return r.string_list("address_prefixes")
    single = r.string("address_prefix") if view.has("address_prefix") else None
    return single if single is None or isinstance(single, Unknown) else [single]


def _written(value: Any, reason: str) -> Any:
    return Unknown(reason) if value is None else value


def _zone_ref(value: Any) -> Maybe[Ref]:
    ref = to_ref(value)
    if ref is None:
        return Unknown("null zone id")
    return ref


def _zone(view: ResourceView, r: Reader) -> list[Entity]:
    return [PrivateDnsZone(**_common(view, r), external=view.mode == "data")]


def _zone_link(view: ResourceView, r: Reader) -> list[Entity]:
    zone = (
        r.id_ref("private_dns_zone_id")
        if view.has("private_dns_zone_id")
        else r.name_ref("private_dns_zone_name", ARM_ZONE)
    )
    vnet = r.id_ref("virtual_network_id")
    return [
        DnsZoneVnetLink(
            **_common(view, r),
            zone=zone if zone is not None else Unknown("zone not written"),
            virtual_network=vnet if vnet is not None else Unknown("virtual_network_id not written"),
            resolution_policy=r.string("resolution_policy"),
        )
    ]


def _vnet(view: ResourceView, r: Reader) -> list[Entity]:
    servers = r.string_list("dns_servers") if view.has("dns_servers") else None
    return [
        VirtualNetwork(**_common(view, r), external=view.mode == "data", dns_servers=None if servers == [] else servers)
    ]


def _subnet(view: ResourceView, r: Reader) -> list[Entity]:
    vnet = r.name_ref("virtual_network_name", ARM_VNET)
    common = _common(view, r)
    if view.has("address_prefix") and not view.has("address_prefixes"):
        common["attr_lines"]["address_prefixes"] = view.line("address_prefix")
    return [
        Subnet(
            **common,
            virtual_network=vnet if vnet is not None else Unknown("vnet not written"),
            address_prefixes=_prefixes(view, r),
        )
    ]


def _monitor(kind: MonitorKind) -> Callable[[ResourceView, Reader], list[Entity]]:
    def extract(view: ResourceView, r: Reader) -> list[Entity]:
        ingestion, ingestion_attr = _public_flag(view, r, "internet_ingestion")
        query, query_attr = _public_flag(view, r, "internet_query")
        common = _common(view, r)
        workspace = None
        if kind is MonitorKind.APPLICATION_INSIGHTS and view.has("workspace_id"):
            workspace = r.id_ref("workspace_id")
            common["attr_lines"]["workspace"] = view.line("workspace_id")
        return [
            MonitorResource(
                **common,
                kind=kind,
                public_ingestion=ingestion,
                public_query=query,
                ingestion_attribute=ingestion_attr,
                query_attribute=query_attr,
                workspace=workspace,
            )
        ]

    return extract


def _public_flag(view: ResourceView, r: Reader, stem: str) -> tuple[Maybe[bool], str]:
    """v5 `<stem>_access_type` wins over v4 `<stem>_enabled`; omitted means enabled."""
    if view.has(f"{stem}_access_type"):
        attr = f"{stem}_access_type"
        access = r._note(attr, enabled_flag(view.value(attr)))
        return (True if access is None else access), attr
    attr = f"{stem}_enabled"
    value = r.boolean(attr)
    return (True if value is None else value), attr


def _single_switch(kind: MonitorKind, ingestion: bool) -> Callable[[ResourceView, Reader], list[Entity]]:
    """Resources with one `public_network_access_enabled` switch (default true)."""

    def extract(view: ResourceView, r: Reader) -> list[Entity]:
        value = r.boolean("public_network_access_enabled")
        flag = True if value is None else value
        attr = "public_network_access_enabled"
        return [
            MonitorResource(
                **_common(view, r),
                kind=kind,
                public_ingestion=flag if ingestion else None,
                public_query=None if ingestion else flag,
                ingestion_attribute=attr if ingestion else "",
                query_attribute="" if ingestion else attr,
            )
        ]

    return extract


def _rule(view: ResourceView, r: Reader) -> list[Entity]:
    """`azurerm_monitor_data_collection_rule`: its endpoint and the resources it sends to."""
    common = _common(view, r)
    endpoint = r.id_ref("data_collection_endpoint_id") if view.has("data_collection_endpoint_id") else None
    if endpoint is not None:
        common["attr_lines"]["endpoint"] = view.line("data_collection_endpoint_id")
    destinations: Maybe[list[Maybe[Ref]]] = []
    blocks = view.blocks("destinations")
    if isinstance(blocks, Unknown):
        destinations = r._note("destinations", blocks)
    else:
        for block in blocks:
            for kind, attr in (("log_analytics", "workspace_resource_id"), ("monitor_account", "monitor_account_id")):
                inner = block.blocks(kind)
                if isinstance(inner, Unknown):
                    destinations = r._note("destinations", inner)
                    break
                for item in inner:
                    ref = Reader(item, r.notes, r.address).id_ref(attr)
                    if isinstance(destinations, list):
                        destinations.append(ref if ref is not None else Unknown(f"{attr} not written"))
            if isinstance(destinations, Unknown):
                break
    return [DataCollectionRule(**common, endpoint=endpoint, destinations=destinations)]


def _rule_association(view: ResourceView, r: Reader) -> list[Entity]:
    """`azurerm_monitor_data_collection_rule_association`: a rule or an endpoint for a machine."""
    common = _common(view, r)
    for attr, key in (("data_collection_rule_id", "rule"), ("data_collection_endpoint_id", "endpoint")):
        if view.has(attr):
            common["attr_lines"][key] = view.line(attr)
    return [
        DataCollectionRuleAssociation(
            **common,
            rule=r.id_ref("data_collection_rule_id") if view.has("data_collection_rule_id") else None,
            endpoint=r.id_ref("data_collection_endpoint_id") if view.has("data_collection_endpoint_id") else None,
            target=r.id_ref("target_resource_id") if view.has("target_resource_id") else None,
        )
    ]


def _nsg_rule(view: ResourceView, r: Reader) -> list[Entity]:
    return [_rule_entity(view, r, _common(view, r))]


def _rule_entity(view: BlockView, r: Reader, common: dict[str, Any]) -> NetworkSecurityRule:
    prefixes: Maybe[list[Maybe[str]]] = []
    attribute = ""
    single = r.string("destination_address_prefix")
    many = r.string_list("destination_address_prefixes")
    if isinstance(single, Unknown) or isinstance(many, Unknown):
        prefixes = single if isinstance(single, Unknown) else many  # type: ignore[assignment]
    else:
        assert isinstance(prefixes, list)
        if single is not None:
            prefixes.append(single)
            attribute = "destination_address_prefix"
        if many is not None:
            prefixes.extend(many)
            attribute = attribute or "destination_address_prefixes"
    direction = r.string("direction")
    access = r.string("access")
    return NetworkSecurityRule(
        **common,
        direction=direction if direction is not None else Unknown("direction not written"),
        access=access if access is not None else Unknown("access not written"),
        destination_prefixes=prefixes,
        destination_attribute=attribute,
    )


def _nsg(view: ResourceView, r: Reader) -> list[Entity]:
    rules = view.blocks("security_rule")
    if isinstance(rules, Unknown):
        r.notes.append(
            Note(view.file.display, view.block.line, f"{view.address}: security rules unknown: {rules.reason}")
        )
        return []
    out: list[Entity] = []
    skips = view.skips()  # a rule block is suppressed by comments anywhere in its security group
    for position, block in enumerate(rules):
        address = f"{view.address}.security_rule[{position}]"
        br = Reader(block, r.notes, address)
        common = {
            "key": f"{view.entity_key}.security_rule[{position}]",
            "address": address,
            "location": block.location(),
            "name": _written(as_str(block.value("name")), "no name"),
            "unit": view.instance.unit,
            "attr_lines": {n: a.line for n, a in block.block.body.attributes.items()},
            "suppressions": list(skips),
        }
        out.append(_rule_entity(block, br, common))
    return out


EXTRACTORS: dict[tuple[str, str], Callable[[ResourceView, Reader], list[Entity]]] = {
    ("resource", "azurerm_monitor_private_link_scope"): _scope,
    ("resource", "azurerm_monitor_private_link_scoped_service"): _scoped_service,
    ("resource", "azurerm_private_endpoint"): _endpoint,
    ("resource", "azurerm_private_dns_zone"): _zone,
    ("data", "azurerm_private_dns_zone"): _zone,
    ("resource", "azurerm_private_dns_zone_virtual_network_link"): _zone_link,
    ("resource", "azurerm_virtual_network"): _vnet,
    ("data", "azurerm_virtual_network"): _vnet,
    ("resource", "azurerm_subnet"): _subnet,
    ("data", "azurerm_subnet"): _subnet,
    ("resource", "azurerm_log_analytics_workspace"): _monitor(MonitorKind.LOG_ANALYTICS_WORKSPACE),
    ("resource", "azurerm_application_insights"): _monitor(MonitorKind.APPLICATION_INSIGHTS),
    ("resource", "azurerm_monitor_data_collection_endpoint"): _single_switch(
        MonitorKind.DATA_COLLECTION_ENDPOINT, ingestion=True
    ),
    ("resource", "azurerm_monitor_workspace"): _single_switch(MonitorKind.AZURE_MONITOR_WORKSPACE, ingestion=False),
    ("resource", "azurerm_monitor_data_collection_rule"): _rule,
    ("resource", "azurerm_monitor_data_collection_rule_association"): _rule_association,
    ("resource", "azurerm_network_security_rule"): _nsg_rule,
    ("resource", "azurerm_network_security_group"): _nsg,
}

# Resource types whose presence makes a file worth parsing (used by the prefilter).
RELEVANT_TYPES = sorted({t for _mode, t in EXTRACTORS} | set(AZAPI_TYPES))


KIND_OF_TYPE = TERRAFORM_KIND  # the entity kind each type produces (azure.py)


def _unresolved(instance: ModuleInstance, decl: Any, kind: str) -> UnresolvedResource:
    block = decl.block
    prefix = "data." if block.type == "data" else ""
    address = f"{instance.path}{prefix}{block.labels[0]}.{block.labels[1]}"
    return UnresolvedResource(
        key=f"tf:{instance.unit}:{address}[?]",
        address=address,
        location=Location(decl.file.display, block.line, block.end_line, Language.TERRAFORM),
        unit=instance.unit,
        kind=kind,
    )


# Sets a network's DNS servers apart from `azurerm_virtual_network` (the provider's alternative to its
# `dns_servers` argument); read after every network of the root is extracted.
SEPARATE_DNS_SERVERS = "azurerm_virtual_network_dns_servers"


def _instances_of(value: Any) -> list[Any]:
    """A block's or module call's instances: a list for `count`, a map for `for_each`, else one."""
    return value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]


def extract_instance(
    instance: ModuleInstance,
    result: ParseResult,
    azapi: dict[str, list[ResourceView]] | None = None,
    separate_dns: list[ResourceView] | None = None,
) -> None:
    for (mode, type_, name), decl in instance.source.resources.items():
        if mode == "resource" and type_ == SEPARATE_DNS_SERVERS and separate_dns is not None:
            value = instance.resource_value(mode, type_, name)
            if isinstance(value, Unknown):  # which networks it sets is unknown: any of the root's
                separate_dns.append(_unknown_view(instance, decl, value))
                continue
            separate_dns.extend(_instances_of(value))
            continue
        extractor = EXTRACTORS.get((mode, type_))
        if mode == "resource" and type_ in AZAPI_TYPES and azapi is not None:
            value = instance.resource_value(mode, type_, name)
            if isinstance(value, Unknown):
                result.entities.append(_unresolved(instance, decl, "*"))
                continue
            azapi.setdefault(type_, []).extend(_instances_of(value))
            continue
        if extractor is None:
            continue
        value = instance.resource_value(mode, type_, name)
        if isinstance(value, Unknown):
            result.notes.append(
                Note(decl.file.display, decl.block.line, f"{instance.path}{type_}.{name}: not analysed: {value.reason}")
            )
            result.entities.append(_unresolved(instance, decl, KIND_OF_TYPE.get(type_, "*")))
            continue
        for view in _instances_of(value):
            try:
                result.entities.extend(extractor(view, Reader(view, result.notes, view.address)))
            except RecursionError:
                result.errors.append(
                    ParseError(view.file.display, f"{view.address}: expression nested too deeply", view.block.line)
                )


def load_terraform(
    files: list[tuple[str, str, TfFile | ParseError]],
    max_steps: int | None = None,
    command_line_vars: tuple[tuple[str, str, str], ...] = (),
    remote_modules: dict[str, dict[str, str]] | None = None,
) -> ParseResult:
    """Evaluate every root module found among `files` (real path, display path, parse result).

    A directory called by another scanned directory as a local module is evaluated only through
    its callers, with their inputs; every other directory is a root. `command_line_vars` are the
    `--var-file` and `--var` options in command-line order, ("file", path, text) or ("var",
    "NAME=VALUE", ""): they apply to every root, after its own tfvars, as `terraform plan` does.
    `remote_modules`: per root directory, where `terraform init` downloaded its registry and git
    modules (module key -> directory); those directories are evaluated through their callers.
    """
    remote_modules = remote_modules or {}
    result = ParseResult()
    given = read_command_line_vars(command_line_vars, result.errors)
    sources: dict[str, ModuleSource] = {}
    tfvars_files: dict[str, list[TfFile]] = {}
    # override files merge into what the others declare, so they come last (then by name)
    files = sorted(files, key=lambda item: (is_override_file(item[0]), item[0]))
    broken: dict[str, list[ParseError]] = {}  # directory -> its files that could not be parsed
    for real, _display, parsed in files:
        if isinstance(parsed, ParseError):
            result.errors.append(parsed)
            broken.setdefault(os.path.realpath(os.path.dirname(real)), []).append(parsed)
            continue
        directory = os.path.realpath(os.path.dirname(real))
        name = os.path.basename(real)
        if name.endswith((".tfvars", ".tfvars.json")):
            if is_tfvars_for_root(name):
                tfvars_files.setdefault(directory, []).append(parsed)
            continue
        sources.setdefault(directory, ModuleSource(directory)).add(parsed)

    calls = {
        directory: [t for d in source.module_calls.values() if (t := local_module_dir(directory, d.block)) in sources]
        for directory, source in sources.items()
    }
    for directory, downloaded in remote_modules.items():
        if directory in calls:
            calls[directory] += [d for d in downloaded.values() if d in sources]
    called = {target for directory, targets in calls.items() for target in targets if target != directory}
    roots = [d for d in sorted(sources) if d not in called]
    reached = reachable(roots, calls)
    roots += [d for d in sorted(sources) if d not in reached]  # cycles: evaluate them as roots
    # A downloaded module no manifest entry leads to has no caller to give it inputs: reading it
    # with its defaults would report what no deployment of it holds.
    marker = os.sep + os.path.join(".terraform", "modules") + os.sep
    for directory in [d for d in roots if marker in d + os.sep]:
        roots.remove(directory)
        result.notes.append(
            Note(_display_dir(sources[directory]), 0, "downloaded module not called through modules.json; not analysed")
        )

    result.notes.extend(undeclared_notes(given, [sources[root] for root in roots]))
    for root in roots:
        source = sources[root]
        inputs: dict[str, Any] = {}
        # terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars(.json) by name; later ones win.
        for tfvars in sorted(tfvars_files.get(root, []), key=_tfvars_order):
            inputs.update(read_tfvars(tfvars))
        for name, value, _origin, _line in given:
            inputs[name] = value.value_for(source.variables.get(name)) if isinstance(value, RawVar) else value
        unit = _display_dir(source)
        instance = ModuleInstance(
            source,
            "",
            unit,
            inputs,
            sources.get,
            (root,),
            max_steps or EVAL_STEPS_PER_MODULE,
            remote=remote_modules.get(root),
        )
        azapi: dict[str, list[ResourceView]] = {}
        separate_dns: list[ResourceView] = []
        first = len(result.entities)
        for each in iter_instances(instance):
            extract_instance(each, result, azapi, separate_dns)
            _unseen_in_instance(each, broken.get(each.source.directory, []), result)
        if azapi:
            result.entities.extend(
                azapi_entities(azapi.get("azapi_resource", []), azapi.get("azapi_update_resource", []), result.entities)
            )
        if separate_dns:
            apply_separate_dns_servers(separate_dns, result.entities[first:], result.notes)
    return result


@dataclass(frozen=True)
class _UnknownView:
    """An `azurerm_virtual_network_dns_servers` block whose instances could not be evaluated."""

    address: str
    display: str
    line: int
    reason: str


def _unknown_view(instance: ModuleInstance, decl: Any, value: Unknown) -> Any:
    block = decl.block
    return _UnknownView(
        f"{instance.path}{block.labels[0]}.{block.labels[1]}", decl.file.display, block.line, value.reason
    )


def apply_separate_dns_servers(views: list[Any], entities: list[Entity], notes: list[Note]) -> None:
    """Give the root's networks the DNS servers that `azurerm_virtual_network_dns_servers` sets.

    Custom servers matter twice: CKV_AMPLS_23 reports them and CKV_AMPLS_7 stays silent for such a
    network, so a network whose servers are set apart must not read as using Azure DNS. A block
    whose network is found among the root's declared networks sets its servers, pointing at the
    block's `dns_servers` line; a block whose network cannot be told (an unknown id, instances that
    could not be evaluated) leaves every network of the root with unknown servers."""
    vnets = [e for e in entities if isinstance(e, VirtualNetwork) and not e.external]
    for view in views:
        if isinstance(view, _UnknownView):
            targets: list[VirtualNetwork] | None = None
            reason = f"DNS servers may be set by {view.address}, which could not be evaluated: {view.reason}"
            where = (view.display, view.line)
        else:
            reader = Reader(view, notes, view.address)
            target = to_ref(view.value("virtual_network_id")) if view.has("virtual_network_id") else None
            targets = _networks_meant(target, vnets)
            reason = f"DNS servers may be set by {view.address}, whose virtual_network_id is unknown"
            where = (view.file.display, view.block.line)
        if targets is None:
            notes.append(Note(where[0], where[1], reason))
            for vnet in vnets:
                if vnet.dns_servers is None:
                    vnet.dns_servers = Unknown(reason)
            continue
        servers = reader.string_list("dns_servers") if view.has("dns_servers") else None
        for vnet in targets:
            if vnet.dns_servers is not None:
                continue  # written on the network itself too: the provider says to use one or the other
            vnet.dns_servers = None if servers == [] else servers
            vnet.attr_lines["dns_servers"] = view.line("dns_servers")
            if view.file.display != vnet.location.file:
                vnet.attr_files["dns_servers"] = view.file.display
            else:
                vnet.attr_files.pop("dns_servers", None)


def _networks_meant(target: Maybe[Ref] | None, vnets: list[VirtualNetwork]) -> list[VirtualNetwork] | None:
    """The declared networks a reference names (empty: one declared elsewhere), None when unknown."""
    if not isinstance(target, Ref):
        return None
    if target.key is not None:
        return [v for v in vnets if v.key == target.key]
    if target.name is None:
        return None
    return [
        v
        for v in vnets
        if isinstance(v.name, str)
        and v.name.lower() == target.name.lower()
        and (
            target.resource_group is None
            or not isinstance(v.resource_group, str)
            or v.resource_group.lower() == target.resource_group
        )
    ]


@dataclass(frozen=True)
class RawVar:
    """A `--var NAME=VALUE` value: Terraform takes it as a plain string unless the variable's type
    is a collection or structure (then it is an HCL expression), so the type decides, per root."""

    name: str
    text: str

    def value_for(self, decl: Decl | None) -> Any:
        type_attr = decl.block.body.attributes.get("type") if decl is not None else None
        if type_attr is None or not isinstance(type_attr.expr, Call):
            return self.text
        parsed = parse_tf_file("--var.tfvars", f"--var {self.name}", f"{self.name} = {self.text}\n")
        if isinstance(parsed, ParseError):
            return Unknown(f"--var {self.name} is not a valid expression: {parsed.message}")
        return read_tfvars(parsed).get(self.name, Unknown(f"--var {self.name} has no value"))


def read_command_line_vars(
    given: tuple[tuple[str, str, str], ...], errors: list[ParseError]
) -> list[tuple[str, Any, str, int]]:
    """The values of `--var-file` and `--var` options, in order (later ones win), each with where
    it was given ("--var" or the file, and its line); a file that does not parse is an error
    naming it and its line."""
    values: list[tuple[str, Any, str, int]] = []
    for kind, name, text in given:
        if kind == "var":
            var_name, _sep, raw = name.partition("=")
            values.append((var_name.strip(), RawVar(var_name.strip(), raw), "--var", 0))
            continue
        parsed = parse_tf_file(name, name, text)
        if isinstance(parsed, ParseError):
            errors.append(parsed)
            continue
        lines = {n: a.line for n, a in parsed.body.attributes.items()}
        values.extend((n, v, name, lines.get(n, 1)) for n, v in read_tfvars(parsed).items())
    return values


def undeclared_notes(given: list[tuple[str, Any, str, int]], roots: list[ModuleSource]) -> list[Note]:
    """A `--var` or `--var-file` value for a variable no root module among `roots` declares:
    `terraform plan` stops on such a `-var` ("Value for undeclared variable") and warns of such a
    file's value; here it is ignored, and --verbose says so. The scan keeps the note only when
    no Terraform job of the scan declares the variable (scan._merge)."""
    declared = {name for source in roots for name in source.variables}
    notes = []
    for name, _value, origin, line in given:
        if name in declared:
            continue
        if origin == "--var":
            why = "ignored (terraform plan stops on it: Value for undeclared variable)"
        else:
            why = "ignored (terraform plan warns of it)"
        notes.append(Note(origin, line, f"variable {name!r} given by {origin} {UNDECLARED_VARIABLE}: {why}"))
    return list(dict.fromkeys(notes))


def _unseen_in_instance(instance: ModuleInstance, broken: list[ParseError], result: ParseResult) -> None:
    """What the scan could not see in one module instance: module calls it did not follow (a
    registry or git source, a source outside the scanned roots, a `count`/`for_each` it cannot
    evaluate) and files of the module it could not parse. Any of them may declare anything, so
    each becomes an `UnresolvedResource` of unknown kind: checks about something missing stay
    silent in the deployment unit. `--verbose` names each and why."""
    for name, decl in instance.source.module_calls.items():
        reason = _unfollowed(instance, name, decl)
        if reason is None:
            continue
        address = f"{instance.path}module.{name}"
        result.notes.append(Note(decl.file.display, decl.block.line, f"{address}: module call not followed: {reason}"))
        result.entities.append(
            UnresolvedResource(
                key=f"tf:{instance.unit}:{address}[?]",
                address=address,
                location=Location(decl.file.display, decl.block.line, decl.block.end_line, Language.TERRAFORM),
                unit=instance.unit,
                kind="*",
            )
        )
    for error in broken:
        address = f"{instance.path}{os.path.basename(error.file)}"
        result.notes.append(
            Note(
                error.file,
                error.line or 1,
                "file not parsed, so what it declares is unknown: checks about something missing are silent "
                f"in {instance.unit}",
            )
        )
        result.entities.append(
            UnresolvedResource(
                key=f"tf:{instance.unit}:{instance.path}{error.file}[?]",
                address=address,
                location=Location(error.file, error.line or 1, error.line or 1, Language.TERRAFORM),
                unit=instance.unit,
                kind="*",
            )
        )


def _unfollowed(instance: ModuleInstance, name: str, decl: Any) -> str | None:
    """Why a module call was not followed into its resources, or None when it was (or when it
    creates nothing: `count = 0`)."""
    local = local_module_dir(instance.source.directory, decl.block)
    if local is not None and local in instance.chain:
        return None  # a cycle, which Terraform rejects: it would repeat what is already seen
    value = instance.module_value(name)
    if isinstance(value, Unknown):
        if local_module_dir(instance.source.directory, decl.block) is None:
            return _remote_reason(decl)
        return value.reason
    for item in _instances_of(value):
        if isinstance(item, Unknown):
            if local_module_dir(instance.source.directory, decl.block) is None:
                return _remote_reason(decl)
            return item.reason
    return None


def _remote_reason(decl: Any) -> str:
    attr = decl.block.body.attributes.get("source")
    value = getattr(attr.expr, "value", None) if attr is not None else None
    if isinstance(value, str):
        return f"source {json.dumps(value)} is a registry or remote module, which is not downloaded"
    return "its source is not a literal path"


def _tfvars_order(tf_file: TfFile) -> tuple[int, str]:
    name = os.path.basename(tf_file.path)
    return ({"terraform.tfvars": 0, "terraform.tfvars.json": 1}.get(name, 2), name)


def _display_dir(source: ModuleSource) -> str:
    return os.path.dirname(source.files[0].display) if source.files else source.directory
