"""Stage 4: the flow contract holds, the spec validates, and spec and code agree.

The spec is what reviewers read; this stage makes sure the code does what it says: the source
and the sink call the operations the spec names, the source's key and cursor are the spec's and
exist on the record, every mapped target field is set, and a re-run cannot write twice (an upsert
by the spec's key, a keyed create, or — for a sink that is not idempotent — a key the runtime's
ledger can hold).
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import BaseModel

from connectors.core.catalog import Catalog, OperationSpec
from connectors.core.connector import Connector
from flowkit.spec import SPEC_FILE, FlowSpec, SpecError, load_spec
from flowkit.validator.findings import Finding, did_you_mean
from flowkit.validator.meaning import (
    foreign_yields,
    identity_field,
    reads,
    shared_state,
    swallowed_errors,
    target_values,
)
from flowkit.validator.sources import FLOW_FILE, TEST_FILE, FlowSources
from flowkit.validator.symbols import (
    annotation_object,
    field_type,
    imported_objects,
    input_model,
    record_of,
)
from flowkit.validator.tests_contract import check_test_file
from flowkit.validator.writes import (
    OperationCall,
    helpers_of,
    import_sources,
    most_on_one_path,
    reachable,
    unit_calls,
    unstable_values,
)

CACHES = frozenset({"cache", "lru_cache"})
REQUIRED_FILES = ("__init__.py", SPEC_FILE, FLOW_FILE, TEST_FILE)
UPSERT_KEY_PARAMETERS = ("id_property", "external_id_field", "key")


@dataclass
class _Unit:
    role: str
    node: ast.FunctionDef
    key: str | None = None
    cursor: str | None = None
    calls: list[tuple[str, str, ast.Call]] = field(default_factory=list)
    """(connector name, operation path, call) of each connector operation it calls."""
    operations: list[OperationCall] = field(default_factory=list)
    """The same calls, with whether they write and may repeat (helpers included)."""


def _decorator_role(decorator: ast.expr) -> tuple[str, ast.Call | None] | None:
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id == "flow" and target.attr in ("source", "step", "sink")):
        return target.attr, call
    return None


def _keyword(call: ast.Call | None, name: str) -> str | None:
    if call is None:
        return None
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return None


def _flow_name(tree: ast.Module) -> tuple[str | None, ast.AST | None]:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "flow"
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "Flow" and node.value.args
                and isinstance(node.value.args[0], ast.Constant)):
            return str(node.value.args[0].value), node
    return None, None


def _yaml_line(text: str, location: str) -> int:
    """The line of a key path (`mapping.2.target`) in the spec's YAML, as near as it goes."""
    try:
        node: Any = yaml.compose(text)
    except yaml.YAMLError:
        return 1
    line = 1
    for part in location.split(".") if location else []:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == part), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


