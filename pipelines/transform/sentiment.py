"""Sentiment of support messages: VADER with a support word list, offline.

VADER (``vaderSentiment``, which ships its lexicon) reads general English well and support
language badly: "URGENT: production is down!!! we need help ASAP" scores +0.73. The support word
list, ``dbt_project/seeds/support_sentiment_terms.csv``, sets the valence of words VADER does not
know or misreads (``outage`` -2.5, ``help`` 0) and of phrases (``not working`` -2.0), whose words
are joined into one token before scoring so that VADER sees them as one term::

    scorer = SupportSentiment.from_file()
    scorer.score("Production is down again, please escalate")   # -0.8
    sentiment_label(0.02)                                       # 'neutral'

A message's score is VADER's compound score (-1 … +1); labels use VADER's usual thresholds
(±0.05). Quoted replies (lines starting with ``>``, and everything after an ``On … wrote:``
line) are not the writer's words and are dropped first.

``scorer.version`` changes whenever the word list (or VADER) does: the dbt model that stores
message scores rescores every message when it changes, and only new or edited messages otherwise.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TERMS_FILE = (
    Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "support_sentiment_terms.csv"
)
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
MAX_VALENCE = 4.0

_QUOTED_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_REPLY_HEADER = re.compile(r"^\s*On .{0,200}wrote:\s*$", re.MULTILINE)


@dataclass(frozen=True)
class SentimentTerm:
    """A word or phrase of the support word list and the valence VADER should give it."""

    term: str
    valence: float


def load_terms(path: str | Path | None = None) -> tuple[SentimentTerm, ...]:
    """The word list in ``path`` (default: the dbt project's seed), as a CSV of term,valence."""
    file = Path(path) if path is not None else TERMS_FILE
    with file.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return terms_from_rows((row.get("term"), row.get("valence")) for row in rows)


def terms_from_rows(rows: Iterable[tuple[object, object]]) -> tuple[SentimentTerm, ...]:
    """Validated terms from ``(term, valence)`` pairs (a seed table's rows, a CSV's lines)."""
    found: dict[str, SentimentTerm] = {}
    for number, (term, valence) in enumerate(rows, start=1):
        text = " ".join(str(term or "").lower().split())
        if not text:
            raise ValueError(f"support sentiment terms, row {number}: the term is empty")
        try:
            value = float(str(valence))
        except ValueError:
            raise ValueError(
                f"support sentiment terms, row {number} ({text!r}): valence {valence!r} "
                "is not a number"
            ) from None
        if not -MAX_VALENCE <= value <= MAX_VALENCE:
            raise ValueError(
                f"support sentiment terms, row {number} ({text!r}): valence {value} is outside "
                f"-{MAX_VALENCE:g} … +{MAX_VALENCE:g}"
            )
        found[text] = SentimentTerm(text, value)
    return tuple(sorted(found.values(), key=lambda t: t.term))


def sentiment_label(score: float | None) -> str | None:
    """``positive`` / ``negative`` / ``neutral`` by VADER's thresholds; ``None`` for no score."""
    if score is None:
        return None
    if score >= POSITIVE_THRESHOLD:
        return "positive"
    if score <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def strip_quoted(text: str) -> str:
    """The writer's own words: quoted lines and everything from an ``On … wrote:`` line on go."""
    header = _REPLY_HEADER.search(text)
    if header is not None:
        text = text[: header.start()]
    return _QUOTED_LINE.sub("", text)


class SupportSentiment:
    """A VADER analyser with the support word list laid over its lexicon."""

    def __init__(self, terms: Sequence[SentimentTerm]) -> None:
        self.terms = tuple(terms)
        self._analyzer = SentimentIntensityAnalyzer()
        lexicon = dict(self._analyzer.lexicon)
        phrases: dict[str, str] = {}
        for t in self.terms:
            words = t.term.split()
            if len(words) == 1:
                lexicon[words[0]] = t.valence
            else:
                token = "_".join(words)
                lexicon[token] = t.valence
                phrases[t.term] = token
        self._analyzer.lexicon = lexicon
        self._phrase_tokens = phrases
        self._phrases = (
            re.compile(
                r"(?<![\w'])("
                + "|".join(
                    r"\s+".join(re.escape(w) for w in p.split())
                    for p in sorted(phrases, key=len, reverse=True)
                )
                + r")(?![\w'])",
                re.IGNORECASE,
            )
            if phrases
            else None
        )
        digest = hashlib.sha256(f"vader {_vader_version()}\n".encode())
        for t in self.terms:
            digest.update(f"{t.term}\t{t.valence!r}\n".encode())
        self.version = digest.hexdigest()[:16]

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> SupportSentiment:
        return _scorer(load_terms(path))

    @classmethod
    def from_terms(cls, terms: Sequence[SentimentTerm]) -> SupportSentiment:
        return _scorer(tuple(terms))

    def score(self, text: str | None) -> float | None:
        """VADER's compound score of ``text`` (-1 … +1); ``None`` when there are no words."""
        if text is None:
            return None
        own = strip_quoted(text)
        if not own.strip():
            return None
        if self._phrases is not None:
            own = self._phrases.sub(self._join_phrase, own)
        return float(self._analyzer.polarity_scores(own)["compound"])

    def score_many(self, texts: Iterable[str | None]) -> list[float | None]:
        return [self.score(t) for t in texts]

    def _join_phrase(self, match: re.Match[str]) -> str:
        return self._phrase_tokens[" ".join(match.group(0).lower().split())]


@cache
def _scorer(terms: tuple[SentimentTerm, ...]) -> SupportSentiment:
    return SupportSentiment(terms)


def _vader_version() -> str:
    try:
        return metadata.version("vaderSentiment")
    except metadata.PackageNotFoundError:
        return "unknown"
