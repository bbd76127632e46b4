{#- Keys that are null or occur more than once: `column_name` (a column's test) or `columns`
    (a model's grain) is the model's primary key. One scan instead of a `not_null` and a
    `unique` test each: a build runs every test as a node of its own, and the node, not its
    query, is what a test costs in a periodic build. -#}
{% test primary_key(model, column_name=none, columns=none) %}
{%- set keys = columns if columns else [column_name] -%}

select
    {{ keys | join(', ') }},
    count(*) as occurrences,
from {{ model }}
group by {{ keys | join(', ') }}
having count(*) > 1
    {%- for key in keys %}
    or {{ key }} is null
    {%- endfor %}

{% endtest %}