class _Checker:
    def __init__(self, sources: FlowSources, catalog: Catalog) -> None:
        self.sources = sources
        self.catalog = catalog
        self.findings: list[Finding] = []
        self.flow_path = sources.display(FLOW_FILE)
        self.spec_path = sources.display(SPEC_FILE)

    def add(self, rule: str, path: str, line: int, message: str, hint: str | None = None,
            column: int = 1) -> None:
        self.findings.append(Finding(rule, path, line, column, message, hint))

    def at(self, rule: str, node: ast.AST, message: str, hint: str | None = None) -> None:
        self.add(rule, self.flow_path, getattr(node, "lineno", 1), message, hint,
                 getattr(node, "col_offset", 0) + 1)

    # -- the contract ---------------------------------------------------------------------------

    def files(self) -> bool:
        folder = self.sources.folder
        missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
        if not (folder / "fixtures").is_dir():
            missing.append("fixtures/")
        for name in missing:
            self.add("FK401", self.sources.display(name), 1, f"the flow has no {name}",
                     "a flow is a package: __init__.py, spec.yaml, flow.py, test_flow.py, "
                     "fixtures/")
        return not missing

    def units(self, tree: ast.Module) -> tuple[str | None, dict[str, list[_Unit]]]:
        name, _ = _flow_name(tree)
        if name is None:
            self.add("FK402", self.flow_path, 1, "flow.py does not define the flow",
                     "write `flow = Flow(\"<name>\")` at module level, before the units")
        units: dict[str, list[_Unit]] = {"source": [], "step": [], "sink": []}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                roles = [found for found in map(_decorator_role, node.decorator_list) if found]
                for role, call in roles:
                    units[role].append(_Unit(role, node, _keyword(call, "key"),
                                             _keyword(call, "cursor")))
                if roles and len(node.decorator_list) > len(roles):
                    self.at("FK405", node, f"the unit {node.name} has decorators besides "
                            "its @flow one", "drop them: the runtime calls units itself (a "
                            "wrapper could call connectors the gate cannot see); put shared "
                            "work in a plain helper the unit calls")
        for role in ("source", "sink"):
            if len(units[role]) != 1:
                self.add("FK403", self.flow_path, 1, f"the flow has {len(units[role])} "
                         f"@flow.{role} units", f"a flow has exactly one @flow.{role}")
        for source in units["source"]:
            if source.key is None:
                self.at("FK403", source.node, "the source does not say its key",
                        "write @flow.source(key=\"<record field>\", cursor=…)")
        return name, units

    # -- the spec -------------------------------------------------------------------------------

    def spec(self) -> FlowSpec | None:
        try:
            return load_spec(self.sources.folder)
        except SpecError as error:
            text = (self.sources.folder / SPEC_FILE).read_text(encoding="utf-8",
                                                                errors="replace")
            for location, message in error.problems:
                line = _yaml_line(text, location) if location and location[0].isalpha() else 1
                self.add("FK410", self.spec_path, line, f"{location or 'spec'}: {message}",
                         "see `flowbot spec schema` for every key")
            return None

    def operation(self, connector: str, path: str, where: str) -> OperationSpec | None:
        spec = self.catalog.connector(connector)
        text = (self.sources.folder / SPEC_FILE).read_text(encoding="utf-8", errors="replace")
        if spec is None:
            self.add("FK411", self.spec_path, _yaml_line(text, f"{where}.connector"),
                     f"{where}: there is no connector `{connector}`",
                     did_you_mean(connector, [c.name for c in self.catalog.connectors]))
            return None
        operation = spec.operation(path)
        if operation is None:
            real = [op.path for r in spec.resources for op in r.operations]
            self.add("FK411", self.spec_path, _yaml_line(text, f"{where}.operation"),
                     f"{where}: {connector} has no operation `{path}`", did_you_mean(path, real))
        return operation

    # -- agreement ------------------------------------------------------------------------------

    def calls_of(self, unit: _Unit, objects: dict[str, Any],
                 helpers: dict[str, ast.FunctionDef]) -> None:
        unit.operations = unit_calls(unit.node, objects, self.catalog, helpers)
        unit.calls = [(call.connector, call.path, call.node) for call in unit.operations]

    def endpoint(self, unit: _Unit, connector: str, operation: str, rule: str, role: str) -> None:
        named = f"{connector}.{operation}"
        called = [f"{c}.{o}" for c, o, _ in unit.calls]
        if named not in called:
            self.at(rule, unit.node, f"the spec's {role} is `{named}`, but {unit.node.name} "
                    f"calls {', '.join(f'`{c}`' for c in called) or 'no connector operation'}",
                    "make the code and the spec name the same operation")


def _has_field(model: type[BaseModel], path: str) -> bool:
    current: type[BaseModel] | None = model
    for part in path.split("."):
        if current is not None and getattr(current, "fields_known_at_run_time", False):
            return True  # a table's row: its columns are the database's to know
        if current is None or part not in current.model_fields:
            return False
        current = field_type(current, part)
    return True


