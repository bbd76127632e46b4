{#- Records of the config's custom objects, attached to the synced Account or Contact they
    match, with the object's display name and its whitelisted fields (`fields`, a JSON object
    keyed by warehouse column name). -#}
{{ config(
    materialized='incremental',
    unique_key='record_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}
{%- set cfg = sfsync_config() -%}


{% call sfsync_reconciled('record_id', ['system_modstamp', 'account_id', 'contact_id'], cfg) %}
with records as (

    select * from {{ ref('int_related_records_matched') }}

),

final as (

    select
        records.record_id,
        records.object_name,
        records.display_name,
        records.entity_type,
        records.account_id,
        records.contact_id,
        records.record_name,
        records.fields,
        records.created_at,
        records.last_modified_at,
        records.system_modstamp,
    from records

)

select * from final
{% endcall %}
