{#- Opportunities, renamed and cast (see macros/staging.sql); the kept fields of the active
    config are always there. -#}
{%- set cfg = sfsync_config() -%}
{%- set required = [] -%}
{%- for column in cfg.sfsync_opportunity_columns or [] -%}
    {%- do required.append([column, none]) -%}
{%- endfor -%}

{{ sfsync_stage('opportunity', required) }}