def _set_in_code(tree: ast.Module) -> set[str]:
    """Field names the code sets: keyword arguments, and string keys of dict literals."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names |= {k.arg for k in node.keywords if k.arg}
        elif isinstance(node, ast.Dict):
            names |= {k.value for k in node.keys if isinstance(k, ast.Constant)
                      and isinstance(k.value, str)}
    return names


def check_structure(sources: FlowSources, catalog: Catalog) -> list[Finding]:
    """The flow contract, the spec, and their agreement."""
    checker = _Checker(sources, catalog)
    checker.files()
    tree = sources.trees.get(FLOW_FILE)
    if tree is None:
        return checker.findings
    name, units = checker.units(tree)
    spec = checker.spec() if (sources.folder / SPEC_FILE).is_file() else None
    if spec is None or checker.findings:
        return checker.findings
    if name is not None and name != spec.name:
        checker.add("FK404", checker.flow_path, 1, f"the flow is called `{name}` but the spec "
                    f"names `{spec.name}`", "use one name in both")
    if sources.folder.name != spec.folder_name:
        checker.add("FK404", checker.spec_path, 1, f"the folder is `{sources.folder.name}` but "
                    f"the spec's name gives `{spec.folder_name}`",
                    "the folder is the flow's name with underscores")
    source_op = checker.operation(spec.source.connector, spec.source.operation, "source")
    target_op = checker.operation(spec.target.connector, spec.target.operation, "target")
    if source_op is None or target_op is None or checker.findings:
        return checker.findings
    objects, _ = imported_objects(tree)
    helpers = helpers_of(tree)
    _decorated_helpers(checker, helpers, objects)
    source, sink = units["source"][0], units["sink"][0]
    for unit in [source, *units["step"], sink]:
        checker.calls_of(unit, objects, helpers)
    checker.endpoint(source, spec.source.connector, spec.source.operation, "FK412", "source")
    checker.endpoint(sink, spec.target.connector, spec.target.operation, "FK413", "target")
    source_spec = catalog.connector(spec.source.connector)
    target_spec = catalog.connector(spec.target.connector)
    assert source_spec is not None
    assert target_spec is not None
    record = record_of(source_spec, source_op)
    for label, in_code, in_spec in (("key", source.key, spec.source.key),
                                    ("cursor", source.cursor, spec.source.cursor)):
        if in_code != in_spec:
            checker.at("FK414", source.node, f"the source's {label} is {in_code!r} but the "
                       f"spec says {in_spec!r}", "make @flow.source and spec.source agree")
        elif in_spec and record is not None and not _has_field(record, in_spec):
            checker.at("FK414", source.node, f"{record.__name__} has no field `{in_spec}` for "
                       f"the source's {label}", did_you_mean(in_spec, record.model_fields))
    set_fields = _set_in_code(tree)
    target_model = input_model(target_spec, target_op)
    for row in spec.mapping:
        if row.target not in set_fields:
            checker.at("FK415", sink.node, f"the mapping sets `{row.target}`, but the code never "
                       "does", "set it where the target record is built, or drop the row")
        if row.source and record is not None and not _has_field(record, row.source):
            checker.add("FK416", checker.spec_path, 1, f"mapping: {record.__name__} has no "
                        f"field `{row.source}`", did_you_mean(row.source, record.model_fields))
        if (target_model is not None and "extra_properties" not in target_model.model_fields
                and row.target not in target_model.model_fields):
            checker.add("FK416", checker.spec_path, 1, f"mapping: {target_model.__name__} has "
                        f"no field `{row.target}`",
                        did_you_mean(row.target, target_model.model_fields))
    _idempotency(checker, spec, target_op, sink, record)
    _writes(checker, spec, units)
    _source_identity(checker, spec, source, record)
    _meaning(checker, spec, tree, units, helpers)
    test_tree = sources.trees.get(TEST_FILE)
    if test_tree is not None:
        checker.findings += check_test_file(test_tree, sources.display(TEST_FILE))
    return checker.findings


def _decorated_helpers(checker: _Checker, helpers: dict[str, ast.FunctionDef],
                       objects: dict[str, Any]) -> None:
    """A helper that takes a connector carries no decorator but a cache: a wrapper could call it
    twice, or call connectors the gate cannot see."""
    for helper in helpers.values():
        if any(_decorator_role(d) for d in helper.decorator_list):
            continue
        arguments = helper.args
        takes_connector = any(
            isinstance(value := annotation_object(a.annotation, objects), type)
            and issubclass(value, Connector)
            for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs])
        for decorator in helper.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if takes_connector and name not in CACHES:
                checker.at("FK405", decorator, f"the helper {helper.name} takes a connector and "
                           f"is wrapped by `{ast.unparse(decorator)}`", "drop the decorator: "
                           "a wrapper could call the helper twice or call connectors the gate "
                           "cannot see (functools.cache is the one allowed)")


def _writes(checker: _Checker, spec: FlowSpec, units: dict[str, list[_Unit]]) -> None:
    """Only the sink writes, only the spec's target, and at most once per packet."""
    target = (spec.target.connector, spec.target.operation)
    for unit in [*units["source"], *units["step"], *units["sink"]]:
        for call in unit.operations:
            if not call.writes:
                continue
            if unit.role != "sink":
                checker.at("FK423", call.node, f"the {unit.role} {unit.node.name} writes "
                           f"(`{call.connector}.{call.path}`)", "only the sink writes, and only "
                           f"the spec's target `{'.'.join(target)}`; a step returns the record "
                           "to write")
            elif (call.connector, call.path) != target:
                checker.at("FK423", call.node, f"the sink writes `{call.connector}.{call.path}`"
                           f", which is not the spec's target `{'.'.join(target)}`",
                           "write the target the spec names and nothing else; a second target "
                           "is a second flow")
    for sink in units["sink"]:
        writes = [call for call in sink.operations
                  if call.writes and (call.connector, call.path) == target]
        repeated = [call for call in writes if call.repeated]
        sites = Counter(id(call.site) for call in writes)
        if repeated or most_on_one_path(sink.node.body, sites) > 1:
            checker.at("FK424", (repeated or writes)[-1].node, f"the sink can call "
                       f"`{'.'.join(target)}` more than once per packet",
                       "write each packet once: build the one record in a step and make a "
                       "single call in the sink (the runtime's ledger and the upsert key count "
                       "one write per packet)")


