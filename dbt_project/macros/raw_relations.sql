{#-
    The raw dataset as the loader left it. Which tables and columns exist depends on the org and
    on what the active config pulls (an allowlist leaves columns out, CurrencyType exists only in
    multi-currency orgs, a custom object is there once it has been synced), so models look before
    they read: a missing table reads as no rows, a missing column as nulls.
-#}

{#- The raw table `identifier` (a relation), or none when it does not exist or dbt is parsing. -#}
{% macro sfsync_raw_relation(identifier, schema='salesforce') %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=target.database, schema=schema, identifier=identifier)) }}
{% endmacro %}


{#- Column names and types of a relation: {name: dtype}; {} when it is none. -#}
{% macro sfsync_columns_of(relation) %}
    {%- set found = {} -%}
    {%- if relation is not none -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do found.update({column.name | lower: column.dtype | lower}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(found) }}
{% endmacro %}


{#- `not coalesce(<alias>.is_deleted, false)` when the table has the column, else `true`. -#}
{% macro sfsync_not_deleted(alias, columns) %}
    {%- if 'is_deleted' in columns -%}
        not coalesce({{ alias }}.is_deleted, false)
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}


{#- A raw column name from the config, checked to be a plain warehouse identifier. Names come
    from the catalog through pipelines.soql.naming (snake_case), so anything else is a bug or
    tampering, never something to paste into SQL. -#}
{% macro sfsync_identifier(name) %}
    {%- if name is none or not modules.re.match('^[a-z_][a-z0-9_]*$', name | string) -%}
        {{ exceptions.raise_compiler_error("sfsync: '" ~ name ~ "' is not a warehouse column or table name") }}
    {%- endif -%}
    {{ return(adapter.quote(name)) }}
{% endmacro %}


{#- An object API name from the config (Account_Health__c), as a SQL string literal. -#}
{% macro sfsync_api_name_literal(name) %}
    {%- if name is none or not modules.re.match('^[A-Za-z][A-Za-z0-9_]*$', name | string) -%}
        {{ exceptions.raise_compiler_error("sfsync: '" ~ name ~ "' is not a Salesforce API name") }}
    {%- endif -%}
    {{ return("'" ~ name ~ "'") }}
{% endmacro %}


{#- `cast(<alias>.<column> as <type>)` when the raw table has the column, else a typed null. -#}
{% macro sfsync_column_or_null(alias, column, columns, type) %}
    {%- if column is not none and column in columns -%}
        cast({{ alias }}.{{ sfsync_identifier(column) }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{% endmacro %}


{#- A warehouse column name from the config as a SQL string literal (checked like sfsync_identifier). -#}
{% macro sfsync_name_literal(name) %}
    {%- do sfsync_identifier(name) -%}
    {{ return("'" ~ name ~ "'") }}
{% endmacro %}


{#- Write the WAL into the database file once, at the end of a run (dbt_project.yml). -#}
{% macro sfsync_checkpoint() %}
    {%- if target.type == 'duckdb' -%}
        checkpoint
    {%- endif -%}
{% endmacro %}


{#- Drop what an incremental Python model leaves behind. dbt-duckdb builds a Python model's
    increment as a table it means to be temporary, `<model>__dbt_tmp<timestamp>`, but a Python
    model cannot create a temporary table, so it lands as a real table in the default schema and
    nothing drops it: one more table in `main` after every periodic build. Run as the model's
    post-hook (the drops run here; the hook itself renders empty). -#}
{% macro sfsync_drop_leftover_temp_tables(relation) %}
    {%- if execute and target.type == 'duckdb' -%}
        {%- set leftovers = run_query(
            "select schema_name, table_name from duckdb_tables() "
            ~ "where database_name = current_database() and not temporary "
            ~ "and starts_with(table_name, " ~ sfsync_string_literal(relation.identifier ~ '__dbt_tmp') ~ ")"
        ) -%}
        {%- for row in leftovers.rows -%}
            {%- do run_query(
                "drop table if exists " ~ adapter.quote(row[0]) ~ "." ~ adapter.quote(row[1])
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
