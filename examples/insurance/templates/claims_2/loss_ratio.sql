/*
Loss ratio per contract: claims paid as a share of premium billed.

One row per contract. The loss ratio is the insurer's key profitability KPI; a
contract above `vars.target_loss_ratio` needs a rate increase at renewal. Premium
is what was billed for the term so far, and claims are those with a service date in
the term, so the ratio of a running contract is provisional.
*/
{% import "_macros/finance.sql" as finance -%}
with premium as (
    select
        i.contract_id,
        sum(i.amount_billed) as premium_billed,
        sum(i.amount_paid) as premium_collected,
        sum(i.member_count) as member_months_billed
    from core.premium_invoices as i
    group by i.contract_id
),

claims_cost as (
    select
        c.contract_id,
        count(*) as claim_count,
        count(*) filter (where c.is_high_cost) as high_cost_claim_count,
        sum(c.amount_paid) as claims_paid,
        sum(c.amount_paid) filter (where c.is_high_cost) as high_cost_claims_paid
    from claims.claims as c
    where c.contract_id is not null
    group by c.contract_id
)

select
    d.contract_id,
    d.contract_number,
    d.employer_id,
    d.employer_name,
    d.plan_code,
    d.effective_date,
    d.termination_date,
    d.is_in_force,
    coalesce(p.member_months_billed, 0) as member_months_billed,
    {{ finance.money("coalesce(p.premium_billed, 0)") }} as premium_billed,        -- USD
    {{ finance.money("coalesce(p.premium_collected, 0)") }} as premium_collected,  -- USD received
    coalesce(c.claim_count, 0) as claim_count,
    coalesce(c.high_cost_claim_count, 0) as high_cost_claim_count,
    {{ finance.money("coalesce(c.claims_paid, 0)") }} as claims_paid,              -- USD paid by the plan
    -- Claims paid divided by premium billed, or null when nothing was billed.
    {{ finance.ratio("coalesce(c.claims_paid, 0)", "p.premium_billed") }} as loss_ratio,
    -- The same ratio without high-cost claims, to tell one large case from a general trend.
    {{ finance.ratio("coalesce(c.claims_paid, 0) - coalesce(c.high_cost_claims_paid, 0)", "p.premium_billed") }} as loss_ratio_excluding_high_cost,
    coalesce(c.claims_paid, 0) > {{ vars.target_loss_ratio }} * p.premium_billed as is_above_target
from core.contract_details as d
left join premium as p on p.contract_id = d.contract_id
left join claims_cost as c on c.contract_id = d.contract_id
