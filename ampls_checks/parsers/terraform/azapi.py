"""Terraform's azapi provider: `azapi_resource` writes the ARM resource shape from HCL.

Azure Verified Modules create scopes this way, and `azapi_update_resource` is how teams add the
access-mode exclusions that azurerm cannot express. Bodies are read through the same ARM-shape
table as ARM and Bicep (`arm_shape.SPECS`), so a check never knows which language it reads.
The body is an HCL object (azapi v2) or `jsonencode(...)` of one (azapi v1); lines of nested
body attributes come from the HCL object syntax.
"""

from __future__ import annotations

from typing import Any

from ampls_checks.model import Entity, PrivateEndpoint, PrivateLinkScope, Ref, Unknown
from ampls_checks.parsers.arm.shape import ArmResource, Body, DnsZoneGroupChild, build_entities
from ampls_checks.parsers.terraform.evaluate import NameOf, SymbolicId, _JsonValue
from ampls_checks.parsers.terraform.hcl_syntax import Call, Expr, ObjectExpr, TupleExpr
from ampls_checks.parsers.terraform.parse import ResourceView


def to_arm_value(value: Any) -> Any:
    """Terraform values into ARM-shape values: resource ids become `Ref`s, names plain strings."""
    if isinstance(value, _JsonValue):
        return to_arm_value(value["__json__"])
    if isinstance(value, SymbolicId):
        return Ref(key=value.key)
    if isinstance(value, NameOf):
        return str(value)
    if isinstance(value, dict):
        return {k: to_arm_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_arm_value(v) for v in value]
    return value


def body_line_finder(view: ResourceView) -> Any:
    """`line_of(path)` for the `body` attribute: walk the HCL object syntax along the path."""
    attr = view.block.body.attributes.get("body")

    def line_of(path: tuple[str | int, ...]) -> int | None:
        if attr is None:
            return None
        expr: Expr | None = attr.expr
        line = attr.line
        for step in path:
            while isinstance(expr, Call) and expr.name == "jsonencode" and expr.args:
                expr = expr.args[0]
            if isinstance(expr, ObjectExpr) and isinstance(step, str):
                found = None
                for position, (key, value) in enumerate(expr.items):
                    if getattr(key, "value", None) == step:
                        found = (value, expr.lines[position] if position < len(expr.lines) else line)
                        break
                if found is None:
                    return None
                expr, line = found[0], found[1] or line
            elif isinstance(expr, TupleExpr) and isinstance(step, int) and step < len(expr.items):
                line = expr.lines[step] if step < len(expr.lines) else line
                expr = expr.items[step]
            else:
                return line  # computed part (a for expression, a variable): the nearest line known
        return line

    return line_of


def arm_resource(view: ResourceView) -> ArmResource | Unknown:
    type_value = view.value("type")
    if not isinstance(type_value, str):
        return Unknown("azapi type is not a literal string")
    body = view.value("body")
    body = to_arm_value(body) if body is not None else {}
    if not isinstance(body, dict):
        body = Unknown("azapi body is not an object") if not isinstance(body, Unknown) else body
    name = view.value("name")
    parent = to_arm_value(view.value("parent_id"))
    parent_ref: Any = None
    if isinstance(parent, (Ref, Unknown)):
        parent_ref = parent
    elif isinstance(parent, str):
        from ampls_checks.model import parse_arm_id

        parent_ref = parse_arm_id(parent)
    header_lines = {"apiVersion": view.line("type")}
    if isinstance(body, dict) and view.has("location") and "location" not in body:
        body = {**body, "location": to_arm_value(view.value("location"))}  # azapi writes it beside the body
        header_lines["location"] = view.line("location")
    type_name, _, version = type_value.partition("@")
    return ArmResource(
        type=type_name,
        name=str(name) if isinstance(name, str) else Unknown("azapi name is not known"),
        body=body if isinstance(body, dict) else {"properties": body},
        key=view.entity_key,
        address=view.address,
        location=view.location(),
        unit=view.instance.unit,
        line_of=body_line_finder(view),
        suppressions=view.skips(),
        parent=parent_ref,
        api_version=version or None,
        header_lines=header_lines,
    )


def azapi_entities(
    creates: list[ResourceView], updates: list[ResourceView], azurerm_entities: list[Entity]
) -> list[Entity]:
    """Entities from `azapi_resource`s, with `azapi_update_resource` patches applied to scopes."""
    resources = []
    for view in creates:
        resource = arm_resource(view)
        if isinstance(resource, ArmResource):
            resources.append(resource)
    built = build_entities(resources).entities
    everything = azurerm_entities + built
    by_key = {e.key: e for e in everything}

    # Zone groups created with azapi under an azurerm endpoint: build_entities only sees its own
    # endpoints, so attach those here.
    from ampls_checks.parsers.arm.shape import SPECS

    for resource in resources:
        if resource.arm_type != "microsoft.network/privateendpoints/privatednszonegroups":
            continue
        parent = resource.parent
        if not isinstance(parent, Ref) or parent.key is None:
            continue
        endpoint = by_key.get(parent.key)
        if isinstance(endpoint, PrivateEndpoint) and parent.key.split(":", 2)[2].find("azapi_") == -1:
            for item in SPECS[resource.arm_type](resource, Body(resource, resource.body, (), [])):
                if isinstance(item, DnsZoneGroupChild) and isinstance(endpoint.zone_groups, list):
                    endpoint.zone_groups.append(item.group)

    for view in updates:
        target = to_arm_value(view.value("resource_id"))
        if not isinstance(target, Ref) or target.key is None:
            continue
        scope = by_key.get(target.key)
        if not isinstance(scope, PrivateLinkScope):
            continue
        patch = arm_resource(view)
        if not isinstance(patch, ArmResource):
            continue
        patched = build_entities([_as_scope(patch)]).entities
        if not patched or not isinstance(patched[0], PrivateLinkScope):
            continue
        _apply_patch(scope, patched[0], patch)
    return built


def _as_scope(patch: ArmResource) -> ArmResource:
    patch.type = "Microsoft.Insights/privateLinkScopes"
    return patch


def _apply_patch(scope: PrivateLinkScope, patched: PrivateLinkScope, patch: ArmResource) -> None:
    """An update resource overrides only what its body writes."""
    settings = patch.body.get("properties", {}) if isinstance(patch.body, dict) else {}
    modes = settings.get("accessModeSettings") if isinstance(settings, dict) else None
    if isinstance(modes, Unknown):
        scope.ingestion_access_mode = modes
        scope.query_access_mode = modes
        scope.exclusions = modes
        return
    if not isinstance(modes, dict):
        return
    for field_name, key in (("ingestion_access_mode", "ingestionAccessMode"), ("query_access_mode", "queryAccessMode")):
        if key in modes:
            setattr(scope, field_name, getattr(patched, field_name))
            if field_name in patched.attr_lines:  # report it where the update resource writes it
                scope.attr_lines[field_name] = patched.attr_lines[field_name]
                scope.attr_files[field_name] = patch.location.file
                scope.attr_columns.pop(field_name, None)
    if "exclusions" in modes:
        scope.exclusions = patched.exclusions
        if isinstance(scope.exclusions, list):
            for exclusion in scope.exclusions:
                exclusion.file = patch.location.file  # reported where the update resource writes it
    scope.suppressions.extend(patch.suppressions)
