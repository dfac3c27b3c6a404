/*
Group contracts with their employer, plan and membership, one row per contract.

This is the view to start from for questions about a customer's contract: it adds the
employer's name, the plan's rate, how many members the contract covers today and
whether it was renewed.
*/
with current_members as (
    select
        e.contract_id,
        count(*) filter (where e.coverage_start <= current_date and (e.coverage_end is null or e.coverage_end >= current_date)) as covered_today,
        count(distinct e.member_id) as ever_covered
    from core.enrollments as e
    group by e.contract_id
)
select
    c.contract_id,
    c.contract_number,
    c.employer_id,
    emp.employer_name,
    emp.account_owner,
    c.plan_code,
    p.plan_name,
    p.metal_tier,
    p.monthly_premium_per_member,                    -- list rate in USD per member and month
    c.effective_date,
    c.termination_date,
    c.term_months,
    c.is_renewal,
    c.renewal_of_contract_id,
    r.contract_id as renewed_by_contract_id,         -- the next term's contract, null if not renewed
    c.status,
    c.effective_date <= current_date and c.termination_date >= current_date as is_in_force,
    coalesce(m.covered_today, 0) as members_covered_today,
    coalesce(m.ever_covered, 0) as members_ever_covered  -- distinct members covered at any time in the term
from core.contracts as c
left join core.employers as emp on emp.employer_id = c.employer_id
left join core.plans as p on p.plan_code = c.plan_code
left join core.contracts as r on r.renewal_of_contract_id = c.contract_id
left join current_members as m on m.contract_id = c.contract_id
