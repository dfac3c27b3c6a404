/*
Claim lines: the services billed on a claim, one row per claim and line number.

Amounts are in USD. `amount_allowed` is the negotiated price, of which the plan pays
`amount_paid` and the member pays `member_responsibility` (deductible, copay,
coinsurance).
*/
select
    l.claim_id,
    l.line_number,
    l.procedure_code,                            -- CPT code, revenue code (institutional) or 'NDC' (pharmacy)
    -- Service category for utilization reports.
    case
        when l.procedure_code in ('99213', '99214') then 'office_visit'
        when l.procedure_code in ('80053', '85025', '36415') then 'laboratory'
        when l.procedure_code in ('71046', '93000') then 'diagnostics'
        when l.procedure_code in ('97110', '90834') then 'therapy'
        when l.procedure_code = '90686' then 'immunization'
        when l.procedure_code = 'NDC' then 'pharmacy'
        when l.procedure_code ~ '^0[0-9]{3}$' then 'inpatient'
        else 'other'
    end as service_category,
    l.units,
    l.amount_billed,                             -- provider's charge
    l.amount_allowed,                            -- negotiated price
    coalesce(l.amount_paid, 0) as amount_paid,   -- paid by the plan
    coalesce(l.member_responsibility, 0) as member_responsibility,
    l.denial_reason,                             -- null unless the line was denied
    l.denial_reason is not null as is_denied
from claims_raw.claim_lines as l
