{#-
    ARR and the renewal date: where each comes from is the config's `sfsync_arr` /
    `sfsync_renewal` (mode none | direct | aggregation). Two steps per metric:

    sfsync_metric_records  the records a metric reads, one row each: for `direct`, every account
                           with the Account field filled; for `aggregation`, every record of the
                           aggregated object matching the filter, with its lookup to Account and
                           its value filled. Currency values are converted to the corporate
                           currency with the CurrencyType rates first (multi-currency orgs).
    sfsync_metric_by_account  the value per account: the field itself (direct) or sum / max /
                           latest over the records, and how many records it used.
-#}

{% macro sfsync_metric_records(metric, metric_name) %}
    {%- set rates = ref('stg_salesforce__currency_types') -%}
    {%- set accounts = ref('stg_salesforce__accounts') -%}
    {%- set is_money = metric.value_kind == 'number' and metric.field_type == 'currency' -%}
    {#- ARR is a number, the renewal a date (a datetime field is cut to its UTC date) -#}
    {%- set value_type = 'date' if metric_name == 'renewal' else 'double' -%}
    {%- set present = {} -%}
    {%- if metric.mode == 'aggregation' -%}
        {%- set present = sfsync_columns_of(sfsync_raw_relation(metric.table)) -%}
    {%- endif %}

with rates as (

    select
        iso_code,
        conversion_rate,
    from {{ rates }}

),

records as (

    {% if metric.mode == 'direct' -%}
    {%- set column = sfsync_identifier(sfsync_staged_name('account', metric.column)) -%}
    select
        accounts.account_id,
        accounts.account_id as record_id,
        'Account' as object_name,
        cast(accounts.{{ column }} as {{ value_type }}) as original_value,
        {{ 'accounts.currency_iso_code' if is_money else 'cast(null as varchar)' }}
            as currency_iso_code,
        cast(null as double) as sort_key,
    from {{ accounts }} as accounts

    {%- elif metric.mode == 'aggregation' and present
             and metric.account_column in present and metric.column in present -%}
    {%- set alias = sfsync_identifier(metric.alias) -%}
    {%- set order_column = metric.order_by_column or metric.column -%}
    select
        cast({{ alias }}.{{ sfsync_identifier(metric.account_column) }} as varchar)
            as account_id,
        cast({{ alias }}.id as varchar) as record_id,
        {{ sfsync_api_name_literal(metric.object) }} as object_name,
        cast({{ alias }}.{{ sfsync_identifier(metric.column) }} as {{ value_type }})
            as original_value,
        {% if is_money and 'currency_iso_code' in present -%}
        cast({{ alias }}.currency_iso_code as varchar)
        {%- else -%}
        cast(null as varchar)
        {%- endif %} as currency_iso_code,
        {{ sfsync_sort_key(alias ~ '.' ~ sfsync_identifier(order_column), present.get(order_column, '')) }}
            as sort_key,
    from {{ sfsync_raw_relation(metric.table) }} as {{ alias }}
    where {{ sfsync_not_deleted(alias, present) }}
        {%- if metric.condition_sql %}
        and ({{ metric.condition_sql }})
        {%- endif %}

    {%- else -%}
    select
        cast(null as varchar) as account_id,
        cast(null as varchar) as record_id,
        cast(null as varchar) as object_name,
        cast(null as {{ value_type }}) as original_value,
        cast(null as varchar) as currency_iso_code,
        cast(null as double) as sort_key,
    where false
    {%- endif %}

),

converted as (

    select
        records.account_id,
        records.record_id,
        records.object_name,
        records.original_value,
        records.currency_iso_code,
        {% if is_money -%}
        {#- No currency on the record: a single-currency org, the value is already in its currency.
            A currency without a rate cannot be converted, and the record is left out. -#}
        case
            when records.currency_iso_code is null then records.original_value
            else records.original_value / rates.conversion_rate
        end
        {%- else -%}
        records.original_value
        {%- endif %} as metric_value,
        records.sort_key,
    from records
    left join rates
        on records.currency_iso_code = rates.iso_code

),

final as (

    select * from converted
    where account_id is not null
        and metric_value is not null

)

select * from final
{% endmacro %}


{#- A number that orders records for `latest`: dates and datetimes by their instant. -#}
{% macro sfsync_sort_key(expression, dtype) %}
    {%- if dtype.startswith('date') or dtype.startswith('timestamp') -%}
        epoch(cast({{ expression }} as timestamptz))
    {%- elif dtype -%}
        cast({{ expression }} as double)
    {%- else -%}
        cast(null as double)
    {%- endif -%}
{% endmacro %}


{% macro sfsync_metric_by_account(metric, records, metric_name, value_column) %}
    {%- set value_type = 'date' if metric_name == 'renewal' else 'double' %}

with records as (

    select * from {{ records }}

),

ranked as (

    {#- latest: the most recent record first, ties broken by the higher id -#}
    select
        records.*,
        row_number() over (
            partition by records.account_id
            order by records.sort_key desc nulls last, records.record_id desc
        ) as recency_rank,
    from records

),

per_account as (

    select
        ranked.account_id,
        {% if metric.mode == 'direct' -%}
        max(ranked.metric_value)
        {%- elif metric.function == 'sum' -%}
        sum(ranked.metric_value)
        {%- elif metric.function == 'max' -%}
        max(ranked.metric_value)
        {%- elif metric.function == 'latest' -%}
        max(case when ranked.recency_rank = 1 then ranked.metric_value end)
        {%- else -%}
        cast(null as {{ value_type }})
        {%- endif %} as {{ value_column }},
        count(*) as {{ metric_name }}_record_count,
    from ranked
    group by ranked.account_id

),

final as (

    select
        per_account.account_id,
        cast(per_account.{{ value_column }} as {{ value_type }}) as {{ value_column }},
        per_account.{{ metric_name }}_record_count,
    from per_account

)

select * from final
{% endmacro %}
