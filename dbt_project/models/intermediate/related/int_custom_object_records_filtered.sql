{#- The records of the config's custom objects that match each object's filter, one row per
    record, whatever the object: its lookup to the Account or Contact it belongs to
    (`matched_id`) and its whitelisted fields as one JSON object (raw column names as keys;
    every column when the object has no whitelist). The objects are the admins' list, so the
    raw tables are read by name; an object not synced yet has no rows.

    Incremental like the marts (macros/reconcile.sql), with one difference: which records
    changed is decided from their id and system_modstamp alone, and the JSON is built only for
    those, since building it for every record is what a rebuild would cost. A full build writes
    the records in key order, as the macro does, so that the table's row groups are full. -#}
{{ config(
    materialized='incremental',
    unique_key='record_id',
    incremental_strategy='sfsync_reconcile',
    on_schema_change='sync_all_columns',
) }}

{%- set cfg = sfsync_config() -%}
{%- set config_hash = sfsync_string_literal(cfg.sfsync_config_hash or 'none') -%}
{%- set objects = [] -%}
{%- for custom_object in cfg.sfsync_custom_objects -%}
    {%- set relation = sfsync_raw_relation(custom_object.table) -%}
    {%- if custom_object.entity_type not in ['Account', 'Contact'] -%}
        {{ exceptions.raise_compiler_error("sfsync: entity type '" ~ custom_object.entity_type ~ "' is neither Account nor Contact") }}
    {%- endif -%}
    {%- if relation is not none -%}
        {%- do objects.append({
            'config': custom_object,
            'relation': relation,
            'present': sfsync_columns_of(relation),
        }) -%}
    {%- endif -%}
{%- endfor -%}
{%- set incremental = is_incremental() and this is not none
      and 'sfsync_config_hash' in sfsync_columns_of(this) %}

with
{% for item in objects -%}
{%- set custom_object = item.config -%}
{%- set alias = sfsync_identifier(custom_object.alias) -%}
matching_{{ loop.index }} as (

    select
        {{ loop.index }} as object_position,
        cast({{ alias }}.id as varchar) as record_id,
        {{ sfsync_column_or_null(alias, 'system_modstamp', item.present, 'timestamptz') }}
            as system_modstamp,
    from {{ item.relation }} as {{ alias }}
    where {{ sfsync_not_deleted(alias, item.present) }}
        {%- if custom_object.condition_sql %}
        and ({{ custom_object.condition_sql }})
        {%- endif %}

),

{% endfor -%}
matching as not materialized (

    {% for item in objects -%}
    select * from matching_{{ loop.index }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- else -%}
    select
        cast(null as integer) as object_position,
        cast(null as varchar) as record_id,
        cast(null as timestamptz) as system_modstamp,
    where false
    {%- endfor %}

),

changed as (

    select matching.*
    from matching
    {%- if incremental %}
    where not exists (
        select 1
        from {{ this }} as stored
        where stored.record_id = matching.record_id
            and stored.sfsync_config_hash = {{ config_hash }}
            and stored.system_modstamp is not distinct from matching.system_modstamp
    )
    {%- endif %}

),

{% for item in objects -%}
{%- set custom_object = item.config -%}
{%- set present = item.present -%}
{%- set alias = sfsync_identifier(custom_object.alias) -%}
{%- set fields = [] -%}
{%- for name in (custom_object.columns if custom_object.columns is not none else present) -%}
    {%- if name in present and name not in ['id', 'is_deleted'] and not name.startswith('_dlt_')
          and name not in fields -%}
        {%- do fields.append(name) -%}
    {%- endif -%}
{%- endfor %}
object_{{ loop.index }} as (

    select
        {{ sfsync_api_name_literal(custom_object.object) }} as object_name,
        {{ custom_object.display_name_sql }} as display_name,
        '{{ custom_object.entity_type }}' as entity_type,
        changed.record_id,
        {{ sfsync_column_or_null(alias, 'name', present, 'varchar') }} as record_name,
        {{ sfsync_column_or_null(alias, custom_object.matching_column, present, 'varchar') }}
            as matched_id,
        {% if fields -%}
        to_json(struct_pack(
            {%- for name in fields %}
            {{ sfsync_identifier(name) }} := {{ sfsync_passed_through(alias, name, present[name]) }}
                {{- "," if not loop.last }}
            {%- endfor %}
        ))
        {%- else -%}
        cast('{}' as json)
        {%- endif %} as fields,
        {{ sfsync_column_or_null(alias, 'created_date', present, 'timestamptz') }} as created_at,
        {{ sfsync_column_or_null(alias, 'last_modified_date', present, 'timestamptz') }}
            as last_modified_at,
        changed.system_modstamp,
    from {{ item.relation }} as {{ alias }}
    inner join changed
        on cast({{ alias }}.id as varchar) = changed.record_id
        and changed.object_position = {{ loop.index }}

),

{% endfor -%}
records as (

    {% for item in objects -%}
    select * from object_{{ loop.index }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- else -%}
    select
        cast(null as varchar) as object_name,
        cast(null as varchar) as display_name,
        cast(null as varchar) as entity_type,
        cast(null as varchar) as record_id,
        cast(null as varchar) as record_name,
        cast(null as varchar) as matched_id,
        cast(null as json) as fields,
        cast(null as timestamptz) as created_at,
        cast(null as timestamptz) as last_modified_at,
        cast(null as timestamptz) as system_modstamp,
    where false
    {%- endfor %}

),

current_rows as (

    select
        records.*,
        {{ config_hash }} as sfsync_config_hash,
        current_timestamp as sfsync_updated_at,
    from records

)
{%- if incremental %}

, gone_rows as (

    select stored.record_id
    from {{ this }} as stored
    where not exists (
        select 1
        from matching
        where matching.record_id = stored.record_id
    )

)

select * from current_rows
union all by name
select * from gone_rows
{%- else %}

select * from current_rows
order by record_id
{%- endif %}
