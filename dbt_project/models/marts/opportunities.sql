{#- The opportunities of synced accounts, with the amount converted to the corporate currency in
    multi-currency orgs (converted_amount, in reporting_currency) and the kept fields. -#}
{{ config(
    materialized='incremental',
    unique_key='opportunity_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set computed = [
    'opportunity_id', 'account_id', 'opportunity_name', 'type', 'stage_name', 'amount',
    'currency_iso_code', 'converted_amount', 'reporting_currency', 'close_date', 'is_won',
    'is_closed', 'owner_id', 'system_modstamp',
] -%}

{% call sfsync_reconciled('opportunity_id', ['system_modstamp', 'converted_amount', 'reporting_currency'], cfg) %}
with opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

accounts as (

    select * from {{ ref('int_accounts_classified') }}

),

currencies as (

    select * from {{ ref('stg_salesforce__currency_types') }}

),

corporate_currency as (

    select min(currencies.iso_code) as reporting_currency,
    from currencies
    where currencies.is_corporate

),

enriched as (

    select
        case
            when opportunities.currency_iso_code is null then opportunities.amount
            else opportunities.amount / currencies.conversion_rate
        end as converted_amount,
        corporate_currency.reporting_currency,
        opportunities.*,
    from opportunities
    inner join accounts
        on opportunities.account_id = accounts.account_id
    left join currencies
        on opportunities.currency_iso_code = currencies.iso_code
    cross join corporate_currency

),

final as (

    select
        enriched.opportunity_id,
        enriched.account_id,
        enriched.opportunity_name,
        enriched.type,
        enriched.stage_name,
        enriched.amount,
        enriched.currency_iso_code,
        enriched.converted_amount,
        enriched.reporting_currency,
        enriched.close_date,
        enriched.is_won,
        enriched.is_closed,
        enriched.owner_id,
        enriched.system_modstamp,
        {{ sfsync_kept_columns('opportunity', cfg.sfsync_opportunity_columns, computed, 'enriched') }}
    from enriched

)

select * from final
{% endcall %}
