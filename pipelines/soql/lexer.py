"""SOQL tokens.

The lexer knows SOQL's own literal forms, which no SQL tokenizer does: unquoted dates and
datetimes (``2024-01-01``, ``2024-01-01T08:00:00.5+05:30``), currency literals (``USD5000.50``,
``EUR-20``), ``LAST_N_DAYS:90`` (an identifier, a colon and an integer) and single-quoted strings
with SOQL's escapes. Keywords are not decided here: SOQL reserves few words (``Group`` and
``Order`` are object names), so the parser reads identifiers in context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

from pipelines.soql.errors import MALFORMED_QUERY, Pos, SoqlError, pos_at


class T(Enum):
    IDENT = "identifier"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    CURRENCY = "currency"
    OP = "operator"  # = != <> < <= > >=
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    COLON = ":"
    SEMI = ";"
    EOF = "<EOF>"


@dataclass(frozen=True)
class Token:
    kind: T
    text: str  # the source text of the token
    pos: Pos
    value: object = None  # decoded value for literals
    like_literals: frozenset[int] = frozenset()  # STRING: offsets in value of \% and \_ escapes

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_word(self, *words: str) -> bool:
        return self.kind is T.IDENT and self.text.upper() in words


_WS = re.compile(r"[ \t\r\n\f]+")
_DIGITS = frozenset("0123456789")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CURRENCY = re.compile(r"([A-Za-z]{3})(-?\d+(?:\.\d+)?)", re.ASCII)
_OPS = ("<=", ">=", "!=", "<>", "=", "<", ">")
_PUNCT = {"(": T.LPAREN, ")": T.RPAREN, ",": T.COMMA, ".": T.DOT, ":": T.COLON, ";": T.SEMI}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an EOF token; raise :class:`SoqlError` on bad input."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while True:
        m = _WS.match(text, i)
        if m:
            i = m.end()
        if i >= n:
            tokens.append(Token(T.EOF, "<EOF>", pos_at(text, n)))
            return tokens
        ch = text[i]
        start = i
        if ch == "'":
            tok, i = _string(text, i)
            tokens.append(tok)
        elif ch in _DIGITS:
            tok, i = _number_or_date(text, i)
            tokens.append(tok)
        elif ch == "." and i + 1 < n and text[i + 1] in _DIGITS and not _after_name(tokens):
            m = _NUMBER.match(text, i)
            assert m is not None
            i = m.end()
            tokens.append(Token(T.NUMBER, m.group(), pos_at(text, start), Decimal(m.group())))
        elif ch.isalpha() and ch.isascii():
            m = _CURRENCY.match(text, i)
            if m and not _continues_name(text, m.end()) and not _is_path_start(text, m.end()):
                i = m.end()
                tokens.append(
                    Token(
                        T.CURRENCY,
                        m.group(),
                        pos_at(text, start),
                        (m.group(1).upper(), Decimal(m.group(2))),
                    )
                )
                continue
            m = _IDENT.match(text, i)
            assert m is not None
            i = m.end()
            tokens.append(Token(T.IDENT, m.group(), pos_at(text, start)))
        elif ch in "+-" and _NUMBER.match(text, i + 1):
            m = _NUMBER.match(text, i + 1)
            assert m is not None
            i = m.end()
            raw = text[start:i]
            tokens.append(Token(T.NUMBER, raw, pos_at(text, start), Decimal(raw)))
        elif ch in "<>=!":
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op is None:
                raise _unexpected(text, start, ch)
            i += len(op)
            tokens.append(Token(T.OP, op, pos_at(text, start)))
        elif ch in _PUNCT:
            i += 1
            tokens.append(Token(_PUNCT[ch], ch, pos_at(text, start)))
        else:
            raise _unexpected(text, start, ch)


def _after_name(tokens: list[Token]) -> bool:
    return bool(tokens) and tokens[-1].kind in (T.IDENT, T.RPAREN)


def _continues_name(text: str, end: int) -> bool:
    return end < len(text) and ((text[end].isascii() and text[end].isalnum()) or text[end] == "_")


def _is_path_start(text: str, end: int) -> bool:
    # ``ABC123.Name`` would be a relationship path, but relationship names never look like currency.
    return (
        end < len(text)
        and text[end] == "."
        and not (end + 1 < len(text) and text[end + 1] in _DIGITS)
    )


def _unexpected(text: str, offset: int, what: str) -> SoqlError:
    pos = pos_at(text, offset)
    return SoqlError(
        MALFORMED_QUERY, f"line {pos.line}:{pos.column - 1} unexpected token: '{what}'", text, pos
    )


def _string(text: str, i: int) -> tuple[Token, int]:
    start = i
    i += 1
    out: list[str] = []
    like: set[int] = set()
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "'":
            value = "".join(out)
            return Token(
                T.STRING, text[start : i + 1], pos_at(text, start), value, frozenset(like)
            ), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            esc = text[i + 1]
            low = esc.lower()
            if low in _ESCAPES and (esc in "\"'\\" or esc.isalpha()):
                out.append(_ESCAPES[low])
                i += 2
            elif esc in "%_":
                like.add(len(out))
                out.append(esc)
                i += 2
            elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
            else:
                raise SoqlError(MALFORMED_QUERY, "Invalid Escape Character", text, pos_at(text, i))
            continue
        out.append(ch)
        i += 1
    pos = pos_at(text, start)
    raise SoqlError(
        MALFORMED_QUERY, f"line {pos.line}:{pos.column - 1} unterminated string literal", text, pos
    )


def _number_or_date(text: str, i: int) -> tuple[Token, int]:
    start = i
    m = _DATETIME.match(text, i)
    if m and not _continues_name(text, m.end()):
        raw = m.group()
        pos = pos_at(text, start)
        if m.group(4) is None:
            return Token(T.DATE, raw, pos, _date(m, raw, text, pos)), m.end()
        if m.group(8) is None:
            # Salesforce requires a zone designator: the datetime is cut short.
            end = pos_at(text, m.end())
            raise SoqlError(
                MALFORMED_QUERY,
                f"line {end.line}:{end.column - 1} no viable alternative at character "
                f"'{text[m.end()] if m.end() < len(text) else '<EOF>'}'",
                text,
                end,
            )
        return Token(T.DATETIME, raw, pos, _datetime(m, raw, text, pos)), m.end()
    m = _NUMBER.match(text, i)
    assert m is not None
    stop = m.end()
    if stop < len(text) and ((text[stop].isascii() and text[stop].isalpha()) or text[stop] in "_."):
        raise _unexpected(text, stop, text[stop])
    return Token(T.NUMBER, m.group(), pos_at(text, start), Decimal(m.group())), stop


def _date(m: re.Match[str], raw: str, text: str, pos: Pos) -> date:
    try:
        value = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise SoqlError(MALFORMED_QUERY, f"Invalid date: {raw}", text, pos) from None
    if not 1700 <= value.year <= 4000:
        raise SoqlError(MALFORMED_QUERY, f"Invalid date: {raw}", text, pos)
    return value


def _datetime(m: re.Match[str], raw: str, text: str, pos: Pos) -> datetime:
    try:
        frac = m.group(7) or ""
        micro = int((frac[1:] + "000000")[:6]) if frac else 0
        zone = m.group(8)
        if zone in ("Z", "z"):
            tz = UTC
        else:
            sign = -1 if zone[0] == "-" else 1
            hh, mm = int(zone[1:3]), int(zone[-2:])
            if hh > 23 or mm > 59:
                raise ValueError("offset")
            tz = timezone(sign * timedelta(hours=hh, minutes=mm))
        value = datetime(
            int(m.group(1)), int(m.group(2)), int(m.group(3)),
            int(m.group(4)), int(m.group(5)), int(m.group(6)), micro, tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        raise SoqlError(MALFORMED_QUERY, f"Invalid datetime: {raw}", text, pos) from None
    if not 1700 <= value.year <= 4000:
        raise SoqlError(MALFORMED_QUERY, f"Invalid datetime: {raw}", text, pos)
    return value.astimezone(UTC)
