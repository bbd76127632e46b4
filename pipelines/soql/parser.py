"""Recursive-descent parser: tokens → :mod:`pipelines.soql.ast`.

Two entry points: :func:`parse_query` for a whole SELECT statement and :func:`parse_condition`
for a bare WHERE condition, which is what admins type in the wizard. Errors are raised as
Salesforce raises them (``MALFORMED_QUERY`` with ``unexpected token: 'X'`` and the place).
"""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from pipelines.soql import ast as a
from pipelines.soql.dates import DATE_LITERALS
from pipelines.soql.errors import (
    MALFORMED_QUERY,
    MAX_OFFSET,
    MAX_QUERY_LENGTH,
    NUMBER_OUTSIDE_VALID_RANGE,
    Pos,
    SoqlError,
)
from pipelines.soql.lexer import _IDENT, T, Token, tokenize

# Words that end a select item or a FROM object, so they are never read as aliases.
RESERVED = frozenset(
    [
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "USING",
        "WHERE",
        "WITH",
        "ORDER",
        "OFFSET",
        "FOR",
        "UPDATE",
        "TYPEOF",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "TRUE",
        "FALSE",
    ]
)
_CLAUSE_WORDS = frozenset(["WHERE", "WITH", "USING", "HAVING", "LIMIT", "OFFSET", "FOR", "UPDATE"])
_MAX_DEPTH = 60


def parse_query(text: str) -> a.Query:
    """Parse a SOQL SELECT statement.

    >>> parse_query("SELECT Id FROM Account WHERE Type = 'Customer'").from_.object.dotted
    'Account'
    """
    parser = _Parser(text)
    query = parser.query(top=True)
    parser.finish()
    return query


