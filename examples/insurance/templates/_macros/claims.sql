{#- Claim status helpers. The statuses come from vars.claim_statuses in synced-views.json. -#}

{#- Emits one column per status, "<status>_claims", counting the rows in that status.
    Every column ends with a comma, so the call must not be the last item of a select list. -#}
{% macro status_counts(statuses, column="status") -%}
{%- for status in statuses %}
    count(*) filter (where {{ column }} = '{{ status }}') as {{ status }}_claims,
{%- endfor %}
{%- endmacro %}
