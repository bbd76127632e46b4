{#- Per selected case, its thread in figures: how many messages (by direction), the first and
    last message times, and the case's sentiment: the mean score of the customer's (inbound)
    messages, weighted by their order (the k-th inbound message counts k times), so that
    where the conversation ended up counts more than how it started. -#}

with messages as (

    select * from {{ ref('int_support_messages_threaded') }}

),

scores as (

    select * from {{ ref('int_support_messages_scored') }}

),

scored_messages as (

    select
        messages.case_id,
        messages.conversation_source,
        messages.direction,
        messages.message_position,
        messages.message_at,
        scores.sentiment_score,
    from messages
    left join scores
        on messages.message_id = scores.message_id
        and messages.body_hash = scores.body_hash

),

inbound_ranked as (

    select
        scored_messages.case_id,
        scored_messages.sentiment_score,
        row_number() over (
            partition by scored_messages.case_id
            order by scored_messages.message_position
        ) as inbound_rank,
    from scored_messages
    where scored_messages.direction = 'inbound'
        and scored_messages.sentiment_score is not null

),

case_sentiment as (

    select
        inbound_ranked.case_id,
        sum(inbound_ranked.sentiment_score * inbound_ranked.inbound_rank)
            / sum(inbound_ranked.inbound_rank) as sentiment_score,
        count(*) as scored_message_count,
    from inbound_ranked
    group by inbound_ranked.case_id

),

thread_figures as (

    select
        scored_messages.case_id,
        min(scored_messages.conversation_source) as conversation_source,
        count(*) as thread_length,
        count(*) filter (where scored_messages.direction = 'inbound') as inbound_message_count,
        count(*) filter (where scored_messages.direction = 'outbound') as outbound_message_count,
        count(*) filter (where scored_messages.direction = 'internal') as internal_message_count,
        min(scored_messages.message_at) as first_message_at,
        max(scored_messages.message_at) as last_message_at,
    from scored_messages
    group by scored_messages.case_id

),

final as (

    select
        thread_figures.*,
        case_sentiment.sentiment_score,
        {{ sfsync_sentiment_label('case_sentiment.sentiment_score') }} as sentiment_label,
        coalesce(case_sentiment.scored_message_count, 0) as scored_message_count,
    from thread_figures
    left join case_sentiment
        on thread_figures.case_id = case_sentiment.case_id

)

select * from final
