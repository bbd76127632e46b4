{#- Salesforce Ids that stage more than once: one row per repeated key, naming the model.

    Each staging key used to be a `unique` test of its own; they are one test because a build
    runs every test as a node, and dbt's work per node costs more than these eight scans (see
    DECISIONLOG.md, "A key is tested once, where it ends up"). The loader never writes a row
    without its Id, so nulls are not looked for. -#}
{%- set keys = [
    ('stg_salesforce__accounts', 'account_id'),
    ('stg_salesforce__contacts', 'contact_id'),
    ('stg_salesforce__opportunities', 'opportunity_id'),
    ('stg_salesforce__users', 'user_id'),
    ('stg_salesforce__cases', 'case_id'),
    ('stg_salesforce__case_comments', 'case_comment_id'),
    ('stg_salesforce__email_messages', 'email_message_id'),
    ('stg_salesforce__currency_types', 'iso_code'),
] %}

{% for model, key in keys -%}
select
    '{{ model }}' as model_name,
    cast({{ key }} as varchar) as key_value,
    count(*) as occurrences,
from {{ ref(model) }}
group by {{ key }}
having count(*) > 1
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
