/*
Claim headers with the member's employer and the contract that covered the service.

One row per claim as received from the claims system. Amounts are on the lines, and
`claims.claims` has one row per claim with totals. `contract_id` is null when no
enrollment covered the service date (such claims are normally denied).
*/
select
    c.claim_id,
    c.claim_number,                              -- e.g. 'CLM-202403-00042'
    c.member_id,
    m.employer_id,
    e.contract_id,                               -- contract whose enrollment covered the service date
    c.provider_id,
    c.claim_type,                                -- 'professional', 'institutional' (hospital) or 'pharmacy'
    c.service_date,
    date_trunc('month', c.service_date)::date as service_month,
    c.primary_diagnosis_code,                    -- ICD-10-CM code
    c.status,                                    -- 'submitted', 'pended', 'paid' or 'denied'
    c.status in ('paid', 'denied') as is_adjudicated,
    c.received_at,
    c.adjudicated_at,                            -- null until paid or denied
    -- Days from receipt to the payment decision, or null while open.
    extract(epoch from c.adjudicated_at - c.received_at) / 86400.0 as days_to_adjudicate
from claims_raw.claims as c
left join core.members as m on m.member_id = c.member_id
left join core.enrollments as e
    on e.member_id = c.member_id
    and c.service_date between e.coverage_start and coalesce(e.coverage_end, date 'infinity')
