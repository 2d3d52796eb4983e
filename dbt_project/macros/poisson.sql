{#- P(X >= observed) for X ~ Poisson(expected), summing the pmf in log space (DuckDB has lgamma). -#}
{% macro poisson_upper_tail(observed, expected) -%}
  case
    when {{ observed }} <= 0 then 1.0
    when {{ expected }} <= 0 then 0.0
    else greatest(0.0, 1.0 - (
      select coalesce(sum(exp(-({{ expected }}) + k * ln({{ expected }}) - lgamma(k + 1))), 0)
      from range(0, cast({{ observed }} as bigint)) as t(k)
    ))
  end
{%- endmacro %}
