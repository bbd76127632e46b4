{#- Contacts, renamed and cast (see macros/staging.sql). The additional fields the active config
    maps to custom fields are always there, null until a sync pulls them. -#}
{%- set cfg = sfsync_config() -%}
{%- set required = [] -%}
{%- for field in cfg.sfsync_contact_additional_fields -%}
    {%- do required.append([field.column, none]) -%}
{%- endfor -%}

{{ sfsync_stage('contact', required) }}
