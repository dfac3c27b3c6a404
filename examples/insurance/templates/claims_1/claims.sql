/*
Claims with their totals, diagnosis and provider, one row per claim.

This is the main claims view: most reports start here. Amounts are the sums of the
claim's lines, in USD, rounded to cents. A claim is high-cost when the plan paid
more than `vars.high_cost_claim_threshold` (USD) on it.
*/
{% import "_macros/finance.sql" as finance -%}
with line_totals as (
    select
        l.claim_id,
        count(*) as line_count,
        sum(l.amount_billed) as amount_billed,
        sum(l.amount_allowed) as amount_allowed,
        sum(l.amount_paid) as amount_paid,
        sum(l.member_responsibility) as member_responsibility,
        string_agg(distinct l.service_category, ', ' order by l.service_category) as service_categories
    from claims.claim_lines as l
    group by l.claim_id
)
select
    h.claim_id,
    h.claim_number,
    h.member_id,
    h.employer_id,
    h.contract_id,
    h.provider_id,
    p.provider_name,
    p.is_in_network,                                               -- false for out-of-network providers
    h.claim_type,                                                  -- 'professional', 'institutional' or 'pharmacy'
    h.service_date,
    h.service_month,                                               -- first day of the month of service
    h.primary_diagnosis_code,
    d.description as diagnosis_description,
    d.chapter as diagnosis_chapter,                                -- ICD-10 chapter
    coalesce(d.is_chronic, false) as is_chronic_condition,
    h.status,
    h.is_adjudicated,
    h.received_at,
    h.adjudicated_at,
    {{ finance.money("h.days_to_adjudicate") }} as days_to_adjudicate,
    coalesce(t.line_count, 0) as line_count,
    t.service_categories,                                          -- comma-separated service categories of the lines
    {{ finance.money("coalesce(t.amount_billed, 0)") }} as amount_billed,     -- USD charged by the provider
    {{ finance.money("coalesce(t.amount_allowed, 0)") }} as amount_allowed,   -- USD negotiated price
    {{ finance.money("coalesce(t.amount_paid, 0)") }} as amount_paid,         -- USD paid by the plan
    {{ finance.money("coalesce(t.member_responsibility, 0)") }} as member_responsibility,  -- USD paid by the member
    coalesce(t.amount_paid, 0) > {{ vars.high_cost_claim_threshold }} as is_high_cost
from claims.claim_headers as h
left join line_totals as t on t.claim_id = h.claim_id
left join core.providers as p on p.provider_id = h.provider_id
left join core.diagnosis_codes as d on d.diagnosis_code = h.primary_diagnosis_code
