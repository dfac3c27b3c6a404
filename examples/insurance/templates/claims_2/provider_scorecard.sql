/*
Provider scorecard: volume, cost, denials and payment speed per provider.

One row per provider with at least one claim. Network management uses it to spot
out-of-network volume and providers whose claims are often denied.
*/
{% import "_macros/finance.sql" as finance -%}
with per_provider as (
    select
        c.provider_id,
        count(*) as claim_count,
        count(distinct c.member_id) as member_count,
        count(*) filter (where c.is_adjudicated) as adjudicated_claim_count,
        count(*) filter (where c.status = 'denied') as denied_claim_count,
        sum(c.amount_billed) as amount_billed,
        sum(c.amount_paid) as amount_paid,
        sum(c.amount_billed) filter (where c.status = 'paid') as paid_claims_billed,
        sum(c.amount_allowed) filter (where c.status = 'paid') as paid_claims_allowed,
        avg(c.days_to_adjudicate) as avg_days_to_adjudicate
    from claims.claims as c
    group by c.provider_id
)
select
    p.provider_id,
    p.npi,
    p.provider_name,
    p.specialty,
    p.is_in_network,
    s.claim_count,
    s.member_count,                                                          -- distinct patients
    s.denied_claim_count,
    {{ finance.ratio("s.denied_claim_count", "s.adjudicated_claim_count") }} as denial_rate,  -- denied share of adjudicated claims
    {{ finance.money("s.amount_billed") }} as amount_billed,                 -- USD charged
    {{ finance.money("s.amount_paid") }} as amount_paid,                     -- USD paid by the plan
    -- Allowed amount as a share of the charge on paid claims: the discount the network contract buys.
    {{ finance.ratio("s.paid_claims_allowed", "s.paid_claims_billed") }} as allowed_to_billed_ratio,
    round(s.avg_days_to_adjudicate, 1) as avg_days_to_adjudicate
from core.providers as p
join per_provider as s on s.provider_id = p.provider_id
