/*
Claims utilization per employer and month: claims per member month and cost PMPM.

One row per employer and month with at least one member month. Claims are counted in
the month of service. Recent months are incomplete because claims arrive weeks after
the service (incurred but not reported).
*/
{% import "_macros/finance.sql" as finance -%}
with exposure as (
    select
        mm.employer_id,
        mm.coverage_month,
        count(*) as member_months
    from core.member_months as mm
    group by mm.employer_id, mm.coverage_month
),

incurred as (
    select
        c.employer_id,
        c.service_month,
        count(*) filter (where c.status <> 'denied') as claim_count,
        count(*) filter (where c.claim_type = 'institutional' and c.status <> 'denied') as inpatient_claim_count,
        sum(c.amount_allowed) filter (where c.status <> 'denied') as amount_allowed,
        sum(c.amount_paid) as amount_paid
    from claims.claims as c
    group by c.employer_id, c.service_month
)

select
    x.employer_id,
    x.coverage_month as month,                                     -- first day of the month
    x.member_months,                                               -- members covered in the month
    coalesce(i.claim_count, 0) as claim_count,                     -- claims not denied, by month of service
    {{ finance.ratio("coalesce(i.claim_count, 0)", "x.member_months") }} as claims_per_member_month,
    -- Inpatient admissions per 1,000 members per year (12,000 x admissions / member months).
    -- Every institutional claim that is not denied counts as one admission.
    {{ finance.ratio("12000 * coalesce(i.inpatient_claim_count, 0)", "x.member_months", 1) }} as admissions_per_1000_per_year,
    {{ finance.money("coalesce(i.amount_allowed, 0)") }} as amount_allowed,  -- USD
    {{ finance.money("coalesce(i.amount_paid, 0)") }} as amount_paid,        -- USD paid by the plan
    {{ finance.ratio("coalesce(i.amount_paid, 0)", "x.member_months", 2) }} as paid_pmpm,  -- USD paid per member month
    -- Paid PMPM averaged over this and the two previous months of the employer.
    round(avg(coalesce(i.amount_paid, 0) / x.member_months) over (
        partition by x.employer_id
        order by x.coverage_month
        rows between 2 preceding and current row
    ), 2) as paid_pmpm_rolling_3_months
from exposure as x
left join incurred as i
    on i.employer_id = x.employer_id
    and i.service_month = x.coverage_month
