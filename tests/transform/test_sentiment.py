"""The support-message scorer: VADER with the support word list."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.transform.sentiment import (
    SentimentTerm,
    SupportSentiment,
    load_terms,
    sentiment_label,
    strip_quoted,
    terms_from_rows,
)


@pytest.fixture(scope="module")
def scorer() -> SupportSentiment:
    return SupportSentiment.from_file()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("URGENT: production is down!!! we need help ASAP", "negative"),
        ("The export is not working and nobody has responded in 4 days.", "negative"),
        ("This is the third time this month and it is ridiculous.", "negative"),
        ("Fix this today or we will escalate to our account executive.", "negative"),
        ("Thanks, the workaround resolved it", "positive"),
        ("Huge thanks, the fix worked perfectly!", "positive"),
        ("Please find the logs attached.", "neutral"),
    ],
)
def test_support_language_is_read_the_way_support_teams_mean_it(
    scorer: SupportSentiment, text: str, label: str
) -> None:
    assert sentiment_label(scorer.score(text)) == label


def test_the_word_list_changes_what_vader_alone_would_say() -> None:
    plain = SupportSentiment([])
    tuned = SupportSentiment([SentimentTerm("down", -1.5), SentimentTerm("asap", -1.0),
                              SentimentTerm("help", 0.0)])  # fmt: skip
    text = "URGENT: production is down!!! we need help ASAP"
    assert plain.score(text) is not None and plain.score(text) > 0  # type: ignore[operator]
    assert tuned.score(text) is not None and tuned.score(text) < 0  # type: ignore[operator]


def test_phrases_are_scored_as_one_term_whatever_the_spacing_and_case() -> None:
    scorer = SupportSentiment([SentimentTerm("not working", -3.0)])
    assert scorer.score("It is NOT   working") == scorer.score("it is not working")
    assert scorer.score("it is not working") < -0.5  # type: ignore[operator]
    assert scorer.score("the networking is fine") == SupportSentiment([]).score(
        "the networking is fine"
    )


def test_quoted_replies_are_not_the_writers_words() -> None:
    text = "Thanks, all good now.\n\nOn Mon, 2 Jun 2026, Sam wrote:\n> this is a disaster"
    assert strip_quoted(text).strip() == "Thanks, all good now."
    assert strip_quoted("fine\n> awful\nok") == "fine\n\nok"


def test_no_words_no_score(scorer: SupportSentiment) -> None:
    assert scorer.score(None) is None
    assert scorer.score("  \n ") is None
    assert scorer.score("> only a quote") is None
    assert sentiment_label(None) is None


def test_labels_use_vaders_thresholds() -> None:
    assert sentiment_label(0.05) == "positive"
    assert sentiment_label(0.049) == "neutral"
    assert sentiment_label(-0.05) == "negative"


def test_the_version_follows_the_word_list() -> None:
    a = SupportSentiment([SentimentTerm("down", -1.5)])
    b = SupportSentiment([SentimentTerm("down", -2.0)])
    assert a.version != b.version
    assert a.version == SupportSentiment([SentimentTerm("down", -1.5)]).version


def test_the_project_word_list_loads_and_bad_rows_are_named(tmp_path: Path) -> None:
    terms = load_terms()
    assert any(t.term == "outage" and t.valence < 0 for t in terms)
    assert any(" " in t.term for t in terms)
    with pytest.raises(ValueError, match=r"row 2 .*'broken'.*not a number"):
        terms_from_rows([("fine", "1"), ("broken", "very")])
    with pytest.raises(ValueError, match="outside"):
        terms_from_rows([("doom", "-9")])
    with pytest.raises(ValueError, match="row 1: the term is empty"):
        terms_from_rows([("", "1")])
    file = tmp_path / "terms.csv"
    file.write_text("term,valence\n  Escalate  ,-2\nescalate,-3\n", encoding="utf-8")
    assert load_terms(file) == (SentimentTerm("escalate", -3.0),)
