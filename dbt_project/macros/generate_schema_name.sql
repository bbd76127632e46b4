{#- Layers get plain schemas (staging, intermediate, reference); marts stay in the target schema
    (main), so analysts query `companies`, not `main_marts.companies`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
