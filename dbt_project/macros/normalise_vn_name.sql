{#- A place name as people type it -> a comparable key: lower case, without diacritics,
    without the unit's type word, letters and digits only ('Xã Tú Lệ', 'tu le' -> 'tule').
    translate() instead of the unaccent extension, which the transformer role may not be
    allowed to create. -#}
{% macro normalise_vn_name(column) -%}
    regexp_replace(
        regexp_replace(
            translate(
                regexp_replace(lower(trim({{ column }})), '[\u0300-\u036f]', '', 'g'),
                'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ',
                'aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd'
            ),
            '^(tinh|thanh pho|tp\.?|xa|phuong|thi tran|dac khu|quan|huyen|thi xa)\s+',
            ''
        ),
        '[^a-z0-9]',
        '',
        'g'
    )
{%- endmacro %}
