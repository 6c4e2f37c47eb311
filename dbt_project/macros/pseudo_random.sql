{#- A reproducible number in [0, 1) from any text key: the same inputs always give the same
    draws, so a Monte-Carlo analysis reruns to the same result. -#}
{% macro pseudo_random(key_expression) -%}
    (('x' || substr(md5({{ key_expression }}), 1, 8))::bit(32)::bigint / 4294967296.0)
{%- endmacro %}
