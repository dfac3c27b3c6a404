{#- Rounding and ratio helpers for money columns. Arguments are SQL expressions. -#}

{% macro money(expression) -%}
round(({{ expression }})::numeric, 2)
{%- endmacro %}

{#- Divides two expressions and rounds the result. A zero denominator gives null instead of an error. -#}
{% macro ratio(numerator, denominator, scale=4) -%}
round(({{ numerator }})::numeric / nullif({{ denominator }}, 0), {{ scale }})
{%- endmacro %}
