/*
Account timeline: the dated events of every employer account, one row per event.

Collects deal creation, deal closing and contract start and end into one list, so
an account manager can read a customer's history in order. Contract ends in the
future are included as planned events.
*/
select
    d.employer_id,
    d.created_at::date as event_date,
    'deal_created' as event_type,                    -- deal_created, deal_won, deal_lost, contract_started or contract_ended
    d.deal_name || ' (' || d.pipeline || ')' as description,
    d.deal_id,
    null::bigint as contract_id,
    d.expected_annual_premium as amount              -- expected annual premium of a deal in USD, null for contract events
from core.deals as d

union all

select
    d.employer_id,
    d.close_date,
    case when d.is_won then 'deal_won' else 'deal_lost' end,
    d.deal_name || ' (' || d.pipeline || ')',
    d.deal_id,
    null,
    d.expected_annual_premium
from core.deals as d
where d.is_closed

union all

select
    c.employer_id,
    c.effective_date,
    'contract_started',
    'Contract ' || c.contract_number || ' on ' || c.plan_code,
    null,
    c.contract_id,
    null
from core.contracts as c

union all

select
    c.employer_id,
    c.termination_date,
    'contract_ended',
    'Contract ' || c.contract_number || ' ends (' || c.status || ')',
    null,
    c.contract_id,
    null
from core.contracts as c
