{#- One row per synced-or-not account and owner type whose User lookup is filled: the config's
    owner mapping (Account.OwnerId → Account Owner, Account.CSM__c → CSM, ...) unpivoted.
    A view: account_owners reads it once, and writing a row per account and owner type on
    every build (and checkpointing it) cost more than the unpivot. -#}
{{ config(materialized='view') }}
{%- set cfg = sfsync_config() -%}
{%- set owners = cfg.sfsync_owner_mapping -%}

with accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

mapped as (

    {% for owner in owners -%}
    select
        accounts.account_id,
        {{ owner.owner_type_sql }} as owner_type,
        {{ loop.index }} as owner_position,
        {{ 'true' if owner.is_standard_type else 'false' }} as is_standard_owner_type,
        {{ sfsync_api_name_literal(owner.field) }} as owner_field,
        cast(
            accounts.{{ sfsync_identifier(sfsync_staged_name('account', owner.column)) }}
            as varchar
        ) as user_id,
    from accounts
    {% if not loop.last %}
    union all
    {% endif %}
    {%- else -%}
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as owner_type,
        cast(null as integer) as owner_position,
        cast(null as boolean) as is_standard_owner_type,
        cast(null as varchar) as owner_field,
        cast(null as varchar) as user_id,
    where false
    {%- endfor %}

),

final as (

    select * from mapped
    where user_id is not null

)

select * from final
