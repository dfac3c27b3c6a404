/*
CRM deals for group health plans, one row per deal.

New-business deals (`pipeline = 'new_business'`) sell a first contract; renewal deals
(`pipeline = 'renewal'`) extend an existing one. Stage names are HubSpot's default
pipeline stages.
*/
select
    d.deal_id,
    d.company_id as employer_id,
    d.deal_name,
    d.pipeline,                          -- 'new_business' or 'renewal'
    d.deal_stage as stage,               -- HubSpot stage id, e.g. 'contractsent'
    -- Position of the stage in the sales process, 1 to 5 while open and 6 when closed.
    case d.deal_stage
        when 'appointmentscheduled' then 1
        when 'qualifiedtobuy' then 2
        when 'presentationscheduled' then 3
        when 'decisionmakerboughtin' then 4
        when 'contractsent' then 5
        else 6
    end as stage_order,
    d.is_closed,
    d.deal_stage = 'closedwon' as is_won,
    d.deal_stage = 'closedlost' as is_lost,
    d.amount as expected_annual_premium, -- annual premium the rep expects, in USD
    d.covered_lives,                     -- employees and dependents the plan would cover
    d.close_date,                        -- actual close date if closed, expected otherwise
    d.owner_email as deal_owner,
    d.created_at
from crm.deals as d
where d.company_id in (select c.company_id from crm.companies as c where not c.is_deleted)
