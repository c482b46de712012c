"""The filter grammar: tokens, fields and a recursive-descent parser with positions.

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := operand (op value | ["not"] "like" string | ["not"] "in" "(" value ("," value)* ")" | "is" ["not"] "null")
    operand    := field | agg "(" metrics.NAME ")"

Every node keeps the offset of its text so that `store/search.py`, which compiles the AST to
SQL (a filter is never evaluated in Python, so it scales with the store), can report a
semantic error (a string compared with a metric, a bad date) at the right place too.

The language, for users:

    metrics.accuracy > 0.9 and (params.optimizer = 'adam' or params.lr <= 1e-3)
    min(metrics.`val-loss`) < 0.2 and status in ('Completed', 'InProgress')
    tags.team = "vision" and start_time >= '2024-05-01' and name like 'resnet%'

Fields: `metrics.X` (the last value; `min(..)`, `max(..)`, `avg(..)`, `last(..)`, `count(..)`
for the other summaries), `params.X`, `tags.X`, and the attributes `status`, `name`, `id`,
`experiment`, `trial`, `source`, `source_type`, `start_time`, `end_time`, `created_time`,
`duration` (seconds); `attributes.` in front of an attribute is accepted, as in MLflow.
Names with other characters than letters, digits and `_ . : / -` go in backquotes (or quotes).
Operators: `= != < <= > >= like ilike in (..) not in (..) is null is not null`, joined by
`and`, `or` (which MLflow lacks), `not` and parentheses. Numbers include `nan`, `inf`, `-inf`
(a NaN metric is stored and matches `= nan`). Times are epoch seconds or ISO dates.
`like` is case-insensitive on every database. A parameter compared with a number compares
numerically; with a string, as text. A malformed filter raises `FilterError` (an `Invalid`,
HTTP 400) that names the position of the offending character.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Invalid


class FilterError(Invalid):
    """A malformed filter or order_by; `position` is the 0-based offset of the offending character."""

    def __init__(self, message: str, text: str, position: int, field: str = "filter") -> None:
        position = max(0, min(position, len(text)))
        full = f"Invalid {field} at position {position}: {message}\n  {text}\n  {' ' * position}^"
        super().__init__(full, field=field)
        self.position = position
        self.reason = message

    def to_json(self) -> dict[str, object]:
        body = super().to_json()
        body["position"] = self.position
        return body


# -- tokens -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str  # word, ident (quoted name), string, number, op, punct, end
    value: Any
    pos: int
    text: str = ""


_WORD_START = re.compile(r"[A-Za-z_]")
_WORD = re.compile(r"[A-Za-z0-9_.:/\-]*")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_OPS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")


def tokenize(text: str, field: str = "filter") -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "(),":
            toks.append(Tok("punct", c, i, c))
            i += 1
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op:
            toks.append(Tok("op", {"==": "=", "<>": "!="}.get(op, op), i, op))
            i += len(op)
            continue
        if c in "'\"`":
            value, end = _quoted(text, i, field)
            toks.append(Tok("ident" if c == "`" else "string", value, i, text[i:end]))
            i = end
            continue
        m = _NUMBER.match(text, i)
        if m and (c.isdigit() or c == "." or (c in "+-" and m.end() > i + 1)):
            toks.append(Tok("number", float(m.group()), i, m.group()))
            i = m.end()
            continue
        if c == "-" and text[i + 1 : i + 4].lower() == "inf":
            toks.append(Tok("number", -math.inf, i, text[i : i + 4]))
            i += 4
            continue
        if _WORD_START.match(c):
            m = _WORD.match(text, i + 1)
            end = m.end() if m else i + 1
            word = text[i:end]
            # `metrics.` followed by a quoted name: metrics.`val loss` or tags."mlflow.runName"
            if word.endswith(".") and end < n and text[end] in "`\"'":
                value, qend = _quoted(text, end, field)
                toks.append(Tok("word", (word, value), i, text[i:qend]))
                i = qend
                continue
            toks.append(Tok("word", word, i, word))
            i = end
            continue
        raise FilterError(f"unexpected character {c!r}", text, i, field)
    toks.append(Tok("end", None, n, ""))
    return toks


def _quoted(text: str, start: int, field: str) -> tuple[str, int]:
    quote = text[start]
    out = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == quote:
            if text[i + 1 : i + 2] == quote:  # doubled quote stands for itself
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise FilterError(f"unterminated {quote} quote", text, start, field)


# -- fields -------------------------------------------------------------------------------

ATTRIBUTES = {
    "status": "status",
    "name": "name",
    "run_name": "name",
    "id": "id",
    "run_id": "id",
    "experiment": "experiment",
    "experiment_name": "experiment",
    "trial": "trial",
    "trial_name": "trial",
    "source": "source_name",
    "source_name": "source_name",
    "source_type": "source_type",
    "start_time": "start_time",
    "end_time": "end_time",
    "created_time": "created_time",
    "creation_time": "created_time",
    "last_modified_time": "last_modified_time",
    "duration": "duration",
}
TIME_ATTRS = {"start_time", "end_time", "created_time", "last_modified_time"}
NUMERIC_ATTRS = TIME_ATTRS | {"duration"}
AGGREGATES = {"last": "last_value", "min": "min", "max": "max", "avg": "avg", "mean": "avg", "count": "count"}
KEYWORDS = {"and", "or", "not", "in", "like", "ilike", "is", "null", "asc", "desc"}


@dataclass(frozen=True)
class Field:
    kind: str  # metric, param, tag, attr
    name: str
    agg: str = "last_value"
    pos: int = 0


def _field_from_word(tok: Tok, text: str, field: str) -> Field:
    raw = tok.value
    if isinstance(raw, tuple):  # prefix. + quoted name
        prefix, name = raw[0][:-1].lower(), raw[1]
    else:
        prefix, _, name = raw.partition(".")
        prefix = prefix.lower()
        if not _:
            attr = ATTRIBUTES.get(raw.lower())
            if attr is None:
                hint = "metrics.NAME, params.NAME, tags.NAME or one of " + ", ".join(sorted(set(ATTRIBUTES)))
                raise FilterError(f"unknown field {raw!r}; expected {hint}", text, tok.pos, field)
            return Field("attr", attr, pos=tok.pos)
    kinds = {"metrics": "metric", "metric": "metric", "params": "param", "param": "param", "parameters": "param",
             "tags": "tag", "tag": "tag", "attributes": "attr", "attribute": "attr", "attr": "attr"}
    kind = kinds.get(prefix)
    if kind is None:
        raise FilterError(f"unknown field prefix {prefix!r}; use metrics., params., tags. or attributes.", text, tok.pos, field)
    if not name:
        raise FilterError(f"{prefix}. needs a name after the dot (use backquotes for names with spaces)", text, tok.pos, field)
    if kind == "attr":
        attr = ATTRIBUTES.get(name.lower())
        if attr is None:
            raise FilterError(f"unknown attribute {name!r}; expected one of {', '.join(sorted(set(ATTRIBUTES)))}", text, tok.pos, field)
        return Field("attr", attr, pos=tok.pos)
    return Field(kind, name, pos=tok.pos)


# -- parser ---------------------------------------------------------------------------------

# A filter is written by a person: nesting deeper than this (parentheses, `not`, aggregates) or
# more comparisons than this (each value of an `in` list counts as one) is a generated or hostile
# filter. Past them the recursive parser and SQL compiler overflow the stack, SQLite refuses the
# query (its expression depth limit is 1000) and PostgreSQL's planning and per-run probes grow
# with every comparison, so the answer would be an internal error or a stalled store instead of
# a message saying what to change.
MAX_FILTER_NESTING = 32
MAX_FILTER_TERMS = 100


class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.toks = tokenize(text, field)
        self.i = 0
        self.depth = 0
        self.terms = 0

    def enter(self, tok: Tok) -> None:
        """One level deeper (a parenthesis, `not`, an aggregate); too deep is a FilterError there."""
        self.depth += 1
        if self.depth > MAX_FILTER_NESTING:
            raise self.error(
                f"the {self.field} nests parentheses, 'not' or aggregates more than {MAX_FILTER_NESTING} levels deep; write it flatter", tok
            )

    def count_term(self, tok: Tok) -> None:
        self.terms += 1
        if self.terms > MAX_FILTER_TERMS:
            what = "comparisons (each value of an 'in' list counts as one)" if self.field == "filter" else "sort keys"
            raise self.error(f"the {self.field} has more than {MAX_FILTER_TERMS} {what}; use fewer", tok)

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def error(self, message: str, tok: Tok | None = None) -> FilterError:
        return FilterError(message, self.text, (tok or self.tok).pos, self.field)

    def describe(self, tok: Tok) -> str:
        return "the end of the filter" if tok.kind == "end" else repr(tok.text)

    def is_kw(self, *words: str) -> bool:
        t = self.tok
        return t.kind == "word" and isinstance(t.value, str) and t.value.lower() in words

    def take(self) -> Tok:
        t = self.tok
        self.i += 1
        return t

    def expect_punct(self, c: str) -> Tok:
        if self.tok.kind != "punct" or self.tok.value != c:
            raise self.error(f"expected {c!r} but found {self.describe(self.tok)}")
        return self.take()

    # expr := and_expr (or and_expr)*; a chain is one ("or", [operands]) node, not a nest of pairs
    def expr(self) -> tuple:
        nodes = [self.and_expr()]
        while self.is_kw("or"):
            self.take()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def and_expr(self) -> tuple:
        nodes = [self.not_expr()]
        while self.is_kw("and"):
            self.take()
            nodes.append(self.not_expr())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def not_expr(self) -> tuple:
        if self.is_kw("not"):
            self.enter(self.take())
            node: tuple = ("not", self.not_expr())
            self.depth -= 1
            return node
        if self.tok.kind == "punct" and self.tok.value == "(":
            open_tok = self.take()
            self.enter(open_tok)
            node = self.expr()
            if self.tok.kind != "punct" or self.tok.value != ")":
                raise self.error(f"expected ')' to close the '(' at position {open_tok.pos} but found {self.describe(self.tok)}")
            self.take()
            self.depth -= 1
            return node
        self.count_term(self.tok)
        return self.comparison()

    def operand(self) -> Field:
        t = self.tok
        if t.kind == "word" and isinstance(t.value, str) and t.value.lower() in AGGREGATES and self.toks[self.i + 1].value == "(":
            self.take()
            self.take()
            self.enter(t)
            inner = self.operand()
            self.depth -= 1
            if inner.kind != "metric":
                raise self.error(f"{t.value}() applies to metrics only (metrics.NAME)", t)
            self.expect_punct(")")
            return Field("metric", inner.name, AGGREGATES[t.value.lower()], t.pos)
        if t.kind == "word" and not (isinstance(t.value, str) and t.value.lower() in KEYWORDS):
            self.take()
            return _field_from_word(t, self.text, self.field)
        if t.kind == "ident":
            raise self.error("a quoted name needs a prefix: metrics.`name`, params.`name` or tags.`name`")
        raise self.error(f"expected a field such as metrics.loss, params.lr, tags.team or status, but found {self.describe(t)}")

    def value(self) -> tuple[Any, Tok]:
        t = self.tok
        if t.kind in ("number", "string"):
            self.take()
            return t.value, t
        if t.kind == "word" and isinstance(t.value, str) and t.value.lower() in ("nan", "inf", "infinity", "true", "false"):
            self.take()
            low = t.value.lower()
            return {"nan": math.nan, "inf": math.inf, "infinity": math.inf, "true": "true", "false": "false"}[low], t
        raise self.error(f"expected a value (a number or a quoted string) but found {self.describe(t)}")

    def comparison(self) -> tuple:
        fld = self.operand()
        t = self.tok
        if t.kind == "op":
            self.take()
            value, vt = self.value()
            return ("cmp", fld, t.value, value, vt.pos)
        negate = False
        if self.is_kw("not"):
            self.take()
            negate = True
            if not self.is_kw("in", "like", "ilike"):
                raise self.error(f"expected 'in' or 'like' after 'not' but found {self.describe(self.tok)}")
        if self.is_kw("like", "ilike"):
            self.take()
            value, vt = self.value()
            if not isinstance(value, str):
                raise self.error("like needs a quoted pattern such as 'resnet%'", vt)
            node: tuple = ("cmp", fld, "like", value, vt.pos)
            return ("not", node) if negate else node
        if self.is_kw("in"):
            self.take()
            self.expect_punct("(")
            values = []
            while True:
                v, vt = self.value()
                values.append((v, vt.pos))
                if len(values) > 1:  # the first was counted with the comparison
                    self.count_term(vt)
                if self.tok.kind == "punct" and self.tok.value == ",":
                    self.take()
                    continue
                break
            self.expect_punct(")")
            node = ("in", fld, values)
            return ("not", node) if negate else node
        if self.is_kw("is"):
            self.take()
            is_not = False
            if self.is_kw("not"):
                self.take()
                is_not = True
            if not self.is_kw("null"):
                raise self.error(f"expected 'null' after 'is' but found {self.describe(self.tok)}")
            self.take()
            return ("exists", fld) if is_not else ("not", ("exists", fld))
        raise self.error(
            f"expected an operator (= != < <= > >= like in is) after the field but found {self.describe(t)}"
        )

    def parse(self) -> tuple:
        if self.tok.kind == "end":
            raise self.error("the filter is empty")
        node = self.expr()
        if self.tok.kind != "end":
            if self.tok.kind == "punct" and self.tok.value == ")":
                raise self.error("unbalanced ')': there is no '(' to close")
            raise self.error(f"expected 'and', 'or' or the end of the filter but found {self.describe(self.tok)}")
        return node


def parse(text: str) -> tuple:
    return _Parser(text, "filter").parse()




def parse_order_by(text: str | Sequence[str]) -> list[tuple[Field, bool]]:
    """`metrics.loss asc, params.lr desc, start_time` as (field, descending) terms, in order."""
    source = text if isinstance(text, str) else ", ".join(text)
    p = _Parser(source, "order_by")
    terms: list[tuple[Field, bool]] = []
    while True:
        p.count_term(p.tok)
        fld = p.operand()
        descending = False
        if p.is_kw("asc", "desc"):
            descending = p.take().value.lower() == "desc"
        terms.append((fld, descending))
        if p.tok.kind == "punct" and p.tok.value == ",":
            p.take()
            continue
        if p.tok.kind != "end":
            raise p.error(f"expected ',', 'asc', 'desc' or the end but found {p.describe(p.tok)}")
        return terms
