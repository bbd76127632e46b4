{#- The records the renewal date reads (see macros/metrics.sql), values as dates (UTC). -#}
{%- set cfg = sfsync_config() -%}

{{ sfsync_metric_records(cfg.sfsync_renewal, 'renewal') }}
