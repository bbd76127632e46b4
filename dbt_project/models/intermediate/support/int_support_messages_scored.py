"""Sentiment per support message, scored once.

Incremental: a message is scored when it is new, when its text changed (``body_hash``) or when
the scorer changed (the support word list in seeds/support_sentiment_terms.csv, or VADER); every
other message keeps the score it has. The scorer is pipelines.transform.sentiment (VADER plus
the word list, offline).
"""

from datetime import UTC, datetime

import pyarrow as pa

from pipelines.transform.sentiment import SupportSentiment, sentiment_label, terms_from_rows

SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("body_hash", pa.string()),
        ("scorer_version", pa.string()),
        ("sentiment_score", pa.float64()),
        ("sentiment_label", pa.string()),
        ("scored_at", pa.timestamp("us", tz="UTC")),
    ]
)


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="message_id", on_schema_change="append_new_columns"
    )

    terms = terms_from_rows(dbt.ref("support_sentiment_terms").fetchall())
    scorer = SupportSentiment.from_terms(terms)

    messages = dbt.ref("int_support_messages_threaded").set_alias("messages")
    if dbt.is_incremental:
        version = scorer.version.replace("'", "")
        messages = messages.filter(
            f"not exists (select 1 from {dbt.this} as scored "
            "where scored.message_id = messages.message_id "
            "and scored.body_hash = messages.body_hash "
            f"and scored.scorer_version = '{version}')"
        )
    rows = messages.select("message_id, body_hash, body").fetch_arrow_table()

    scores = scorer.score_many(rows.column("body").to_pylist())
    scored_at = datetime.now(UTC)
    return pa.table(
        {
            "message_id": rows.column("message_id"),
            "body_hash": rows.column("body_hash"),
            "scorer_version": pa.array([scorer.version] * rows.num_rows, pa.string()),
            "sentiment_score": pa.array(scores, pa.float64()),
            "sentiment_label": pa.array([sentiment_label(s) for s in scores], pa.string()),
            "scored_at": pa.array([scored_at] * rows.num_rows, pa.timestamp("us", tz="UTC")),
        },
        schema=SCHEMA,
    )
