{#- Accounts, renamed and cast (see macros/staging.sql). The Account columns the active config
    names (owner lookups, a direct ARR or renewal field, the kept fields) are always there,
    null until a sync pulls them. -#}
{%- set cfg = sfsync_config() -%}
{%- set required = [] -%}
{%- for owner in cfg.sfsync_owner_mapping -%}
    {%- do required.append([owner.column, 'varchar']) -%}
{%- endfor -%}
{%- for metric in [cfg.sfsync_arr, cfg.sfsync_renewal] if metric.mode == 'direct' -%}
    {%- do required.append([metric.column, sfsync_metric_type(metric)]) -%}
{%- endfor -%}
{%- for column in cfg.sfsync_account_columns or [] -%}
    {%- do required.append([column, none]) -%}
{%- endfor -%}

{{ sfsync_stage('account', required) }}
