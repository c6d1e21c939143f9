"""A small, honest subset of SOQL for the simulator.

Understood: `SELECT f1, f2 FROM Object [WHERE f op literal [AND f op literal …]]
[ORDER BY f [ASC|DESC]] [LIMIT n]`, with `op` one of `= != <> < <= > >=` and literals quoted
strings, numbers, `null`, dates (`2024-01-31`) and dateTimes
(`2024-01-01T00:00:00Z`, `…+02:00`). Keywords and field names are case-insensitive and string
comparisons ignore case, as in Salesforce; nulls sort first ascending and last descending.

Everything else — OR, IN, LIKE, NOT, parentheses, functions, relationship fields, subqueries,
GROUP BY, OFFSET, date literals like LAST_N_DAYS — is answered with MALFORMED_QUERY, whose message
says the simulator does not understand it: a query that passes here is valid Salesforce SOQL, but
not every valid query passes here. Unknown objects are INVALID_TYPE, unknown fields and literals
of the wrong type INVALID_FIELD, with Salesforce's wording.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors.salesforce.simulator.schema import Kind, ObjectDef

SUPPORTED = ("the simulator understands only SELECT field, … FROM Object [WHERE field op value "
             "[AND …]] [ORDER BY field [ASC|DESC]] [LIMIT n]")

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<comma>,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<other>.)
""", re.VERBOSE)

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<>": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_LITERAL_KIND: dict[Kind, str] = {
    "currency": "number", "int": "number", "date": "date", "datetime": "datetime",
}
_SOQL_TYPE = {"number": "double", "date": "date", "datetime": "dateTime", "string": "string"}


class SoqlError(Exception):
    """A query Salesforce (or this subset) refuses: its error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    """One lexical token and where it starts."""

    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class Condition:
    """`field op value`, with the value already typed for the field."""

    field: str
    op: str
    value: Any

    def holds(self, row: dict[str, Any]) -> bool:
        """Whether a stored record satisfies the condition (SOQL's null and case rules)."""
        actual = row.get(self.field)
        if actual is None or self.value is None:
            return self.op in ("=", "!=", "<>") and _COMPARE[self.op](actual, self.value)
        return _COMPARE[self.op](_key(actual), _key(self.value))


@dataclass(frozen=True)
class Query:
    """A parsed query: what to select from which object, which rows, in which order, how many."""

    sobject: str
    fields: tuple[str, ...]
    where: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None

    def run(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The matching rows, ordered and limited (rows keep their stored order otherwise)."""
        matched = [row for row in rows if all(cond.holds(row) for cond in self.where)]
        if self.order_by is not None:
            field = self.order_by
            present = sorted((row for row in matched if row.get(field) is not None),
                             key=lambda row: _key(row[field]), reverse=self.descending)
            missing = [row for row in matched if row.get(field) is None]
            matched = [*present, *missing] if self.descending else [*missing, *present]
        return matched[:self.limit] if self.limit is not None else matched


def _key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class _Parser:
    def __init__(self, soql: str, objects: dict[str, ObjectDef]) -> None:
        self.soql = soql
        self.objects = objects
        self.tokens = [Token(m.lastgroup or "other", m.group(), m.start())
                       for m in _TOKEN.finditer(soql) if m.lastgroup != "space"]
        self.index = 0

    def unexpected(self, token: Token | None = None) -> SoqlError:
        token = token or self.peek()
        if token is None:
            return SoqlError("MALFORMED_QUERY", f"unexpected end of query ({SUPPORTED})")
        pointer = " " * token.position + "^"
        return SoqlError("MALFORMED_QUERY",
                         f"\n{self.soql}\n{pointer}\nERROR at Row:1:Column:{token.position + 1}"
                         f"\nunexpected token: '{token.text}' ({SUPPORTED})")

    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str | None = None, keyword: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind and token.kind != kind) or (
                keyword and token.text.upper() != keyword):
            raise self.unexpected(token)
        self.index += 1
        return token

    def at(self, kind: str, keyword: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (
            keyword is None or token.text.upper() == keyword)

    def name(self) -> str:
        token = self.take("name")
        if "." in token.text:
            raise self.unexpected(token)
        return token.text

    def parse(self) -> Query:
        self.take("name", "SELECT")
        selected = [self.name()]
        while self.at("comma"):
            self.take()
            selected.append(self.name())
        self.take("name", "FROM")
        sobject = self.name()
        spec = self.objects.get(sobject.lower())
        if spec is None:
            raise SoqlError("INVALID_TYPE", f"sObject type '{sobject}' is not supported. If you "
                            "are attempting to use a custom object, be sure to append the '__c' "
                            "after the entity name. Please reference your WSDL or the describe "
                            "call for the appropriate names.")
        fields = tuple(self.field(spec, name) for name in selected)
        where: list[Condition] = []
        if self.at("name", "WHERE"):
            self.take()
            where.append(self.condition(spec))
            while self.at("name", "AND"):
                self.take()
                where.append(self.condition(spec))
        order_by, descending = None, False
        if self.at("name", "ORDER"):
            self.take()
            self.take("name", "BY")
            order_by = self.field(spec, self.name())
            if self.at("name", "ASC") or self.at("name", "DESC"):
                descending = self.take().text.upper() == "DESC"
        limit = None
        if self.at("name", "LIMIT"):
            self.take()
            token = self.take("number")
            if not token.text.isdigit():
                raise self.unexpected(token)
            limit = int(token.text)
        if self.peek() is not None:
            raise self.unexpected()
        return Query(spec.name, fields, tuple(where), order_by, descending, limit)

    def field(self, spec: ObjectDef, name: str) -> str:
        canonical = spec.canonical(name)
        if canonical is None:
            raise SoqlError("INVALID_FIELD", f"No such column '{name}' on entity '{spec.name}'. "
                            "If you are attempting to use a custom field, be sure to append the "
                            "'__c' after the custom field name. Please reference your WSDL or the "
                            "describe call for the appropriate names.")
        return canonical

    def condition(self, spec: ObjectDef) -> Condition:
        field = self.field(spec, self.name())
        op = self.take("op").text
        return Condition(field, op, self.literal(spec, field, self.take()))

    def literal(self, spec: ObjectDef, field: str, token: Token) -> Any:
        if token.kind == "name" and token.text.lower() == "null":
            return None
        if token.kind not in ("string", "number", "date", "datetime"):
            raise self.unexpected(token)
        expected = _LITERAL_KIND.get(spec.fields[field].kind, "string")
        if token.kind != expected:
            quoted = "" if expected == "string" else " and should not be enclosed in quotes"
            raise SoqlError("INVALID_FIELD", f"value of filter criterion for field '{field}' must "
                            f"be of type {_SOQL_TYPE[expected]}{quoted}")
        if expected == "number":
            return Decimal(token.text)
        if expected == "date":
            return date.fromisoformat(token.text)
        if expected == "datetime":
            return datetime.fromisoformat(token.text.replace("Z", "+00:00"))
        return re.sub(r"\\(.)", r"\1", token.text[1:-1])


def parse(soql: str, objects: dict[str, ObjectDef]) -> Query:
    """Parse `soql` against the org's objects, or raise `SoqlError` as Salesforce words it."""
    return _Parser(soql.strip(), objects).parse()
