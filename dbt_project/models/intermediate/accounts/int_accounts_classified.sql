{#- Which accounts are synced, and as which type. An account takes the type of the first account
    filter it matches (single mode: one Customer filter); accounts matching none are not synced.
    The filters are SQL compiled by pipelines.soql from the admins' SOQL and written against the
    raw account table under the alias the vars name, so this step reads the raw table itself
    (DECISIONLOG.md, "Filters run on the raw tables"). -#}
{%- set cfg = sfsync_config() -%}
{%- set account_types = cfg.sfsync_account_types -%}
{%- set alias = sfsync_identifier(cfg.sfsync_account_alias) -%}
{%- set raw_accounts = source('salesforce', 'account') -%}
{%- set raw_columns = sfsync_columns_of(sfsync_raw_relation('account')) -%}

with account_types as (

    {% if account_types -%}
    select * from (
        values
        {%- for account_type in account_types %}
        ({{ account_type.position | int }}, {{ account_type.type_sql }})
            {{- "," if not loop.last }}
        {%- endfor %}
    ) as account_types (type_position, company_type)
    {%- else -%}
    select
        cast(null as integer) as type_position,
        cast(null as varchar) as company_type,
    where false
    {%- endif %}

),

first_matches as (

    {% if account_types and raw_columns -%}
    select
        cast({{ alias }}.id as varchar) as account_id,
        case
            {%- for account_type in account_types %}
            when {{ account_type.condition_sql }} then {{ account_type.position | int }}
            {%- endfor %}
        end as type_position,
    from {{ raw_accounts }} as {{ alias }}
    where {{ sfsync_not_deleted(alias, raw_columns) }}
    {%- else -%}
    select
        cast(null as varchar) as account_id,
        cast(null as integer) as type_position,
    where false
    {%- endif %}

),

final as (

    select
        first_matches.account_id,
        account_types.company_type,
        first_matches.type_position,
    from first_matches
    inner join account_types
        on first_matches.type_position = account_types.type_position

)

select * from final
