{#- The combination of columns is unique (dbt_utils' unique_combination_of_columns, written
    here because hub packages cannot be downloaded on these machines). -#}
{% test dti_unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
