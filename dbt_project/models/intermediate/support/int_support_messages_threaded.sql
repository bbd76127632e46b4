{#- The conversation of each selected case, from the configured source, in order:
    CaseComment (comment_body, created_at) or EmailMessage (text_body, message_at).
    Direction: an email is inbound when Incoming is set; a comment is internal when it is not
    published, outbound when a standard (internal) user wrote it, and inbound otherwise
    (community and portal users: the customer). `body_hash` lets the sentiment model score each
    message text once.

    Which messages changed is decided from the source record's system_modstamp (Salesforce
    bumps it on every edit), not from the text, so that the comparison reads no message body;
    the hash is computed for the changed messages only. A raw table synced without
    SystemModstamp falls back to comparing the hash. -#}
{{ config(
    materialized='incremental',
    unique_key='message_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set cases_cfg = cfg.sfsync_support_cases -%}
{%- set comments_relation = ref('stg_salesforce__case_comments') -%}
{%- set emails_relation = ref('stg_salesforce__email_messages') -%}
{%- set users_relation = ref('stg_salesforce__users') -%}
{%- set source_table = cases_cfg.conversation_table if cases_cfg.enabled else none -%}
{%- if source_table not in [none, 'case_comment', 'email_message'] -%}
    {{ exceptions.raise_compiler_error("sfsync: no conversation model for raw table '" ~ source_table ~ "'") }}
{%- endif -%}
{%- if source_table is not none -%}
    {%- set body = sfsync_identifier(sfsync_staged_name(source_table, cases_cfg.conversation_body_column)) -%}
    {%- set sent_at = sfsync_identifier(sfsync_staged_name(source_table, cases_cfg.conversation_time_column)) -%}
{%- endif %}
{%- set has_modstamp = source_table is not none
      and 'system_modstamp' in sfsync_columns_of(sfsync_raw_relation(source_table)) %}

{% call sfsync_reconciled('message_id', [
    'case_id', 'account_id', 'conversation_source', 'direction', 'message_position',
    'message_at', 'system_modstamp' if has_modstamp else 'body_hash',
], cfg) %}
with cases as (

    select * from {{ ref('int_support_cases_filtered') }}

),

messages as (

    {% if source_table == 'case_comment' -%}
    select
        comments.case_comment_id as message_id,
        comments.case_id,
        'CaseComment' as conversation_source,
        case
            when not coalesce(comments.is_published, true) then 'internal'
            when users.user_type = 'Standard' then 'outbound'
            else 'inbound'
        end as direction,
        comments.{{ sent_at }} as message_at,
        comments.{{ body }} as body,
        comments.system_modstamp,
    from {{ comments_relation }} as comments
    left join {{ users_relation }} as users
        on comments.created_by_id = users.user_id

    {%- elif source_table == 'email_message' -%}
    {%- set incoming = sfsync_identifier(sfsync_staged_name(source_table, cases_cfg.conversation_incoming_column or 'incoming')) %}
    select
        emails.email_message_id as message_id,
        emails.case_id,
        'EmailMessage' as conversation_source,
        case when emails.{{ incoming }} then 'inbound' else 'outbound' end as direction,
        coalesce(emails.{{ sent_at }}, emails.created_at) as message_at,
        emails.{{ body }} as body,
        emails.system_modstamp,
    from {{ emails_relation }} as emails

    {%- else -%}
    select
        cast(null as varchar) as message_id,
        cast(null as varchar) as case_id,
        cast(null as varchar) as conversation_source,
        cast(null as varchar) as direction,
        cast(null as timestamptz) as message_at,
        cast(null as varchar) as body,
        cast(null as timestamptz) as system_modstamp,
    where false
    {%- endif %}

),

threaded as (

    select
        messages.message_id,
        messages.case_id,
        cases.account_id,
        messages.conversation_source,
        messages.direction,
        row_number() over (
            partition by messages.case_id
            order by messages.message_at, messages.message_id
        ) as message_position,
        messages.message_at,
        messages.body,
        md5(coalesce(messages.body, '')) as body_hash,
        messages.system_modstamp,
    from messages
    inner join cases
        on messages.case_id = cases.case_id

)

select * from threaded
{% endcall %}
