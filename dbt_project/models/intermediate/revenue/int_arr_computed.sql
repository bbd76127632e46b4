{#- ARR per account: the direct field, or sum / max / latest over the selected records, with
    the number of records it used. -#}
{%- set cfg = sfsync_config() -%}

{{ sfsync_metric_by_account(cfg.sfsync_arr, ref('int_arr_records_selected'), 'arr', 'arr') }}