def _source_identity(checker: _Checker, spec: FlowSpec, source: _Unit,
                     record: type[BaseModel] | None) -> None:
    """The source's key names one record: it is the record's id, and the source yields the
    records of its operation as they came."""
    if record is not None and not getattr(record, "fields_known_at_run_time", False):
        identity = identity_field(record)
        if identity is not None and source.key is not None and source.key != identity:
            checker.at("FK426", source.node, f"the source is keyed by `{source.key}`, which "
                       f"more than one {record.__name__} can share", f"key it by the record's "
                       f"id: @flow.source(key=\"{identity}\", ...) and spec.source.key: "
                       f"{identity}")
    calls = [call for c, o, call in source.calls
             if (c, o) == (spec.source.connector, spec.source.operation)]
    for node in foreign_yields(source.node, calls):
        checker.at("FK426", node, "the source yields something other than the records of "
                   f"`{spec.source.connector}.{spec.source.operation}`", "yield the records as "
                   "the operation returns them (`yield from shop.orders.list(...)`, or `for "
                   "order in ...: if ...: yield order`); derive other values in a step")


def _meaning(checker: _Checker, spec: FlowSpec, tree: ast.Module, units: dict[str, list[_Unit]],
             helpers: dict[str, ast.FunctionDef]) -> None:
    """The mapping's source fields are what the code reads; nothing varies between runs, hides
    errors or outlives a packet."""
    for row in spec.mapping:
        if not row.source:
            continue
        values = list(target_values(tree, row.target))
        wanted = row.source.split(".")[-1]
        if values and not any(wanted in reads(value, function, helpers)
                              for function, value in values):
            checker.at("FK427", values[0][1], f"the spec maps `{row.source}` to "
                       f"`{row.target}`, but the code sets `{row.target}` from "
                       f"`{ast.unparse(values[0][1])}`", f"read `.{wanted}` for "
                       f"`{row.target}`, or correct the spec's mapping to say what the code "
                       "does")
    imports = import_sources(tree)
    for unit in [*units["step"], *units["sink"]]:
        for function in reachable(unit.node, helpers):
            for node, shown in unstable_values(function, imports):
                checker.at("FK425", node, f"`{shown}` in {function.name} changes from one run "
                           "to the next", "take values from the record (order.processed_at, "
                           "order.id); for a write's key use ctx.idempotency_key(), which is the "
                           "same on every run")
    for node, what in swallowed_errors(tree):
        checker.at("FK428", node, f"an except clause {what}", "let the error reach the runtime "
                   "(it records the packet as failed, with its traceback), or raise "
                   "BadRecord(\"why\") / Skip(\"why\") for a record the flow should not move")
    for node, what in shared_state(tree):
        checker.at("FK429", node, what, "keep every value inside the unit that uses it, or "
                   "pass it on in the packet; constants at module level are tuples, frozensets "
                   "or plain values, and a default that is a container is None")


