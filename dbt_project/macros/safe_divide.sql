{#- numerator / denominator, or null when there is nothing to divide by: a missing value
    must stay missing, never become a silent zero. -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when {{ denominator }} is null or {{ denominator }} = 0 then null
        else ({{ numerator }})::numeric / ({{ denominator }})
    end
{%- endmacro %}
