/*
Employers from the CRM, one row per company that is not deleted.

Employers are the customers of the group health business: a company buys a group
plan for its staff. The CRM's companies are renamed into the vocabulary the rest of the
project uses (`employer_id`, `account_owner`).

Source: `crm.companies` (HubSpot export, refreshed nightly).
*/
select
    c.company_id as employer_id,        -- CRM company id, also the key in policy administration
    c.name as employer_name,            -- legal or trading name as entered in the CRM
    c.domain,                           -- web domain, lower case
    c.industry,
    c.employee_count,                   -- head count reported by the sales team
    c.state,                            -- two-letter US state of the head office
    c.lifecycle_stage,                  -- 'lead', 'opportunity' or 'customer'
    c.lifecycle_stage = 'customer' as is_customer,
    c.owner_email as account_owner,     -- e-mail of the sales rep who owns the account
    c.created_at,
    c.updated_at
from crm.companies as c
where not c.is_deleted
