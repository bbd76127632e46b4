{#- The contacts of synced accounts. Contact fields the config excludes are absent; the
    additional fields it maps become custom fields, columns named custom_<name> (the name's
    snake_case form: "Preferred Language" → custom_preferred_language). system_modstamp is
    always kept: it is how the incremental build sees which contacts changed. -#}
{{ config(
    materialized='incremental',
    unique_key='contact_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set skip = ['contact_id', 'account_id', 'system_modstamp'] -%}
{%- for raw in cfg.sfsync_contact_excluded_columns -%}
    {%- do skip.append(sfsync_staged_name('contact', raw)) -%}
{%- endfor %}

{% call sfsync_reconciled('contact_id', ['system_modstamp'], cfg) %}
with contacts as (

    select * from {{ ref('stg_salesforce__contacts') }}

),

accounts as (

    select * from {{ ref('int_accounts_classified') }}

),

synced as (

    select contacts.*,
    from contacts
    inner join accounts
        on contacts.account_id = accounts.account_id

),

final as (

    select
        synced.contact_id,
        synced.account_id,
        synced.system_modstamp,
        {{ sfsync_kept_columns('contact', none, skip, 'synced') }}
        {%- for field in cfg.sfsync_contact_additional_fields %}
        synced.{{ sfsync_identifier(sfsync_staged_name('contact', field.column)) }}
            as {{ sfsync_identifier('custom_' ~ field.name_column) }},
        {%- endfor %}
    from synced

)

select * from final
{% endcall %}
