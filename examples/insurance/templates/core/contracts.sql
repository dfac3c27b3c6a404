/*
Group contracts between the insurer and an employer, one row per contract term.

A renewal is a new contract row that points to the contract it renews. Terms are
normally twelve months.
*/
select
    c.contract_id,
    c.contract_number,                          -- number printed on documents, e.g. 'GC-00012'
    c.crm_company_id as employer_id,
    c.plan_code,
    c.effective_date,                           -- first covered day
    c.termination_date,                         -- last covered day
    c.renewal_of_contract_id,                   -- contract this one renews, null for new business
    c.renewal_of_contract_id is not null as is_renewal,
    c.status,                                   -- 'active', 'renewed' or 'terminated'
    (extract(year from age(c.termination_date + 1, c.effective_date)) * 12
        + extract(month from age(c.termination_date + 1, c.effective_date)))::integer as term_months,
    c.signed_at
from policy_admin.group_contracts as c
