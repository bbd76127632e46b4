{#- Support cases of synced accounts that match the config's case filter and window, one row per
    case: status, priority, the thread in figures (length, first and last message) and the
    case's sentiment, plus the whitelisted case fields. Empty when support cases are off. -#}
{{ config(
    materialized='incremental',
    unique_key='case_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set computed = [
    'case_id', 'case_number', 'account_id', 'contact_id', 'subject', 'status', 'priority',
    'is_closed', 'created_at', 'closed_at', 'conversation_source', 'thread_length',
    'inbound_message_count', 'outbound_message_count', 'internal_message_count',
    'first_message_at', 'last_message_at', 'sentiment_score', 'sentiment_label',
    'scored_message_count', 'system_modstamp',
] -%}

{% call sfsync_reconciled('case_id', ['system_modstamp', 'account_id', 'conversation_source', 'thread_length', 'inbound_message_count', 'outbound_message_count', 'internal_message_count', 'first_message_at', 'last_message_at', 'sentiment_score', 'sentiment_label', 'scored_message_count'], cfg) %}
with selected as (

    select * from {{ ref('int_support_cases_filtered') }}

),

cases as (

    select * from {{ ref('stg_salesforce__cases') }}

),

threads as (

    select * from {{ ref('int_support_threads_summarized') }}

),

enriched as (

    select
        threads.conversation_source,
        coalesce(threads.thread_length, 0) as thread_length,
        coalesce(threads.inbound_message_count, 0) as inbound_message_count,
        coalesce(threads.outbound_message_count, 0) as outbound_message_count,
        coalesce(threads.internal_message_count, 0) as internal_message_count,
        threads.first_message_at,
        threads.last_message_at,
        threads.sentiment_score,
        threads.sentiment_label,
        coalesce(threads.scored_message_count, 0) as scored_message_count,
        cases.*,
    from selected
    inner join cases
        on selected.case_id = cases.case_id
    left join threads
        on selected.case_id = threads.case_id

),

final as (

    select
        enriched.case_id,
        enriched.case_number,
        enriched.account_id,
        enriched.contact_id,
        enriched.subject,
        enriched.status,
        enriched.priority,
        enriched.is_closed,
        enriched.created_at,
        enriched.closed_at,
        enriched.conversation_source,
        enriched.thread_length,
        enriched.inbound_message_count,
        enriched.outbound_message_count,
        enriched.internal_message_count,
        enriched.first_message_at,
        enriched.last_message_at,
        enriched.sentiment_score,
        enriched.sentiment_label,
        enriched.scored_message_count,
        enriched.system_modstamp,
        {{ sfsync_kept_columns('case', cfg.sfsync_support_cases.columns, computed, 'enriched') }}
    from enriched

)

select * from final
{% endcall %}
