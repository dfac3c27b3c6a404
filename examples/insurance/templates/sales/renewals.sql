/*
Contract renewals: every contract term with its renewal date and renewal status.

One row per contract. `renewal_status` is 'renewed' when a next-term contract exists,
'lost' when the renewal deal was lost or the contract ended without one,
'in_negotiation' while a renewal deal is open and 'not_started' otherwise. Account
managers work the contracts due within `vars.renewal_notice_days` days first.
*/
with renewal_deals as (
    -- The renewal deal of a contract is the employer's renewal-pipeline deal that
    -- closes (or is expected to close) within 120 days before the contract ends.
    select
        c.contract_id,
        d.deal_id,
        d.stage,
        d.is_won,
        d.is_lost,
        d.expected_annual_premium,
        row_number() over (partition by c.contract_id order by d.created_at desc) as recency
    from core.contract_details as c
    join core.deals as d
        on d.employer_id = c.employer_id
        and d.pipeline = 'renewal'
        and d.close_date between c.termination_date - 120 and c.termination_date
)
select
    c.contract_id,
    c.contract_number,
    c.employer_id,
    c.employer_name,
    c.account_owner,
    c.plan_code,
    c.termination_date + 1 as renewal_date,           -- first day of the next term
    (c.termination_date + 1) - current_date as days_until_renewal,  -- negative once the date has passed
    c.members_ever_covered,
    -- Annual premium of the current term at list rate, the revenue at stake, in USD.
    c.monthly_premium_per_member * c.members_ever_covered * 12 as annual_premium_at_stake,
    d.deal_id as renewal_deal_id,                     -- null when no renewal deal exists
    d.stage as renewal_deal_stage,
    c.renewed_by_contract_id,
    case
        when c.renewed_by_contract_id is not null then 'renewed'
        when d.is_lost or (d.deal_id is null and c.termination_date < current_date) then 'lost'
        when d.deal_id is not null and not d.is_won then 'in_negotiation'
        else 'not_started'
    end as renewal_status,
    c.renewed_by_contract_id is null
        and c.termination_date + 1 between current_date and current_date + {{ vars.renewal_notice_days }} as is_due_soon
from core.contract_details as c
left join renewal_deals as d
    on d.contract_id = c.contract_id
    and d.recency = 1
