{#-
    Staging: one view per raw table, renamed and cast, nothing else.

    Each table's columns are declared once, in sfsync_staging_spec, as [raw name, staged name,
    type]: the keys become <entity>_id, timestamps <event>_at, and every declared column has
    the same type whichever loader wrote the raw table (dlt writes currency as DECIMAL, the
    sandbox org as DOUBLE). Declared columns the org did not sync are null; so are the columns
    the active config names (`required`) until the next sync pulls them. Every other raw column
    passes through under its raw name (decimals as double), minus the loader's bookkeeping.
    Soft-deleted rows are left out. A raw table that does not exist stages as no rows.
-#}

{% macro sfsync_staging_spec(table) %}
    {%- set bookkeeping = [
        ['created_date', 'created_at', 'timestamptz'],
        ['created_by_id', 'created_by_id', 'varchar'],
        ['last_modified_date', 'last_modified_at', 'timestamptz'],
        ['last_modified_by_id', 'last_modified_by_id', 'varchar'],
        ['system_modstamp', 'system_modstamp', 'timestamptz'],
    ] -%}
    {%- set specs = {
        'account': [
            ['id', 'account_id', 'varchar'],
            ['name', 'account_name', 'varchar'],
            ['type', 'type', 'varchar'],
            ['industry', 'industry', 'varchar'],
            ['parent_id', 'parent_account_id', 'varchar'],
            ['owner_id', 'owner_id', 'varchar'],
            ['currency_iso_code', 'currency_iso_code', 'varchar'],
        ],
        'contact': [
            ['id', 'contact_id', 'varchar'],
            ['account_id', 'account_id', 'varchar'],
            ['name', 'contact_name', 'varchar'],
            ['first_name', 'first_name', 'varchar'],
            ['last_name', 'last_name', 'varchar'],
            ['email', 'email', 'varchar'],
            ['title', 'title', 'varchar'],
            ['phone', 'phone', 'varchar'],
            ['owner_id', 'owner_id', 'varchar'],
            ['currency_iso_code', 'currency_iso_code', 'varchar'],
        ],
        'opportunity': [
            ['id', 'opportunity_id', 'varchar'],
            ['account_id', 'account_id', 'varchar'],
            ['name', 'opportunity_name', 'varchar'],
            ['type', 'type', 'varchar'],
            ['stage_name', 'stage_name', 'varchar'],
            ['amount', 'amount', 'double'],
            ['probability', 'probability', 'double'],
            ['close_date', 'close_date', 'date'],
            ['is_won', 'is_won', 'boolean'],
            ['is_closed', 'is_closed', 'boolean'],
            ['owner_id', 'owner_id', 'varchar'],
            ['currency_iso_code', 'currency_iso_code', 'varchar'],
        ],
        'user': [
            ['id', 'user_id', 'varchar'],
            ['name', 'user_name', 'varchar'],
            ['first_name', 'first_name', 'varchar'],
            ['last_name', 'last_name', 'varchar'],
            ['email', 'email', 'varchar'],
            ['username', 'username', 'varchar'],
            ['user_type', 'user_type', 'varchar'],
            ['is_active', 'is_active', 'boolean'],
        ],
        'case': [
            ['id', 'case_id', 'varchar'],
            ['case_number', 'case_number', 'varchar'],
            ['account_id', 'account_id', 'varchar'],
            ['contact_id', 'contact_id', 'varchar'],
            ['subject', 'subject', 'varchar'],
            ['status', 'status', 'varchar'],
            ['priority', 'priority', 'varchar'],
            ['origin', 'origin', 'varchar'],
            ['type', 'type', 'varchar'],
            ['is_closed', 'is_closed', 'boolean'],
            ['closed_date', 'closed_at', 'timestamptz'],
            ['owner_id', 'owner_id', 'varchar'],
        ],
        'case_comment': [
            ['id', 'case_comment_id', 'varchar'],
            ['parent_id', 'case_id', 'varchar'],
            ['comment_body', 'comment_body', 'varchar'],
            ['is_published', 'is_published', 'boolean'],
        ],
        'email_message': [
            ['id', 'email_message_id', 'varchar'],
            ['parent_id', 'case_id', 'varchar'],
            ['subject', 'subject', 'varchar'],
            ['text_body', 'text_body', 'varchar'],
            ['from_name', 'from_name', 'varchar'],
            ['from_address', 'from_address', 'varchar'],
            ['to_address', 'to_address', 'varchar'],
            ['incoming', 'is_incoming', 'boolean'],
            ['status', 'status', 'varchar'],
            ['message_date', 'message_at', 'timestamptz'],
        ],
        'currency_type': [
            ['id', 'currency_type_id', 'varchar'],
            ['iso_code', 'iso_code', 'varchar'],
            ['conversion_rate', 'conversion_rate', 'double'],
            ['decimal_places', 'decimal_places', 'bigint'],
            ['is_active', 'is_active', 'boolean'],
            ['is_corporate', 'is_corporate', 'boolean'],
        ],
    } -%}
    {%- if table not in specs -%}
        {{ exceptions.raise_compiler_error("sfsync: no staging spec for raw table '" ~ table ~ "'") }}
    {%- endif -%}
    {{ return(specs[table] + bookkeeping) }}
{% endmacro %}


