{#-
    The active integration config, as compiled by pipelines.config.dbt_vars (the vars contract is
    that module's docstring). Models call sfsync_config() once and read keys from the result:

        {%- set cfg = sfsync_config() -%}
        {%- for t in cfg.sfsync_account_types %} ... {{ t.condition_sql }} ... {% endfor %}

    Where the config comes from, first match wins:
    1. vars given to dbt (`--vars`, or `overrides: vars:` in a unit test): when
       `sfsync_vars_version` is among them, every key is read with var();
    2. the JSON file named by $SFSYNC_DBT_VARS, else dbt_vars.json beside the warehouse file
       ($SFSYNC_HOME/dbt_vars.json): written by every config save/activation and refreshed by
       jobs and `sfsync transform`, so a plain `dbt build` in dbt_project/ applies the active
       config. dbt's Jinja cannot open files, so the file is read through DuckDB (read_text) when
       the model executes; while dbt parses (execute is false) the defaults stand in, which is
       why every ref() in a model is unconditional.
-#}

{% macro sfsync_config_defaults() %}
    {%- set no_metric = {
        'enabled': false, 'mode': 'none', 'value_kind': none, 'field': none, 'column': none,
        'field_type': none, 'object': none, 'table': none, 'alias': none, 'function': none,
        'account_field': none, 'account_column': none, 'order_by_field': none,
        'order_by_column': none, 'condition_sql': none, 'source_label': none,
        'source_label_sql': none,
    } -%}
    {{ return({
        'sfsync_vars_version': 1,
        'sfsync_config_source': 'Not Configured',
        'sfsync_config_version': none,
        'sfsync_config_hash': none,
        'sfsync_compiled_at': none,
        'sfsync_dialect': 'duckdb',
        'sfsync_raw_schema': 'salesforce',
        'sfsync_account_filter_mode': 'single',
        'sfsync_account_alias': 'a',
        'sfsync_account_types': [],
        'sfsync_account_columns': none,
        'sfsync_owner_mapping': [],
        'sfsync_arr': no_metric,
        'sfsync_renewal': no_metric,
        'sfsync_custom_objects': [],
        'sfsync_support_cases': {
            'enabled': false, 'table': none, 'alias': none, 'condition_sql': none,
            'last_n_days': none, 'columns': none, 'conversation_source': none,
            'conversation_table': none, 'conversation_parent_column': none,
            'conversation_body_column': none, 'conversation_time_column': none,
            'conversation_incoming_column': none,
        },
        'sfsync_opportunity_columns': none,
        'sfsync_contact_additional_fields': [],
        'sfsync_contact_excluded_columns': [],
    }) }}
{% endmacro %}


{% macro sfsync_config() %}
    {%- set defaults = sfsync_config_defaults() -%}
    {%- if var('sfsync_vars_version', none) is not none -%}
        {%- set loaded = {} -%}
        {%- for key in defaults -%}
            {%- do loaded.update({key: var(key, defaults[key])}) -%}
        {%- endfor -%}
        {{ return(sfsync_config_checked(loaded, 'the vars given to dbt')) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(defaults) }}
    {%- endif -%}
    {%- set path = sfsync_vars_file() -%}
    {#- One query per model: read_text takes the path as a pattern, so a missing file is no row. -#}
    {%- set read = run_query(
        "select count(*), any_value(content) from read_text(" ~ sfsync_string_literal(path) ~ ")"
    ).rows[0] -%}
    {%- if read[0] == 0 -%}
        {{ exceptions.raise_compiler_error(
            "sfsync: no active config for dbt: " ~ path ~ " does not exist. Save a config "
            ~ "(`sfsync config save FILE` or the wizard) or run `sfsync transform` once, which "
            ~ "writes it; or pass the compiled config with --vars."
        ) }}
    {%- endif -%}
    {%- set document = fromjson(read[1]) -%}
    {%- if document is none or document is not mapping -%}
        {{ exceptions.raise_compiler_error("sfsync: " ~ path ~ " is not a JSON object") }}
    {%- endif -%}
    {%- set loaded = {} -%}
    {%- for key in defaults -%}
        {%- do loaded.update({key: document.get(key, defaults[key])}) -%}
    {%- endfor -%}
    {{ return(sfsync_config_checked(loaded, path)) }}
{% endmacro %}


{% macro sfsync_config_checked(loaded, origin) %}
    {%- if loaded.sfsync_vars_version != 1 -%}
        {{ exceptions.raise_compiler_error(
            "sfsync: " ~ origin ~ " holds vars version " ~ loaded.sfsync_vars_version
            ~ "; this dbt project reads version 1. Run `sfsync transform` to recompile them."
        ) }}
    {%- endif -%}
    {%- if loaded.sfsync_dialect != 'duckdb' and target.type == 'duckdb' -%}
        {{ exceptions.raise_compiler_error(
            "sfsync: " ~ origin ~ " was compiled for " ~ loaded.sfsync_dialect
            ~ " but the target is DuckDB"
        ) }}
    {%- endif -%}
    {{ return(loaded) }}
{% endmacro %}


{#- $SFSYNC_DBT_VARS, else dbt_vars.json in the directory of the warehouse file. -#}
{% macro sfsync_vars_file() %}
    {%- set explicit = env_var('SFSYNC_DBT_VARS', '') -%}
    {%- if explicit -%}
        {{ return(explicit) }}
    {%- endif -%}
    {%- set warehouse = target.path | string -%}
    {%- set cut = warehouse.rfind('/') -%}
    {{ return((warehouse[:cut] if cut >= 0 else '.') ~ '/dbt_vars.json') }}
{% endmacro %}


{#- A SQL string literal for text that is not admin input (paths, catalog API names). -#}
{% macro sfsync_string_literal(text) %}
    {{ return("'" ~ (text | string | replace("'", "''")) ~ "'") }}
{% endmacro %}
