{#- Restrict a model to the partition window Dagster passes as vars (min_day inclusive, max_day exclusive). -#}
{% macro day_window(column) -%}
  {%- if var('min_day') and var('max_day') -%}
    {{ column }} >= cast('{{ validated_day(var("min_day")) }}' as date)
    and {{ column }} < cast('{{ validated_day(var("max_day")) }}' as date)
  {%- else -%}
    true
  {%- endif -%}
{%- endmacro %}

{#- Pre-hook of incremental daily marts: drop the window's rows before re-inserting them. -#}
{% macro delete_day_window(column='day') -%}
  {%- if is_incremental() -%}
    delete from {{ this }} where {{ day_window(column) }}
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}

{% macro validated_day(value) -%}
  {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', value | string) -%}
    {{ exceptions.raise_compiler_error("day vars must be YYYY-MM-DD, got: " ~ value) }}
  {%- endif -%}
  {{ value }}
{%- endmacro %}
