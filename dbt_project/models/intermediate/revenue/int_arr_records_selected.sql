{#- The records ARR reads (see macros/metrics.sql), money in the corporate currency. -#}
{%- set cfg = sfsync_config() -%}

{{ sfsync_metric_records(cfg.sfsync_arr, 'arr') }}
