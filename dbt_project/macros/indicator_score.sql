{#- An indicator's value as a score in [0, 1] against its fixed target (held constant over
    time, so that months compare): the share of the target reached, capped at 1. For an
    indicator where lower is better, reaching the target or below scores 1 and the score
    falls linearly to 0 at twice the target. -#}
{% macro indicator_score(value, target, direction) -%}
    case
        when {{ value }} is null or {{ target }} is null or {{ target }} <= 0 then null
        when {{ direction }} = 'higher_is_better'
            then least(greatest({{ value }} / {{ target }}, 0), 1)
        else least(greatest(2 - {{ value }} / {{ target }}, 0), 1)
    end
{%- endmacro %}
