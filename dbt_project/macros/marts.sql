{#- Helpers for the marts: pass-through columns and sentiment labels. -#}

{#- The columns a mart keeps from one staged relation (the only relation of its select):
    `kept` none keeps every column not in `skip`; a list keeps those raw columns (under their
    staged names, see sfsync_staged_name) that are not in `skip`. Renders a select-list
    fragment ending in a comma, or nothing. -#}
{% macro sfsync_kept_columns(table, kept, skip, alias) %}
    {%- if kept is none -%}
        columns(lambda column_name: column_name not in (
            {%- for name in skip -%}
            {{ sfsync_name_literal(name) }}{{ ", " if not loop.last }}
            {%- endfor -%}
        )),
    {%- else -%}
        {%- set emitted = [] -%}
        {%- for raw in kept -%}
            {%- set name = sfsync_staged_name(table, raw) -%}
            {%- if name not in skip and name not in emitted -%}
                {%- do emitted.append(name) %}
        {{ alias }}.{{ sfsync_identifier(name) }},
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}


{#- positive / negative / neutral by VADER's thresholds (pipelines.transform.sentiment). -#}
{% macro sfsync_sentiment_label(score) %}
    case
        when {{ score }} >= 0.05 then 'positive'
        when {{ score }} <= -0.05 then 'negative'
        when {{ score }} is not null then 'neutral'
    end
{%- endmacro %}
