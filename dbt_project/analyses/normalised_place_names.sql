{#- Place names (var `names`) with the keys the Voso place matching compares, as typed and
    without a leading type word: tests/integration/test_unit_type_words.py compiles it and
    checks that SQL and the pipeline's Python (dti_pipeline.units.name_keys) agree. -#}
{%- set names = var('names', ['Xã Tú Lệ']) -%}
select
    typed_names.place_name,
    {{ normalise_vn_name('typed_names.place_name') }} as key_as_typed,
    {{ normalise_vn_name('typed_names.place_name', strip_type_word=true) }} as key_stripped
from unnest(array[
    {%- for name in names %}
        '{{ name | replace("'", "''") }}'{{ "," if not loop.last }}
    {%- endfor %}
]::text[]) as typed_names (place_name)
