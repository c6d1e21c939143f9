"""Stage 3: every connector call is a real catalog operation, correctly called; every record
field read or written exists; a connector is used only as `name.resource.operation(...)` or
handed to a typed helper of the same file, so every write is one the gate can resolve (a write
it cannot resolve is refused, never assumed safe), and flow code never builds a connector.

From the syntax tree and the catalog only, so it takes milliseconds: the model gets its answer
at once, with the nearest real names when it invented one.
"""

from __future__ import annotations

import ast
from typing import Any

from pydantic import BaseModel

from connectors.core.catalog import Catalog, OperationSpec
from connectors.core.connector import Connector, ConnectorSettings, Resource
from flowkit.validator.findings import Finding, did_you_mean
from flowkit.validator.sources import FLOW_FILE, FlowSources
from flowkit.validator.symbols import (
    ConnectorVar,
    Scope,
    annotation_object,
    field_type,
    function_scope,
    imported_objects,
    model_class,
    operation_of,
    record_of,
)

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "null": (type(None),),
}


def literal_fits(value: Any, schema: dict[str, Any] | None) -> bool:
    """Whether a literal value is one the parameter's JSON schema accepts."""
    if not schema:
        return True
    if "anyOf" in schema:
        return any(literal_fits(value, option) for option in schema["anyOf"])
    if "enum" in schema:
        return value in schema["enum"]
    if "const" in schema:
        return bool(value == schema["const"])
    kind = schema.get("type")
    if kind is None:
        return True
    if schema.get("format") in ("date-time", "date") and isinstance(value, str):
        return False  # a datetime parameter: a string literal is not one
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    allowed = _JSON_TYPES.get(kind)
    if allowed is None:  # object, array: a literal scalar is never one
        return False
    if not isinstance(value, allowed):
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return False
        if "maximum" in schema and value > schema["maximum"]:
            return False
    return True


