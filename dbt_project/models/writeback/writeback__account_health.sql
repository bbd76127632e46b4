{#- A health score (0–100) and a risk flag per Customer account, to be written back to
    Account.Health_Score__c and Account.Risk_Flag__c. Four components of up to 25 points each:
    ARR, open support cases, the sentiment of recent cases, and how far away the renewal is.
    `sfsync_writeback_as_of` (a date) fixes "today" for unit tests; by default it is the day
    the model is built. -#}
{%- set as_of = var('sfsync_writeback_as_of', none) -%}
{%- set today = "date '" ~ as_of ~ "'" if as_of else 'current_date' -%}

with companies as (

    select * from {{ ref('companies') }}

),

cases as (

    select * from {{ ref('support_activities') }}

),

case_signals as (

    select
        cases.account_id,
        count(*) filter (where not cases.is_closed) as open_case_count,
        count(*) filter (
            where not cases.is_closed and cases.sentiment_label = 'negative'
        ) as open_negative_case_count,
        avg(cases.sentiment_score) filter (
            where cases.created_at >= {{ today }} - interval 90 day
        ) as recent_case_sentiment,
    from cases
    group by cases.account_id

),

customers as (

    select
        companies.account_id,
        companies.arr,
        companies.renewal_date,
        coalesce(case_signals.open_case_count, 0) as open_case_count,
        coalesce(case_signals.open_negative_case_count, 0) as open_negative_case_count,
        case_signals.recent_case_sentiment,
        companies.renewal_date - {{ today }} as days_to_renewal,
    from companies
    left join case_signals
        on companies.account_id = case_signals.account_id
    where companies.company_type = 'Customer'

),

scored as (

    select
        customers.*,
        case
            when customers.arr >= 250000 then 25
            when customers.arr >= 100000 then 20
            when customers.arr >= 25000 then 15
            when customers.arr > 0 then 10
            else 5
        end as arr_points,
        case
            when customers.open_case_count = 0 then 25
            when customers.open_case_count <= 2 then 15
            when customers.open_case_count <= 5 then 8
            else 0
        end as open_case_points,
        {#- No recent scored case: slightly below the top, as silence is not praise. -#}
        coalesce(round(25 * (customers.recent_case_sentiment + 1) / 2), 18) as sentiment_points,
        case
            when customers.days_to_renewal is null or customers.days_to_renewal < 0 then 15
            when customers.days_to_renewal <= 30 then 5
            when customers.days_to_renewal <= 90 then 12
            when customers.days_to_renewal <= 180 then 20
            else 25
        end as renewal_points,
    from customers

),

final as (

    select
        scored.account_id,
        cast(
            scored.arr_points + scored.open_case_points + scored.sentiment_points
            + scored.renewal_points as double
        ) as health_score,
        (
            scored.arr_points + scored.open_case_points + scored.sentiment_points
            + scored.renewal_points < 45
        ) or coalesce(
            scored.days_to_renewal between 0 and 90
            and (scored.open_negative_case_count > 0 or scored.recent_case_sentiment < -0.2),
            false
        ) as risk_flag,
        scored.arr_points,
        scored.open_case_points,
        scored.sentiment_points,
        scored.renewal_points,
        scored.open_case_count,
        scored.open_negative_case_count,
        scored.recent_case_sentiment,
        scored.days_to_renewal,
    from scored

)

select * from final
