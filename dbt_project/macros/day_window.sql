{#- Restrict a model to one partition window (min_day inclusive, max_day exclusive): `--vars` when dbt is run
    by hand, else the environment variables Dagster sets (monitor_pipeline/defs/dbt/assets.py, WINDOW_ENV).
    Changed --vars make dbt re-parse the whole project; the environment variables are read at execution only
    (`execute` is false while dbt parses), so a new window re-parses nothing: the window only changes a
    where clause, never a ref, source or config that parsing records. -#}
{% macro day_window(column) -%}
  {%- set min_day = var('min_day') or (env_var('MONITOR_DBT_MIN_DAY', '') if execute else '') -%}
  {%- set max_day = var('max_day') or (env_var('MONITOR_DBT_MAX_DAY', '') if execute else '') -%}
  {%- if min_day and max_day -%}
    {{ column }} >= cast('{{ validated_day(min_day) }}' as date)
    and {{ column }} < cast('{{ validated_day(max_day) }}' as date)
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
