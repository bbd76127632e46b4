{#- One row per synced account: its type, name and kept fields, ARR and the renewal date with
    where each came from, and the currency amounts are reported in. -#}
{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set arr = cfg.sfsync_arr -%}
{%- set renewal = cfg.sfsync_renewal -%}
{%- set computed = [
    'account_id', 'account_name', 'company_type', 'arr', 'arr_source', 'arr_record_count',
    'renewal_date', 'renewal_source', 'renewal_record_count', 'reporting_currency',
    'system_modstamp',
] -%}

{% call sfsync_reconciled('account_id', ['system_modstamp', 'company_type', 'arr', 'arr_record_count', 'renewal_date', 'renewal_record_count', 'reporting_currency'], cfg) %}
with accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

classified as (

    select * from {{ ref('int_accounts_classified') }}

),

arr as (

    select * from {{ ref('int_arr_computed') }}

),

renewals as (

    select * from {{ ref('int_renewals_computed') }}

),

currencies as (

    select * from {{ ref('stg_salesforce__currency_types') }}

),

corporate_currency as (

    {#- Multi-currency orgs only; a single-currency org's currency is not in its data. -#}
    select min(currencies.iso_code) as reporting_currency,
    from currencies
    where currencies.is_corporate

),

enriched as (

    select
        classified.company_type,
        arr.arr,
        {{ arr.source_label_sql if arr.enabled else "'none'" }} as arr_source,
        {% if arr.mode == 'aggregation' -%}
        coalesce(arr.arr_record_count, 0)
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as arr_record_count,
        renewals.renewal_date,
        {{ renewal.source_label_sql if renewal.enabled else "'none'" }} as renewal_source,
        {% if renewal.mode == 'aggregation' -%}
        coalesce(renewals.renewal_record_count, 0)
        {%- else -%}
        cast(null as bigint)
        {%- endif %} as renewal_record_count,
        corporate_currency.reporting_currency,
        accounts.*,
    from classified
    inner join accounts
        on classified.account_id = accounts.account_id
    left join arr
        on classified.account_id = arr.account_id
    left join renewals
        on classified.account_id = renewals.account_id
    cross join corporate_currency

),

final as (

    select
        enriched.account_id,
        enriched.account_name,
        enriched.company_type,
        enriched.arr,
        enriched.arr_source,
        enriched.arr_record_count,
        enriched.renewal_date,
        enriched.renewal_source,
        enriched.renewal_record_count,
        enriched.reporting_currency,
        enriched.system_modstamp,
        {{ sfsync_kept_columns('account', cfg.sfsync_account_columns, computed, 'enriched') }}
    from enriched

)

select * from final
{% endcall %}