def _describe(schema: dict[str, Any] | None) -> str:
    if not schema:
        return "any value"
    if "anyOf" in schema:
        return " or ".join(_describe(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if schema.get("format") == "date-time":
        return "a datetime"
    bounds = ""
    if "minimum" in schema or "maximum" in schema:
        bounds = f" from {schema.get('minimum', '…')} to {schema.get('maximum', '…')}"
    return f"{schema.get('type', 'a value')}{bounds}"


def _library_class(value: object) -> bool:
    """A connector, its settings or a resource: what only the runtime builds."""
    return isinstance(value, type) and issubclass(value, Connector | ConnectorSettings | Resource)


class _Calls(ast.NodeVisitor):
    def __init__(self, path: str, catalog: Catalog, objects: dict[str, Any],
                 tree: ast.Module, flow_code: bool) -> None:
        self.path = path
        self.catalog = catalog
        self.objects = objects
        self.findings: list[Finding] = []
        self.scope = Scope()
        self.flow_code = flow_code
        self.parents = {child: node for node in ast.walk(tree)
                        for child in ast.iter_child_nodes(node)}
        self.helpers = {node.name: node for node in tree.body
                        if isinstance(node, ast.FunctionDef)}
        self.writes = {(resource.name, operation.name) for connector in catalog.connectors
                       for resource in connector.resources for operation in resource.operations
                       if operation.writes}

    def _add(self, rule: str, node: ast.AST, message: str, hint: str | None = None) -> None:
        self.findings.append(Finding(rule, self.path, getattr(node, "lineno", 1),
                                     getattr(node, "col_offset", 0) + 1, message, hint))

    # -- scopes ---------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer = self.scope
        self.scope = function_scope(node, self.objects, self.catalog)
        if self.flow_code:
            self._connector_uses(node)
        for statement in node.body:
            self.visit(statement)
        self.scope = outer

    def _connector_uses(self, function: ast.FunctionDef) -> None:
        """Every use of a connector parameter is an operation call or a hand-over to a helper
        of this file that declares the connector's type; anything else hides what it calls."""
        for statement in function.body:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name) and node.id in self.scope.connectors \
                        and not self._plain_use(node):
                    connector = self.scope.connectors[node.id].spec.class_name
                    self._add("FK308", node, f"`{node.id}` ({connector}) is used other than "
                              f"as `{node.id}.<resource>.<operation>(...)`",
                              f"call the operation on it directly (`{node.id}.deals.upsert(deal, "
                              "...)`), or pass it to a helper in this file whose parameter is "
                              f"annotated `{node.id}: {connector}`; no aliases, no "
                              "`type(...)`, no wrappers")

    def _plain_use(self, node: ast.Name) -> bool:
        if not isinstance(node.ctx, ast.Load):
            return False
        resource = self.parents.get(node)
        operation = self.parents.get(resource) if resource is not None else None
        call = self.parents.get(operation) if operation is not None else None
        if isinstance(resource, ast.Attribute) and isinstance(operation, ast.Attribute) \
                and isinstance(call, ast.Call) and call.func is operation:
            return True
        if isinstance(resource, ast.keyword):
            resource = self.parents.get(resource)
            keyword = next((k.arg for k in getattr(resource, "keywords", []) if k.value is node),
                           None)
        else:
            keyword = None
        if not (isinstance(resource, ast.Call) and isinstance(resource.func, ast.Name)
                and resource.func.id in self.helpers):
            return False
        helper = self.helpers[resource.func.id]
        parameters = [*helper.args.posonlyargs, *helper.args.args, *helper.args.kwonlyargs]
        if keyword is not None:
            chosen = next((p for p in parameters if p.arg == keyword), None)
        else:
            position = next((i for i, a in enumerate(resource.args) if a is node), None)
            positional = [*helper.args.posonlyargs, *helper.args.args]
            chosen = positional[position] if position is not None and position < len(
                positional) else None
        wanted = self.scope.connectors[node.id].cls
        return chosen is not None and annotation_object(chosen.annotation,
                                                        self.objects) is wanted

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            if self.flow_code and isinstance(base, ast.Name) and _library_class(
                    self.objects.get(base.id)):
                self._add("FK308", base, f"`{node.name}` extends `{base.id}`",
                          "never extend or build a connector, its settings or a resource: name "
                          "the connector in a unit's signature and the runtime hands it over")
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        bound = self._result_of(node.iter)
        if isinstance(node.target, ast.Name) and bound is not None:
            self.scope.records[node.target.id] = bound
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        bound = self._result_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if bound is not None:
                    self.scope.records[target.id] = bound
                else:
                    self.scope.records.pop(target.id, None)
            else:
                self.visit(target)

    def _result_of(self, node: ast.expr) -> type[BaseModel] | None:
        if isinstance(node, ast.Call):
            found = operation_of(node, self.scope)
            if found is not None:
                connector, resource, name, _ = found
                operation = connector.spec.operation(f"{resource}.{name}")
                if operation is not None:
                    return record_of(connector.spec, operation)
        return None

    # -- connector calls ------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        found = operation_of(node, self.scope)
        if found is not None:
            self._check_operation(node, *found)
        elif self.flow_code and (write := self._unresolved_write(node)) is not None:
            self._add("FK309", node, f"`.{write}(...)` writes, "
                      "but the gate cannot tell on which connector",
                      "write only through a connector parameter of the unit or of a helper in "
                      "this file (`crm: HubSpot` … `crm.deals.upsert(...)`), so the gate can "
                      "check the call and its idempotency")
        elif (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
              and node.func.value.id in self.scope.connectors):
            connector = self.scope.connectors[node.func.value.id]
            self._unknown_operation(node, node.func.value.id, connector, node.func.attr)
        elif isinstance(node.func, ast.Name):
            built = self.objects.get(node.func.id)
            if self.flow_code and _library_class(built):
                self._add("FK308", node, f"flow code builds `{node.func.id}(...)` itself",
                          "never build a connector or its settings: name the connector in a "
                          "unit's signature (`crm: HubSpot`) and the runtime hands it over, "
                          "with the credentials the operator configured")
            self._check_model_call(node, built)
        self.generic_visit(node)

    def _unresolved_write(self, node: ast.Call) -> str | None:
        """`resource.operation` when the call has the shape of a catalog write."""
        function = node.func
        if (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Attribute)
                and (function.value.attr, function.attr) in self.writes):
            return f"{function.value.attr}.{function.attr}"
        return None

    def _unknown_operation(self, node: ast.AST, variable: str, connector: ConnectorVar,
                           path: str) -> None:
        real = [f"{variable}.{op.path}" for resource in connector.spec.resources
                for op in resource.operations]
        if path.split(".")[0] in ("client", "settings"):
            hint = (f"a flow is handed {connector.spec.name}'s operations only: no client, "
                    f"settings, token or raw HTTP; its operations are {', '.join(real)}")
        else:
            hint = did_you_mean(f"{variable}.{path}", real) or \
                f"its operations are {', '.join(real)}"
        self._add("FK302", node, f"`{variable}.{path}` does not exist on {connector.spec.name}",
                  hint)

    def _check_operation(self, node: ast.Call, connector: ConnectorVar, resource: str,
                         name: str, function: ast.Attribute) -> None:
        variable = function.value.value.id  # type: ignore[attr-defined]
        operation = connector.spec.operation(f"{resource}.{name}")
        if operation is None:
            self._unknown_operation(node, variable, connector, f"{resource}.{name}")
            return
        self._check_arguments(node, f"{variable}.{resource}.{name}", operation)

    def _check_arguments(self, node: ast.Call, shown: str, operation: OperationSpec) -> None:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
                k.arg is None for k in node.keywords):
            return  # *args / **kwargs: the type checker in stage 5 sees these
        parameters = {p.name: p for p in operation.parameters}
        positional = [p for p in operation.parameters if p.kind == "positional"]
        signature = f"{shown}({', '.join(p.name for p in operation.parameters)})"
        if len(node.args) > len(positional):
            self._add("FK304", node, f"`{shown}` takes {len(positional)} positional "
                      f"argument(s), {len(node.args)} given", f"its signature is {signature}")
        given = {p.name for p in positional[:len(node.args)]}
        for keyword in node.keywords:
            assert keyword.arg is not None
            if keyword.arg not in parameters:
                self._add("FK303", keyword.value, f"`{shown}` has no parameter `{keyword.arg}`",
                          did_you_mean(keyword.arg, parameters)
                          or f"its signature is {signature}")
                continue
            given.add(keyword.arg)
        for parameter in operation.parameters:
            if parameter.required and parameter.name not in given:
                self._add("FK304", node, f"`{shown}` needs `{parameter.name}` "
                          f"({parameter.type})", f"its signature is {signature}")
        values = list(zip(positional, node.args, strict=False)) + [
            (parameters[k.arg], k.value) for k in node.keywords if k.arg in parameters]
        for parameter, value in values:
            if isinstance(value, ast.Constant) and not literal_fits(value.value,
                                                                    parameter.json_schema):
                self._add("FK305", value, f"`{parameter.name}` of `{shown}` does not accept "
                          f"{value.value!r}", f"it takes {_describe(parameter.json_schema)}")

    # -- records --------------------------------------------------------------------------------

    def _check_model_call(self, node: ast.Call, value: Any) -> None:
        model = model_class(value)
        if model is None or model.model_config.get("extra") != "forbid":
            return
        names = set(model.model_fields) | {f.alias for f in model.model_fields.values()
                                           if f.alias}
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg not in names:
                self._add("FK307", keyword.value, f"{model.__name__} has no field "
                          f"`{keyword.arg}`", did_you_mean(keyword.arg, model.model_fields)
                          or f"its fields are {', '.join(model.model_fields)}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        model = self._model_of(node.value)
        if model is not None and node.attr not in model.model_fields and not hasattr(
                model, node.attr) and not getattr(model, "fields_known_at_run_time", False):
            self._add("FK306", node, f"{model.__name__} has no field `{node.attr}`",
                      did_you_mean(node.attr, model.model_fields)
                      or f"its fields are {', '.join(model.model_fields)}")
        self.generic_visit(node)

    def _model_of(self, node: ast.expr) -> type[BaseModel] | None:
        if isinstance(node, ast.Name):
            return self.scope.records.get(node.id)
        if isinstance(node, ast.Attribute):
            outer = self._model_of(node.value)
            return field_type(outer, node.attr) if outer is not None else None
        return None


def _unknown_connectors(tree: ast.Module, path: str, catalog: Catalog) -> list[Finding]:
    findings = []
    names = [c.name for c in catalog.connectors]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            parts = node.module.split(".")
            if parts[0] == "connectors" and len(parts) > 1 and parts[1] not in names:
                findings.append(Finding(
                    "FK301", path, node.lineno, node.col_offset + 1,
                    f"there is no connector `{parts[1]}`",
                    did_you_mean(parts[1], names) or f"the connectors are {', '.join(names)}"))
    return findings


def check_calls(sources: FlowSources, catalog: Catalog) -> list[Finding]:
    """Connector calls, input models and record fields of both files against the catalog."""
    findings: list[Finding] = []
    for name, tree in sources.trees.items():
        path = sources.display(name)
        findings += _unknown_connectors(tree, path, catalog)
        objects, missing = imported_objects(tree)
        for statement, missing_name, exported in missing:
            findings.append(Finding("FK300", path, statement.lineno, statement.col_offset + 1,
                                    f"{statement.module} has no `{missing_name}`",
                                    did_you_mean(missing_name, exported)
                                    or f"it has {', '.join(sorted(exported))}"))
        visitor = _Calls(path, catalog, objects, tree, flow_code=name == FLOW_FILE)
        visitor.visit(tree)
        findings += visitor.findings
    return findings
