{#- The cases that become support activities: support cases enabled, matching the config's case
    filter, created within the last `last_n_days` days (UTC, counted from the day dbt runs, so
    the window moves with the calendar), and belonging to a synced account. The filter is SQL
    compiled against the raw case table under the alias the vars name, so this step reads the
    raw table itself. -#}
{%- set cfg = sfsync_config() -%}
{%- set cases = cfg.sfsync_support_cases -%}
{%- set raw_cases = source('salesforce', 'case') -%}
{%- set present = sfsync_columns_of(sfsync_raw_relation('case')) if cases.enabled else {} -%}
{%- set alias = sfsync_identifier(cases.alias or 'c') -%}

with accounts as (

    select * from {{ ref('int_accounts_classified') }}

),

selected as (

    {% if cases.enabled and present -%}
    {%- if cases.table != 'case' -%}
        {{ exceptions.raise_compiler_error("sfsync: support cases read table '" ~ cases.table ~ "', expected 'case'") }}
    {%- endif -%}
    select
        cast({{ alias }}.id as varchar) as case_id,
        {{ sfsync_column_or_null(alias, 'account_id', present, 'varchar') }} as account_id,
    from {{ raw_cases }} as {{ alias }}
    where {{ sfsync_not_deleted(alias, present) }}
        {%- if cases.condition_sql %}
        and ({{ cases.condition_sql }})
        {%- endif %}
        {%- if cases.last_n_days %}
        {#- a timestamp bound (midnight UTC), so that DuckDB can skip older row groups -#}
        and {{ alias }}.created_date
            >= cast(current_date - {{ cases.last_n_days | int }} as timestamptz)
        {%- endif %}
    {%- else -%}
    select
        cast(null as varchar) as case_id,
        cast(null as varchar) as account_id,
    where false
    {%- endif %}

),

final as (

    select
        selected.case_id,
        selected.account_id,
    from selected
    inner join accounts
        on selected.account_id = accounts.account_id

)

select * from final