def parse_condition(text: str) -> a.Condition:
    """Parse a bare WHERE condition (no ``WHERE`` keyword): ``Type = 'Customer' AND IsDeleted = false``."""
    parser = _Parser(text)
    if parser.peek.kind is T.EOF:
        raise parser.unexpected(parser.peek)
    cond = parser.condition()
    parser.finish()
    return cond


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_QUERY_LENGTH:
            raise SoqlError(
                MALFORMED_QUERY,
                f"Query is too long: {len(text):,} characters; SOQL statements are limited to "
                f"{MAX_QUERY_LENGTH:,} characters",
            )
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # ------------------------------------------------------------ token helpers

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def ahead(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not T.EOF:
            self.i += 1
        return tok

    def at_word(self, *words: str) -> bool:
        return self.peek.is_word(*words)

    def accept_word(self, *words: str) -> Token | None:
        return self.advance() if self.at_word(*words) else None

    def expect_word(self, word: str) -> Token:
        if not self.at_word(word):
            raise self.unexpected(self.peek)
        return self.advance()

    def expect(self, kind: T) -> Token:
        if self.peek.kind is not kind:
            raise self.unexpected(self.peek)
        return self.advance()

    def unexpected(self, tok: Token, text: str | None = None) -> SoqlError:
        shown = text if text is not None else tok.text
        return SoqlError(MALFORMED_QUERY, f"unexpected token: '{shown}'", self.text, tok.pos)

    def error(self, text: str, pos: Pos, code: str = MALFORMED_QUERY) -> SoqlError:
        return SoqlError(code, text, self.text, pos)

    def finish(self) -> None:
        if self.peek.kind is T.SEMI:
            self.advance()
        if self.peek.kind is not T.EOF:
            raise self.unexpected(self.peek)

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(
                "Query is too complicated: parentheses nested too deeply",
                tok.pos,
                "QUERY_TOO_COMPLICATED",
            )

    def name(self) -> a.Name:
        tok = self.peek
        if tok.kind is T.IDENT or (tok.kind is T.CURRENCY and _IDENT.fullmatch(tok.text)):
            self.advance()
            return a.Name(tok.text, tok.pos)
        raise self.unexpected(tok)

    def at_name(self) -> bool:
        tok = self.peek
        return tok.kind is T.IDENT or (tok.kind is T.CURRENCY and bool(_IDENT.fullmatch(tok.text)))

    def clause_start(self) -> bool:
        tok = self.peek
        if tok.kind is not T.IDENT:
            return False
        up = tok.upper
        if up in _CLAUSE_WORDS:
            return True
        return up in ("GROUP", "ORDER") and self.ahead().is_word("BY")

    # ------------------------------------------------------------ query

    def query(self, top: bool = False) -> a.Query:
        start = self.expect_word("SELECT")
        if self.at_word("FROM"):
            raise self.unexpected(self.peek)
        select = [self.select_item()]
        while self.peek.kind is T.COMMA:
            self.advance()
            select.append(self.select_item())
        self.expect_word("FROM")
        from_ = self.from_clause()
        using = None
        if self.accept_word("USING"):
            self.expect_word("SCOPE")
            using = self.name()
        where = self.condition() if self.accept_word("WHERE") else None
        with_ = self.with_clause() if self.at_word("WITH") else None
        group_by = having = None
        if self.at_word("GROUP") and self.ahead().is_word("BY"):
            self.advance()
            self.advance()
            group_by = self.group_by()
            if self.accept_word("HAVING"):
                having = self.condition()
        order: list[a.OrderItem] = []
        if self.at_word("ORDER") and self.ahead().is_word("BY"):
            self.advance()
            self.advance()
            order.append(self.order_item())
            while self.peek.kind is T.COMMA:
                self.advance()
                order.append(self.order_item())
        limit = self.count_clause("LIMIT")
        offset = self.count_clause("OFFSET")
        if offset is not None and offset.value > MAX_OFFSET:
            raise self.error(
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
                offset.pos,
                NUMBER_OUTSIDE_VALID_RANGE,
            )
        for_: list[str] = []
        update = None
        if self.at_word("FOR") and self.ahead().is_word("VIEW", "REFERENCE"):
            self.advance()
            for_.append(self.advance().upper)
        if self.at_word("UPDATE") and self.ahead().is_word("TRACKING", "VIEWSTAT"):
            self.advance()
            update = self.advance().upper
        if self.at_word("FOR") and self.ahead().is_word("UPDATE"):
            self.advance()
            self.advance()
            for_.append("UPDATE")
        return a.Query(
            select=tuple(select),
            from_=from_,
            pos=start.pos,
            using_scope=using,
            where=where,
            with_=with_,
            group_by=group_by,
            having=having,
            order_by=tuple(order),
            limit=limit,
            offset=offset,
            for_=tuple(for_),
            update=update,
        )

    def count_clause(self, word: str) -> a.NumberLit | None:
        if not self.accept_word(word):
            return None
        tok = self.expect(T.NUMBER)
        value = tok.value
        assert value is not None
        lit = a.NumberLit(value, tok.pos)  # type: ignore[arg-type]
        if not lit.is_integer or lit.value < 0:
            raise self.error(f"{word} must be a non-negative integer, found '{tok.text}'", tok.pos)
        return lit

    def select_item(self) -> a.SelectItem:
        tok = self.peek
        expr: a.FieldPath | a.FuncCall | a.Query | a.TypeOf
        if tok.kind is T.LPAREN:
            self.enter(tok)
            self.advance()
            if not self.at_word("SELECT"):
                raise self.unexpected(self.peek)
            expr = self.query()
            self.expect(T.RPAREN)
            self.depth -= 1
        elif tok.is_word("TYPEOF") and self.ahead().kind is T.IDENT:
            expr = self.typeof()
        else:
            expr = self.field_or_func()
        alias = None
        if self.at_name() and self.peek.upper not in RESERVED:
            alias = self.name()
        return a.SelectItem(expr, alias, tok.pos)

    def typeof(self) -> a.TypeOf:
        start = self.advance()
        fld = self.field_path()
        whens: list[a.TypeOfWhen] = []
        while self.accept_word("WHEN"):
            obj = self.name()
            self.expect_word("THEN")
            whens.append(a.TypeOfWhen(obj, tuple(self.field_list())))
        if not whens:
            raise self.unexpected(self.peek)
        else_fields: tuple[a.FieldPath, ...] = ()
        if self.accept_word("ELSE"):
            else_fields = tuple(self.field_list())
        self.expect_word("END")
        return a.TypeOf(fld, tuple(whens), else_fields, start.pos)

    def field_list(self) -> list[a.FieldPath]:
        fields = [self.field_path()]
        while (
            self.peek.kind is T.COMMA
            and self.ahead().kind is T.IDENT
            and not self.ahead().is_word("WHEN", "ELSE", "END")
        ):
            self.advance()
            fields.append(self.field_path())
        return fields

    def from_clause(self) -> a.FromClause:
        obj = self.field_path()
        alias = self.from_alias()
        related: list[tuple[a.FieldPath, a.Name | None]] = []
        while self.peek.kind is T.COMMA:
            self.advance()
            path = self.field_path()
            related.append((path, self.from_alias()))
        return a.FromClause(obj, alias, tuple(related))

    def from_alias(self) -> a.Name | None:
        if self.at_name() and self.peek.upper not in RESERVED and not self.clause_start():
            return self.name()
        return None

    def with_clause(self) -> a.WithClause:
        start = self.advance()
        if self.at_word("DATA") and self.ahead().is_word("CATEGORY"):
            self.advance()
            self.advance()
            conds = [self.category_condition()]
            while self.accept_word("AND"):
                conds.append(self.category_condition())
            return a.WithClause("DATA CATEGORY", tuple(conds), start.pos)
        kind = self.name()
        return a.WithClause(kind.text.upper(), (), kind.pos)

    def category_condition(self) -> tuple[a.Name, str, tuple[a.Name, ...]]:
        group = self.name()
        selector = self.peek
        if not selector.is_word("AT", "ABOVE", "BELOW", "ABOVE_OR_BELOW"):
            raise self.unexpected(selector)
        self.advance()
        if self.peek.kind is T.LPAREN:
            self.advance()
            cats = [self.name()]
            while self.peek.kind is T.COMMA:
                self.advance()
                cats.append(self.name())
            self.expect(T.RPAREN)
        else:
            cats = [self.name()]
        return group, selector.upper, tuple(cats)

    def group_by(self) -> a.GroupBy:
        tok = self.peek
        if tok.is_word("ROLLUP", "CUBE") and self.ahead().kind is T.LPAREN:
            self.advance()
            self.advance()
            items = [self.field_or_func()]
            while self.peek.kind is T.COMMA:
                self.advance()
                items.append(self.field_or_func())
            self.expect(T.RPAREN)
            return a.GroupBy(tok.upper, tuple(items), tok.pos)
        items = [self.field_or_func()]
        while self.peek.kind is T.COMMA:
            self.advance()
            items.append(self.field_or_func())
        return a.GroupBy("PLAIN", tuple(items), tok.pos)

    def order_item(self) -> a.OrderItem:
        tok = self.peek
        expr = self.field_or_func()
        descending = False
        written = False
        if self.at_word("ASC", "DESC"):
            descending = self.advance().upper == "DESC"
            written = True
        nulls = None
        if self.accept_word("NULLS"):
            if not self.at_word("FIRST", "LAST"):
                raise self.unexpected(self.peek)
            nulls = self.advance().upper
        return a.OrderItem(expr, descending, nulls, tok.pos, written)

    # ------------------------------------------------------------ expressions

    def field_path(self) -> a.FieldPath:
        first = self.name()
        parts = [first]
        while self.peek.kind is T.DOT:
            self.advance()
            parts.append(self.name())
        return a.FieldPath(tuple(parts), first.pos)

    def field_or_func(self) -> a.FieldPath | a.FuncCall:
        if self.at_name() and self.ahead().kind is T.LPAREN:
            return self.func_call()
        return self.field_path()

    def func_call(self) -> a.FuncCall:
        name_tok = self.advance()
        self.enter(name_tok)
        self.expect(T.LPAREN)
        args: list[a.Expr] = []
        if self.peek.kind is not T.RPAREN:
            args.append(self.func_arg())
            while self.peek.kind is T.COMMA:
                self.advance()
                args.append(self.func_arg())
        self.expect(T.RPAREN)
        self.depth -= 1
        return a.FuncCall(name_tok.upper, tuple(args), name_tok.pos, name_tok.text)

    def func_arg(self) -> a.Expr:
        tok = self.peek
        if tok.kind is T.STRING:
            self.advance()
            return a.StringLit(str(tok.value), tok.pos)
        if tok.kind is T.NUMBER:
            self.advance()
            return a.NumberLit(tok.value, tok.pos)  # type: ignore[arg-type]
        if tok.is_word("GEOLOCATION") and self.ahead().kind is T.LPAREN:
            self.advance()
            self.advance()
            lat = self.expect(T.NUMBER)
            self.expect(T.COMMA)
            lon = self.expect(T.NUMBER)
            self.expect(T.RPAREN)
            return a.Geolocation(lat.value, lon.value, tok.pos)  # type: ignore[arg-type]
        if tok.is_word("ALL", "STANDARD", "CUSTOM") and self.ahead().kind is T.RPAREN:
            self.advance()
            return a.Keyword(tok.upper, tok.pos)
        return self.field_or_func()

    # ------------------------------------------------------------ conditions

    def condition(self) -> a.Condition:
        first = self.unary()
        if self.at_word("AND", "OR"):
            word = self.peek.upper
            other = "OR" if word == "AND" else "AND"
            items = [first]
            while self.accept_word(word):
                items.append(self.unary())
            if self.at_word(other):
                raise self.unexpected(self.peek, self.peek.upper)
            return (
                a.And(tuple(items), first.pos) if word == "AND" else a.Or(tuple(items), first.pos)
            )
        return first

    def unary(self) -> a.Condition:
        tok = self.peek
        if tok.is_word("NOT") and self.ahead().kind is not T.OP:
            self.advance()
            if self.at_word("NOT"):
                raise self.unexpected(self.peek)
            return a.Not(self.simple(), tok.pos)
        return self.simple()

    def simple(self) -> a.Condition:
        tok = self.peek
        if tok.kind is T.LPAREN:
            self.enter(tok)
            self.advance()
            inner = self.condition()
            self.expect(T.RPAREN)
            self.depth -= 1
            return a.Paren(inner, tok.pos)
        return self.comparison()

    def comparison(self) -> a.Comparison:
        start = self.peek
        if not self.at_name():
            raise self.unexpected(start)
        lhs = self.field_or_func()
        op_tok = self.peek
        if op_tok.kind is T.OP:
            self.advance()
            op = "!=" if op_tok.text == "<>" else op_tok.text
            return a.Comparison(lhs, op, self.scalar_value(), start.pos, op_tok.pos)
        if op_tok.is_word("LIKE"):
            self.advance()
            if self.at_word("NULL"):
                raise self.unexpected(self.peek)
            value = self.scalar_value()
            return a.Comparison(lhs, "LIKE", value, start.pos, op_tok.pos)
        if op_tok.is_word("NOT") and self.ahead().is_word("IN"):
            self.advance()
            self.advance()
            return a.Comparison(lhs, "NOT IN", self.in_value(start), start.pos, op_tok.pos)
        if op_tok.is_word("IN"):
            self.advance()
            return a.Comparison(lhs, "IN", self.in_value(start), start.pos, op_tok.pos)
        if op_tok.is_word("INCLUDES", "EXCLUDES"):
            self.advance()
            return a.Comparison(lhs, op_tok.upper, self.value_list(start), start.pos, op_tok.pos)
        if op_tok.is_word("NOT"):
            raise self.unexpected(self.ahead())
        raise self.unexpected(op_tok)

    def in_value(self, start: Token) -> a.ValueList | a.Query:
        if self.peek.kind is T.LPAREN and self.ahead().is_word("SELECT"):
            self.enter(self.peek)
            self.advance()
            sub = self.query()
            self.expect(T.RPAREN)
            self.depth -= 1
            return sub
        return self.value_list(start)

    def value_list(self, start: Token) -> a.ValueList:
        open_tok = self.expect(T.LPAREN)
        if self.peek.kind is T.RPAREN:
            close = self.peek
            raise self.unexpected(close, self.text[start.pos.offset : close.pos.offset + 1])
        items = [self.scalar_value()]
        while self.peek.kind is T.COMMA:
            self.advance()
            items.append(self.scalar_value())
        self.expect(T.RPAREN)
        return a.ValueList(tuple(items), open_tok.pos)

    def scalar_value(self) -> a.Literal:
        tok = self.peek
        kind = tok.kind
        if kind is T.STRING:
            self.advance()
            return a.StringLit(str(tok.value), tok.pos, tok.like_literals)
        if kind is T.NUMBER:
            self.advance()
            return a.NumberLit(tok.value, tok.pos)  # type: ignore[arg-type]
        if kind is T.DATE:
            self.advance()
            return a.DateLit(tok.value, tok.pos)  # type: ignore[arg-type]
        if kind is T.DATETIME:
            self.advance()
            return a.DateTimeLit(tok.value, tok.pos, tok.text)  # type: ignore[arg-type]
        if kind is T.CURRENCY:
            self.advance()
            iso, amount = cast(tuple[str, Decimal], tok.value)
            return a.CurrencyLit(iso, amount, tok.pos)
        if kind is T.COLON:
            raise self.error("Bind variables only allowed in Apex code", tok.pos)
        if kind is T.IDENT:
            up = tok.upper
            if up in ("TRUE", "FALSE"):
                self.advance()
                return a.BoolLit(up == "TRUE", tok.pos)
            if up == "NULL":
                self.advance()
                return a.NullLit(tok.pos)
            if up in DATE_LITERALS:
                return self.date_literal(tok, DATE_LITERALS[up])
        raise self.unexpected(tok)

    def date_literal(self, tok: Token, takes_n: bool) -> a.DateLiteral:
        self.advance()
        if not takes_n:
            if self.peek.kind is T.COLON:
                raise self.unexpected(self.peek)
            return a.DateLiteral(tok.upper, None, tok.pos)
        if self.peek.kind is not T.COLON:
            raise self.error(
                f"Date literal {tok.upper} needs a number, as in {tok.upper}:7", tok.pos
            )
        self.advance()
        num = self.peek
        if num.kind is not T.NUMBER or not isinstance(num.value, object) or not _is_count(num):
            raise self.error(
                f"line {num.pos.line}:{num.pos.column - 1} mismatched input '{num.text}' expecting INTEGER_LITERAL",
                num.pos,
            )
        self.advance()
        return a.DateLiteral(tok.upper, int(num.text), tok.pos)


def _is_count(tok: Token) -> bool:
    return tok.text.isdigit()
