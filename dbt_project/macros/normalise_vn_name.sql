{#- A place name as people type it -> a comparable key: lower case, without diacritics,
    letters and digits only ('Phương Viên', 'phuong vien' -> 'phuongvien'). With
    strip_type_word, a leading type word goes too ('Xã Tú Lệ' -> 'tule'); a name is tried
    both ways, because some names begin with such a word (Phương Viên is not 'Phường Viên').
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
            '^(tinh|thanh pho|tp\.?|xa|phuong|thi tran|dac khu|quan|huyen|thi xa)\s+',
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
