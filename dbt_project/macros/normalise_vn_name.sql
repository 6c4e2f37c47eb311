{#- A place name as people type it -> a comparable key: lower case, without diacritics,
    letters and digits only ('Phương Viên', 'phuong vien' -> 'phuongvien'). With
    strip_type_word, a leading type word goes too ('Xã Tú Lệ' -> 'tule'); a name is tried
    both ways, because some names begin with such a word (Phương Viên is not 'Phường Viên').
    The type words are the seed ref_unit_type_words, which the pipeline's Python reads too
    (dti_pipeline.units), longest first.
    translate() instead of the unaccent extension, which the transformer role may not be
    allowed to create. -#}
{% macro normalise_vn_name(column, strip_type_word=false) -%}
    {%- set plain -%}
        translate(
            regexp_replace(lower(trim({{ column }})), '[\u0300-\u036f]', '', 'g'),
            'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ',
            'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
        )
    {%- endset -%}
    regexp_replace(
        {%- if strip_type_word %}
        regexp_replace(
            regexp_replace({{ plain }}, '\s+', ' ', 'g'),
            (
                select '^(' || string_agg(regexp_replace(words.word, '([.])', '\\\1', 'g'), '|'
                    order by length(words.word) desc, words.word) || ')\s+'
                from {{ ref('ref_unit_type_words') }} as words
            ),
            ''
        ),
        {%- else %}
        {{ plain }},
        {%- endif %}
        '[^a-z0-9]',
        '',
        'g'
    )
{%- endmacro %}
