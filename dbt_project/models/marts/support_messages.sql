{#- The thread of every support activity, one row per message from the configured conversation
    source (case comments or emails), in order, with its direction and sentiment. -#}
{{ config(
    materialized='incremental',
    unique_key='message_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}
{%- set cfg = sfsync_config() -%}


{% call sfsync_reconciled('message_id', ['case_id', 'account_id', 'conversation_source', 'direction', 'message_position', 'message_at', 'body_hash', 'sentiment_score', 'sentiment_label'], cfg) %}
with messages as (

    select * from {{ ref('int_support_messages_threaded') }}

),

scores as (

    select * from {{ ref('int_support_messages_scored') }}

),

final as (

    select
        messages.message_id,
        messages.case_id,
        messages.account_id,
        messages.conversation_source,
        messages.direction,
        messages.message_position,
        messages.message_at,
        messages.body,
        messages.body_hash,
        scores.sentiment_score,
        scores.sentiment_label,
    from messages
    left join scores
        on messages.message_id = scores.message_id
        and messages.body_hash = scores.body_hash

)

select * from final
{% endcall %}
