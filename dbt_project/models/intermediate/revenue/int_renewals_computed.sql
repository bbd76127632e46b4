{#- The renewal date per account: the direct field, or max / latest over the selected records,
    with the number of records it used. -#}
{%- set cfg = sfsync_config() -%}

{{ sfsync_metric_by_account(
    cfg.sfsync_renewal, ref('int_renewal_records_selected'), 'renewal', 'renewal_date'
) }}