{#- The staged name of raw column `raw` of `table` (the raw name when it is passed through). -#}
{% macro sfsync_staged_name(table, raw) %}
    {%- for column in sfsync_staging_spec(table) -%}
        {%- if column[0] == raw -%}
            {{ return(column[1]) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(raw) }}
{% endmacro %}


{#- The SQL type of a metric's value (see sfsync_arr / sfsync_renewal in the vars contract). -#}
{% macro sfsync_metric_type(metric) %}
    {%- if metric.value_kind == 'number' -%}
        {{ return('double') }}
    {%- elif metric.value_kind == 'date' -%}
        {{ return('date') }}
    {%- else -%}
        {{ return('timestamptz') }}
    {%- endif -%}
{% endmacro %}


{#- A column passed through under its own name: decimals become double, the rest stay as typed. -#}
{% macro sfsync_passed_through(alias, name, dtype) %}
    {%- if dtype.startswith('decimal') or dtype.startswith('numeric') -%}
        cast({{ alias }}.{{ adapter.quote(name) }} as double)
    {%- else -%}
        {{ alias }}.{{ adapter.quote(name) }}
    {%- endif -%}
{% endmacro %}


{#- `required`: [[raw name, type or none]]; none keeps the raw type (null: varchar). -#}
{% macro sfsync_stage(table, required=[]) %}
    {%- set src = source('salesforce', table) -%}
    {%- set present = sfsync_columns_of(sfsync_raw_relation(table)) -%}
    {#- outputs: {raw, name, type} for the declared columns, then the config's required ones -#}
    {%- set outputs = [] -%}
    {%- set taken = [] -%}
    {%- for column in sfsync_staging_spec(table) -%}
        {%- do outputs.append({'raw': column[0], 'name': column[1], 'type': column[2]}) -%}
        {%- do taken.extend([column[0], column[1]]) -%}
    {%- endfor -%}
    {%- for column in required if column[0] not in taken -%}
        {%- do outputs.append({'raw': column[0], 'name': column[0], 'type': column[1]}) -%}
        {%- do taken.append(column[0]) -%}
    {%- endfor -%}

    {%- if not present %}
select
    {%- for column in outputs %}
    cast(null as {{ column.type or 'varchar' }}) as {{ sfsync_identifier(column.name) }},
    {%- endfor %}
where false
    {%- else %}
with source as (

    select * from {{ src }}

),

renamed as (

    select
        {%- for column in outputs %}
        {% if column.raw in present and column.type is none -%}
        {{ sfsync_passed_through('source', column.raw, present[column.raw]) }}
        {%- elif column.raw in present -%}
        cast(source.{{ sfsync_identifier(column.raw) }} as {{ column.type }})
        {%- else -%}
        cast(null as {{ column.type or 'varchar' }})
        {%- endif %} as {{ sfsync_identifier(column.name) }},
        {%- endfor %}
        {%- for name, dtype in present.items()
              if name not in taken and not name.startswith('_dlt_') and name != 'is_deleted' %}
        {{ sfsync_passed_through('source', name, dtype) }} as {{ adapter.quote(name) }},
        {%- endfor %}

    from source
    {%- if 'is_deleted' in present %}
    where not coalesce(source.is_deleted, false)
    {%- endif %}

)

select * from renamed
    {%- endif %}
{% endmacro %}