def _key_named(value: ast.expr) -> object:
    """The unique key an upsert call names: a property (`id_property="email"`), or a table's key
    columns (`key=["id"]`, or `key=["shop", "id"]` read as `shop,id`)."""
    if isinstance(value, ast.Constant):
        return value.value
    if isinstance(value, ast.List | ast.Tuple) and all(
            isinstance(item, ast.Constant) and isinstance(item.value, str) for item in value.elts):
        return ",".join(str(item.value) for item in value.elts if isinstance(item, ast.Constant))
    return None


def _idempotency(checker: _Checker, spec: FlowSpec, operation: OperationSpec, sink: _Unit,
                 record: type[BaseModel] | None) -> None:
    calls = [call for c, o, call in sink.calls
             if (c, o) == (spec.target.connector, spec.target.operation)]
    kind = operation.idempotency
    if kind == "none" and spec.idempotency_key is None:
        checker.at("FK420", sink.node, f"`{spec.target.connector}.{spec.target.operation}` is "
                   "not idempotent and the spec has no idempotency_key",
                   "prefer an upsert; otherwise set idempotency_key to the source field that "
                   "identifies a packet, so the runtime's ledger never sends it twice")
    elif kind == "none" and record is not None and spec.idempotency_key is not None \
            and not _has_field(record, spec.idempotency_key):
        checker.at("FK420", sink.node, f"idempotency_key `{spec.idempotency_key}` is not a field "
                   f"of {record.__name__}", did_you_mean(spec.idempotency_key,
                                                         record.model_fields))
    elif kind == "upsert_by_external_id":
        parameter = next((p for p in operation.parameters if p.name in UPSERT_KEY_PARAMETERS),
                         None)
        for call in calls:
            used = next((_key_named(k.value) for k in call.keywords if parameter is not None
                         and k.arg == parameter.name),
                        parameter.default if parameter is not None else None)
            if spec.idempotency_key is None or used != spec.idempotency_key.replace(" ", ""):
                checker.at("FK421", call, f"the sink upserts by `{used!s}` but the spec's "
                           f"idempotency_key is `{spec.idempotency_key}`",
                           "name the same unique property in both")
    elif kind == "idempotency_key":
        for call in calls:
            if not any(k.arg == "idempotency_key" for k in call.keywords):
                checker.at("FK422", call, "the sink does not pass an idempotency key",
                           "pass idempotency_key=ctx.idempotency_key()")
