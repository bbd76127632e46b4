{#- Cases, renamed and cast (see macros/staging.sql); the whitelisted case fields of the active
    config are always there. -#}
{%- set cfg = sfsync_config() -%}
{%- set required = [] -%}
{%- for column in cfg.sfsync_support_cases.columns or [] -%}
    {%- do required.append([column, none]) -%}
{%- endfor -%}

{{ sfsync_stage('case', required) }}
