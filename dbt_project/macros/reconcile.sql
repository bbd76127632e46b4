{#-
    Incremental marts that write only what changed.

    Rebuilding a wide mart rewrites every row, and writing, not computing, is what costs in
    DuckDB: after a sync that touched 1% of the org, rewriting `people` writes 100 times what
    changed. An incremental mart here wraps its query in sfsync_reconciled, which keeps only

    - rows that are new, or whose change columns differ from the stored row (the source
      record's system_modstamp and the derived values that can change without it: ARR, the
      account type, sentiment…) or that were built from another config (sfsync_config_hash);
    - the keys of stored rows that are gone (record deleted, account no longer synced), with
      every other column null;

    and the sfsync_reconcile strategy deletes all those keys from the table, then inserts the
    rows that are not gone. Each row carries the config hash it was built from and
    `sfsync_updated_at`, when it was last written; a config change rewrites every row (and
    on_schema_change adds or drops the columns it changed).

        {{ config(materialized='incremental', unique_key='contact_id',
                  incremental_strategy='sfsync_reconcile', on_schema_change='sync_all_columns') }}
        {% call sfsync_reconciled('contact_id', ['system_modstamp'], cfg) %}
        with contacts as ( ... ), ... final as ( ... )
        select * from final
        {% endcall %}

    Which rows changed is decided on a narrow projection (the key and the change columns), and
    the wide rows are computed for the changed keys only. The model's query is written out
    twice, as two subqueries, rather than read twice through a CTE: DuckDB materializes a CTE
    that is read more than once, which for a wide mart means writing every row (all columns) to
    a temporary buffer and hashing it, the very cost the incremental build avoids. As two
    subqueries, the key pass reads only the columns it needs and the wide pass streams through
    a semi-join on the changed keys.

    A full build writes the table in key order. Unordered, DuckDB writes the rows of a
    parallel scan that a join thinned out in part-filled row groups (`people`: 122,880, 34,578
    and 112,636 rows), and the first checkpoint after the next build's deletes repacks the
    whole table: about a second for `people` alone, in every first build after a full one.
    Written through a sort, the row groups are full, and that checkpoint takes milliseconds.

    The stored and current change columns are compared as one hash of each row's (the config
    hash and the change columns, nulls included), computed on both sides at build time: one
    two-column equi-join instead of a join on a dozen `is not distinct from` conditions, which
    took most of the comparison's time, and nothing extra stored in the marts.
-#}

{% macro sfsync_reconciled(key, change_columns, cfg) %}
    {%- set query = caller() -%}
    {%- set config_hash = sfsync_string_literal(cfg.sfsync_config_hash or 'none') -%}
    {#- A table written before it was reconciled (or by an older version of the model) lacks
        the columns to compare: every stored row is then treated as changed. -#}
    {%- set comparable = false -%}
    {%- set incremental = is_incremental() and this is not none -%}
    {%- if incremental -%}
        {%- set stored_columns = sfsync_columns_of(this) -%}
        {%- set missing = change_columns | reject('in', stored_columns) | list -%}
        {%- set comparable = 'sfsync_config_hash' in stored_columns and not missing -%}
    {%- endif -%}
    {%- if incremental %}
with current_keys as (

    select
        current_rows.{{ key }},
        {{ sfsync_change_hash(config_hash, 'current_rows', change_columns, key) }}
            as sfsync_change_hash,
    from (
{{ query }}
    ) as current_rows

),

changed_keys as (

    select current_keys.{{ key }}
    from current_keys
    {%- if comparable %}
    where not exists (
        select 1
        from (
            select
                stored.{{ key }},
                {{ sfsync_change_hash('stored.sfsync_config_hash', 'stored', change_columns, key) }}
                    as sfsync_change_hash,
            from {{ this }} as stored
        ) as stored_keys
        where stored_keys.{{ key }} = current_keys.{{ key }}
            and stored_keys.sfsync_change_hash = current_keys.sfsync_change_hash
    )
    {%- endif %}

),

gone_rows as (

    select stored.{{ key }}
    from {{ this }} as stored
    {%- if comparable %}
    where not exists (
        select 1
        from current_keys
        where current_keys.{{ key }} = stored.{{ key }}
    )
    {%- endif %}

),

changed_rows as (

    select
        current_rows.*,
        {{ config_hash }} as sfsync_config_hash,
        current_timestamp as sfsync_updated_at,
    from (
{{ query }}
    ) as current_rows
    where current_rows.{{ key }} in (select changed_keys.{{ key }} from changed_keys)

)

select * from changed_rows
union all by name
select * from gone_rows
    {%- else %}
select
    current_rows.*,
    {{ config_hash }} as sfsync_config_hash,
    current_timestamp as sfsync_updated_at,
from (
{{ query }}
) as current_rows
order by current_rows.{{ key }}
    {%- endif %}
{% endmacro %}


{#- One hash of `config_hash` and the change columns of `alias` (DuckDB's hash(): nulls hash
    to a value of their own, so null = null as with `is not distinct from`; a collision would
    need the same key with other values, 1 in 2^64 per changed row). -#}
{% macro sfsync_change_hash(config_hash, alias, change_columns, key) -%}
    hash({{ config_hash }}
        {%- for column in change_columns if column != key -%}
        , {{ alias }}.{{ column }}
        {%- endfor -%})
{%- endmacro %}


{#- The strategy: replace every key the model returned; rows without sfsync_updated_at are the
    keys of rows that are gone, so they are deleted and not inserted. -#}
{% macro get_incremental_sfsync_reconcile_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
delete from {{ target }}
where {{ key }} in (select {{ key }} from {{ temp }});

insert into {{ target }} ({{ columns }})
select {{ columns }}
from {{ temp }}
where sfsync_updated_at is not null;
{% endmacro %}
