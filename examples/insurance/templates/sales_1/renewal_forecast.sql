/*
Renewal forecast per month: contracts due, their status and the premium at stake.

One row per month of renewal date. Finance reads the retained and at-risk premium
from here.
*/
select
    date_trunc('month', r.renewal_date)::date as renewal_month,     -- first day of the month
    count(*) as contracts_due,
    count(*) filter (where r.renewal_status = 'renewed') as contracts_renewed,
    count(*) filter (where r.renewal_status = 'lost') as contracts_lost,
    count(*) filter (where r.renewal_status in ('in_negotiation', 'not_started')) as contracts_open,  -- renewal in negotiation or not started
    sum(r.annual_premium_at_stake) as annual_premium_at_stake,      -- USD per year, all contracts due
    coalesce(sum(r.annual_premium_at_stake) filter (where r.renewal_status = 'renewed'), 0) as annual_premium_retained,
    -- Premium of contracts due within the notice period that have no renewal yet.
    coalesce(sum(r.annual_premium_at_stake) filter (where r.is_due_soon), 0) as annual_premium_at_risk
from sales.renewals as r
group by date_trunc('month', r.renewal_date)
