-- Raw tables of the insurance example and a small deterministic data set.
--
-- The CREATE TABLE statements are the same as in catalog/. The rows come from
-- generate_series and fixed arithmetic (no random()), so every load produces the same
-- data: 40 CRM companies, 24 of them customers with group contracts in 2023-2024,
-- 300 members, monthly premium invoices and 450 claims with their lines.
--
-- Load it into an empty database:  psql -v ON_ERROR_STOP=1 -f seed/raw.sql

begin;

create schema crm;
create schema policy_admin;
create schema claims_raw;

create table crm.companies (
    company_id bigint,
    name text,
    domain text,
    industry text,
    employee_count integer,
    state text,
    lifecycle_stage text,
    owner_email text,
    created_at timestamptz,
    updated_at timestamptz,
    is_deleted boolean
);

create table crm.deals (
    deal_id bigint,
    company_id bigint,
    deal_name text,
    pipeline text,
    deal_stage text,
    amount numeric(12,2),
    covered_lives integer,
    close_date date,
    owner_email text,
    created_at timestamptz,
    is_closed boolean
);

create table crm.deal_stage_history (
    deal_id bigint,
    deal_stage text,
    entered_at timestamptz
);

create table policy_admin.plans (
    plan_code text,
    plan_name text,
    metal_tier text,
    network_type text,
    monthly_premium_per_member numeric(12,2),
    annual_deductible numeric(12,2),
    is_active boolean
);

create table policy_admin.group_contracts (
    contract_id bigint,
    contract_number text,
    crm_company_id bigint,
    plan_code text,
    effective_date date,
    termination_date date,
    renewal_of_contract_id bigint,
    status text,
    signed_at timestamptz
);

create table policy_admin.members (
    member_id bigint,
    member_number text,
    first_name text,
    last_name text,
    birth_date date,
    sex text,
    zip_code text,
    relationship text,
    crm_company_id bigint,
    created_at timestamptz
);

create table policy_admin.enrollments (
    enrollment_id bigint,
    member_id bigint,
    contract_id bigint,
    coverage_start date,
    coverage_end date,
    cancel_reason text
);

create table policy_admin.premium_invoices (
    invoice_id bigint,
    contract_id bigint,
    billing_month date,
    member_count integer,
    amount_billed numeric(12,2),
    amount_paid numeric(12,2),
    due_date date,
    paid_at timestamptz
);

create table claims_raw.providers (
    provider_id bigint,
    npi text,
    provider_name text,
    specialty text,
    state text,
    is_in_network boolean
);

create table claims_raw.diagnosis_codes (
    code text,
    description text,
    chapter text
);

create table claims_raw.claims (
    claim_id bigint,
    claim_number text,
    member_id bigint,
    provider_id bigint,
    claim_type text,
    service_date date,
    primary_diagnosis_code text,
    status text,
    received_at timestamptz,
    adjudicated_at timestamptz
);

create table claims_raw.claim_lines (
    claim_id bigint,
    line_number integer,
    procedure_code text,
    units integer,
    amount_billed numeric(12,2),
    amount_allowed numeric(12,2),
    amount_paid numeric(12,2),
    member_responsibility numeric(12,2),
    denial_reason text
);

-- Employers in the CRM. Companies 1-24 are customers, 25-34 are open opportunities,
-- 35-39 are lost leads and company 40 was deleted in the CRM.
insert into crm.companies
select
    g as company_id,
    (array['Acme', 'Northwind', 'Bluebird', 'Cedar', 'Summit', 'Harbor', 'Granite', 'Juniper', 'Lakeside', 'Pioneer'])[(g - 1) % 10 + 1]
        || ' '
        || (array['Logistics', 'Foods', 'Health Systems', 'Software', 'Manufacturing', 'Credit Union', 'Schools', 'Hospitality'])[((g - 1) / 10 * 3 + (g - 1) % 10) % 8 + 1]
        as name,
    null as domain,
    (array['Transportation', 'Food & Beverage', 'Healthcare', 'Technology', 'Manufacturing', 'Financial Services'])[g % 6 + 1] as industry,
    50 + (g * 137) % 1950 as employee_count,
    (array['CA', 'TX', 'NY', 'FL', 'IL', 'WA', 'MA', 'GA'])[g % 8 + 1] as state,
    case when g <= 24 then 'customer' when g <= 34 then 'opportunity' else 'lead' end as lifecycle_stage,
    (array['dana.reyes@example-health.com', 'omar.haddad@example-health.com', 'lena.fischer@example-health.com', 'sam.okafor@example-health.com'])[g % 4 + 1] as owner_email,
    timestamptz '2022-06-01 09:00:00+00' + g * 5 * interval '1 day' + g * 37 * interval '1 minute' as created_at,
    timestamptz '2022-06-01 09:00:00+00' + (g * 5 + 200) * interval '1 day' as updated_at,
    g = 40 as is_deleted
from generate_series(1, 40) as g;

update crm.companies
set domain = lower(regexp_replace(name, '[^A-Za-z]', '', 'g')) || '.com';

insert into policy_admin.plans values
    ('PLATINUM_PPO', 'Platinum PPO 250', 'platinum', 'PPO', 845.00, 250.00, true),
    ('GOLD_PPO', 'Gold PPO 1000', 'gold', 'PPO', 690.00, 1000.00, true),
    ('SILVER_HMO', 'Silver HMO 2500', 'silver', 'HMO', 540.00, 2500.00, true),
    ('BRONZE_HDHP', 'Bronze HDHP 5000', 'bronze', 'EPO', 410.00, 5000.00, true),
    ('GOLD_HMO_2019', 'Gold HMO 2019 (closed to new groups)', 'gold', 'HMO', 610.00, 1500.00, false);

-- Every customer signs a 12-month group contract starting on the first of a month in 2023.
-- Three customers in four renew for another 12 months (contract id 100 + company id).
insert into policy_admin.group_contracts
select
    g as contract_id,
    'GC-' || lpad(g::text, 5, '0') as contract_number,
    g as crm_company_id,
    (array['PLATINUM_PPO', 'GOLD_PPO', 'SILVER_HMO', 'BRONZE_HDHP'])[g % 4 + 1] as plan_code,
    (date '2023-01-01' + ((g - 1) % 12) * interval '1 month')::date as effective_date,
    (date '2023-01-01' + ((g - 1) % 12 + 12) * interval '1 month' - interval '1 day')::date as termination_date,
    null::bigint as renewal_of_contract_id,
    case when g % 4 = 0 then 'terminated' else 'renewed' end as status,
    timestamptz '2022-12-02 15:00:00+00' + ((g - 1) % 12) * interval '1 month' as signed_at
from generate_series(1, 24) as g;

insert into policy_admin.group_contracts
select
    100 + c.contract_id,
    'GC-' || lpad((100 + c.contract_id)::text, 5, '0'),
    c.crm_company_id,
    -- About one renewing group in three buys down to the bronze plan.
    case when c.contract_id % 3 = 0 then 'BRONZE_HDHP' else c.plan_code end,
    c.termination_date + 1,
    (c.termination_date + 1 + interval '12 months' - interval '1 day')::date,
    c.contract_id,
    'active',
    c.signed_at + interval '11 months'
from policy_admin.group_contracts as c
where c.contract_id % 4 <> 0;

-- New-business deals (deal id = company id), one renewal deal per first-year contract
-- (200 + company id) and an open renewal deal per second-year contract (300 + company id).
insert into crm.deals
select
    g as deal_id,
    g as company_id,
    'Group medical ' || case when g <= 24 then 2023 when g between 35 and 39 then 2024 else 2025 end as deal_name,
    'new_business' as pipeline,
    case
        when g <= 24 then 'closedwon'
        when g <= 34 then (array['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'])[(g - 25) % 5 + 1]
        when g <= 39 then 'closedlost'
        else 'qualifiedtobuy'
    end as deal_stage,
    ((8 + g % 9) * 12 * (500 + (g * 53) % 350))::numeric(12,2) as amount,
    8 + g % 9 as covered_lives,
    -- Won deals close a month before the contract starts and lost deals closed in 2024.
    -- Open deals carry the expected close date.
    case
        when g <= 24 then (date '2022-12-01' + ((g - 1) % 12) * interval '1 month')::date
        when g <= 34 then date '2024-11-15' + (g - 24) * 14
        when g <= 39 then date '2024-03-25' + (g - 35) * 45
        else date '2025-02-28'
    end as close_date,
    (array['dana.reyes@example-health.com', 'omar.haddad@example-health.com', 'lena.fischer@example-health.com', 'sam.okafor@example-health.com'])[g % 4 + 1] as owner_email,
    case
        when g <= 24 then timestamptz '2022-09-01 10:00:00+00' + ((g - 1) % 12) * interval '1 month'
        when g <= 34 then timestamptz '2024-06-03 10:00:00+00' + (g - 24) * interval '9 days'
        when g <= 39 then timestamptz '2024-01-08 10:00:00+00' + (g - 35) * interval '45 days'
        else timestamptz '2024-10-14 10:00:00+00'
    end as created_at,
    g <= 39 and (g <= 24 or g >= 35) as is_closed
from generate_series(1, 40) as g;

insert into crm.deals
select
    200 + c.crm_company_id,
    c.crm_company_id,
    'Renewal ' || extract(year from c.termination_date + 1)::int,
    'renewal',
    case when c.contract_id % 4 = 0 then 'closedlost' else 'closedwon' end,
    (12 * (8 + c.crm_company_id % 9) * p.monthly_premium_per_member)::numeric(12,2),
    8 + c.crm_company_id % 9,
    c.termination_date - 30,
    (array['dana.reyes@example-health.com', 'omar.haddad@example-health.com', 'lena.fischer@example-health.com', 'sam.okafor@example-health.com'])[c.crm_company_id % 4 + 1],
    (c.termination_date - 120)::timestamptz + interval '9 hours',
    true
from policy_admin.group_contracts as c
join policy_admin.plans as p on p.plan_code = c.plan_code
where c.renewal_of_contract_id is null;

insert into crm.deals
select
    300 + c.crm_company_id,
    c.crm_company_id,
    'Renewal ' || extract(year from c.termination_date + 1)::int,
    'renewal',
    (array['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent'])[c.crm_company_id % 5 + 1],
    (12 * (8 + c.crm_company_id % 9) * p.monthly_premium_per_member * 1.06)::numeric(12,2),
    8 + c.crm_company_id % 9,
    c.termination_date - 30,
    (array['dana.reyes@example-health.com', 'omar.haddad@example-health.com', 'lena.fischer@example-health.com', 'sam.okafor@example-health.com'])[c.crm_company_id % 4 + 1],
    (c.termination_date - 150)::timestamptz + interval '9 hours',
    false
from policy_admin.group_contracts as c
join policy_admin.plans as p on p.plan_code = c.plan_code
where c.renewal_of_contract_id is not null;

-- Stage history: a deal passes through the open stages up to its current one. A closed
-- deal then enters its closing stage on the close date.
insert into crm.deal_stage_history
select
    d.deal_id,
    s.stage,
    d.created_at + (s.stage_order - 1) * (5 + d.deal_id % 7) * interval '1 day' as entered_at
from crm.deals as d
cross join lateral (
    values
        (1, 'appointmentscheduled'),
        (2, 'qualifiedtobuy'),
        (3, 'presentationscheduled'),
        (4, 'decisionmakerboughtin'),
        (5, 'contractsent')
) as s (stage_order, stage)
where s.stage_order <= case d.deal_stage
    when 'appointmentscheduled' then 1
    when 'qualifiedtobuy' then 2
    when 'presentationscheduled' then 3
    when 'decisionmakerboughtin' then 4
    when 'contractsent' then 5
    when 'closedwon' then 5
    else 1 + d.deal_id % 3
end
union all
select d.deal_id, d.deal_stage, d.close_date::timestamptz + interval '16 hours'
from crm.deals as d
where d.deal_stage in ('closedwon', 'closedlost');

-- 300 members spread over the 24 customers: about one in five is a spouse, one in seven a child.
insert into policy_admin.members
select
    i as member_id,
    'M' || lpad(i::text, 7, '0') as member_number,
    (array['Ana', 'Ben', 'Chloe', 'David', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Kate', 'Luis'])[i % 12 + 1] as first_name,
    (array['Garcia', 'Smith', 'Nguyen', 'Johnson', 'Kowalski', 'Brown', 'Okafor', 'Martin', 'Rossi', 'Lee', 'Dubois', 'Patel', 'Cohen', 'Silva', 'Andersen'])[(i * 7) % 15 + 1] as last_name,
    case
        when i % 7 = 0 then date '2004-01-01' + (i * 37) % 6500
        else date '1961-01-01' + (i * 97) % 15000
    end as birth_date,
    case when i % 2 = 0 then 'F' else 'M' end as sex,
    lpad((10001 + (i * 271) % 89000)::text, 5, '0') as zip_code,
    case when i % 7 = 0 then 'child' when i % 5 = 0 then 'spouse' else 'subscriber' end as relationship,
    (i - 1) % 24 + 1 as crm_company_id,
    timestamptz '2022-12-15 08:00:00+00' + ((i - 1) % 24 % 12) * interval '1 month' + i * interval '1 hour' as created_at
from generate_series(1, 300) as i;

-- Members join their employer's first contract up to three months late, and one in
-- eleven leaves after five months. Everyone else stays on through the renewal, if any.
insert into policy_admin.enrollments
select
    row_number() over (order by e.member_id, e.coverage_start) as enrollment_id,
    e.member_id,
    e.contract_id,
    e.coverage_start,
    e.coverage_end,
    e.cancel_reason
from (
    select
        m.member_id,
        c.contract_id,
        (c.effective_date + (m.member_id % 4) * interval '1 month')::date as coverage_start,
        case
            when m.member_id % 11 = 0 then (c.effective_date + (m.member_id % 4 + 5) * interval '1 month' - interval '1 day')::date
            else c.termination_date
        end as coverage_end,
        case
            when m.member_id % 11 = 0 then 'employment_ended'
            when c.status = 'terminated' then 'group_terminated'
        end as cancel_reason
    from policy_admin.members as m
    join policy_admin.group_contracts as c
        on c.crm_company_id = m.crm_company_id
        and c.renewal_of_contract_id is null
    union all
    select
        m.member_id,
        c.contract_id,
        c.effective_date,
        -- Coverage under a contract that is still running has no end date yet.
        null::date,
        null::text
    from policy_admin.members as m
    join policy_admin.group_contracts as c
        on c.crm_company_id = m.crm_company_id
        and c.renewal_of_contract_id is not null
    where m.member_id % 11 <> 0
) as e;

-- One invoice per contract and month through December 2024, billed for the members
-- covered on the first of the month. About one invoice in seventeen is
-- unpaid, and December 2024 is not paid yet.
insert into policy_admin.premium_invoices
select
    row_number() over (order by i.contract_id, i.billing_month) as invoice_id,
    i.contract_id,
    i.billing_month,
    i.member_count,
    i.amount_billed,
    case
        when i.billing_month = date '2024-12-01' then 0
        when (i.contract_id + extract(month from i.billing_month)::int) % 17 = 0 then 0
        else i.amount_billed
    end as amount_paid,
    i.billing_month - 5 as due_date,
    case
        when i.billing_month = date '2024-12-01' then null
        when (i.contract_id + extract(month from i.billing_month)::int) % 17 = 0 then null
        else (i.billing_month - 5 - (i.contract_id % 4)::integer)::timestamptz + interval '14 hours'
    end as paid_at
from (
    select
        c.contract_id,
        month::date as billing_month,
        count(e.member_id)::integer as member_count,
        (count(e.member_id) * p.monthly_premium_per_member)::numeric(12,2) as amount_billed
    from policy_admin.group_contracts as c
    join policy_admin.plans as p on p.plan_code = c.plan_code
    cross join lateral generate_series(c.effective_date, least(c.termination_date, date '2024-12-31'), interval '1 month') as month
    left join policy_admin.enrollments as e
        on e.contract_id = c.contract_id
        and e.coverage_start <= month::date
        and coalesce(e.coverage_end, date '9999-12-31') >= month::date
    group by c.contract_id, month, p.monthly_premium_per_member
) as i;

insert into claims_raw.providers
select
    p as provider_id,
    (1003000000 + p * 7919)::text as npi,
    case
        when p % 10 = 7 then (array['Walgreens', 'CVS Pharmacy', 'Rite Aid'])[p % 3 + 1] || ' #' || (1000 + p * 13)
        when p % 10 = 5 then (array['St. Mary', 'Mercy', 'Riverside', 'Good Samaritan'])[p % 4 + 1] || ' Medical Center'
        else 'Dr. ' || (array['Alvarez', 'Brooks', 'Chen', 'Diallo', 'Evans', 'Frank', 'Gupta', 'Haas'])[p % 8 + 1]
            || ' ' || (array['Family Practice', 'Clinic', 'Associates'])[p % 3 + 1]
    end as provider_name,
    (array['Family Medicine', 'Internal Medicine', 'Pediatrics', 'Cardiology', 'Orthopedics', 'Hospital', 'Radiology', 'Pharmacy', 'Dermatology', 'Behavioral Health'])[p % 10 + 1] as specialty,
    (array['CA', 'TX', 'NY', 'FL', 'IL', 'WA', 'MA', 'GA'])[p % 8 + 1] as state,
    p % 6 <> 0 as is_in_network
from generate_series(1, 30) as p;

insert into claims_raw.diagnosis_codes values
    ('E11.9', 'Type 2 diabetes mellitus without complications', 'Endocrine, nutritional and metabolic diseases'),
    ('E78.5', 'Hyperlipidemia, unspecified', 'Endocrine, nutritional and metabolic diseases'),
    ('I10', 'Essential (primary) hypertension', 'Diseases of the circulatory system'),
    ('I25.10', 'Atherosclerotic heart disease of native coronary artery', 'Diseases of the circulatory system'),
    ('I48.91', 'Unspecified atrial fibrillation', 'Diseases of the circulatory system'),
    ('J06.9', 'Acute upper respiratory infection, unspecified', 'Diseases of the respiratory system'),
    ('J45.909', 'Unspecified asthma, uncomplicated', 'Diseases of the respiratory system'),
    ('J18.9', 'Pneumonia, unspecified organism', 'Diseases of the respiratory system'),
    ('M54.50', 'Low back pain, unspecified', 'Diseases of the musculoskeletal system'),
    ('M17.11', 'Unilateral primary osteoarthritis, right knee', 'Diseases of the musculoskeletal system'),
    ('F41.1', 'Generalized anxiety disorder', 'Mental and behavioural disorders'),
    ('F32.A', 'Depression, unspecified', 'Mental and behavioural disorders'),
    ('Z00.00', 'General adult medical examination without abnormal findings', 'Factors influencing health status'),
    ('Z23', 'Encounter for immunization', 'Factors influencing health status'),
    ('N39.0', 'Urinary tract infection, site not specified', 'Diseases of the genitourinary system'),
    ('K21.9', 'Gastro-esophageal reflux disease without esophagitis', 'Diseases of the digestive system'),
    ('S93.401A', 'Sprain of unspecified ligament of right ankle, initial encounter', 'Injury and poisoning'),
    ('O80', 'Encounter for full-term uncomplicated delivery', 'Pregnancy and childbirth'),
    ('C50.911', 'Malignant neoplasm of unspecified site of right female breast', 'Neoplasms'),
    ('L70.0', 'Acne vulgaris', 'Diseases of the skin');

-- 450 claims on covered days up to December 2024. Claims for services after
-- 15 November 2024 are still open, and one in ten of the others is denied.
insert into claims_raw.claims
select
    c.claim_id,
    'CLM-' || to_char(c.service_date, 'YYYYMM') || '-' || lpad(c.claim_id::text, 5, '0') as claim_number,
    c.member_id,
    c.provider_id,
    c.claim_type,
    c.service_date,
    (array['E11.9', 'E78.5', 'I10', 'I25.10', 'I48.91', 'J06.9', 'J45.909', 'J18.9', 'M54.50', 'M17.11',
           'F41.1', 'F32.A', 'Z00.00', 'Z23', 'N39.0', 'K21.9', 'S93.401A', 'O80', 'C50.911', 'L70.0'])[(c.claim_id * 7) % 20 + 1] as primary_diagnosis_code,
    c.status,
    c.received_at,
    case when c.status in ('paid', 'denied') then c.received_at + (3 + c.claim_id % 25) * interval '1 day' end as adjudicated_at
from (
    select
        g as claim_id,
        e.member_id,
        case
            when g % 10 < 6 then (array[1, 2, 3, 4, 5, 9, 10, 11, 13, 14, 19, 20, 21, 24, 29, 30])[g % 16 + 1]
            when g % 10 < 8 then (array[7, 17, 27])[g % 3 + 1]
            else (array[15, 25])[g % 2 + 1]
        end as provider_id,
        case when g % 10 < 6 then 'professional' when g % 10 < 8 then 'pharmacy' else 'institutional' end as claim_type,
        s.service_date,
        case
            when s.service_date > date '2024-11-15' then (array['submitted', 'pended'])[g % 2 + 1]
            when g % 10 = 3 then 'denied'
            else 'paid'
        end as status,
        s.service_date::timestamptz + (2 + g % 20) * interval '1 day' + interval '8 hours' + g * interval '1 minute' as received_at
    from generate_series(1, 450) as g
    join (
        select
            row_number() over (order by enrollment_id) as position,
            member_id,
            coverage_start,
            least(coalesce(coverage_end, date '2024-12-31'), date '2024-12-31') as coverage_last_day
        from policy_admin.enrollments
    ) as e on e.position = (g * 37) % (select count(*) from policy_admin.enrollments) + 1
    cross join lateral (
        select e.coverage_start + (g * 13) % (e.coverage_last_day - e.coverage_start + 1) as service_date
    ) as s
) as c;

-- One to three lines per claim. Institutional (hospital) claims carry most of the cost.
insert into claims_raw.claim_lines
select
    c.claim_id,
    l.line_number,
    case c.claim_type
        when 'institutional' then (array['0120', '0250', '0300', '0450'])[l.line_number]
        when 'pharmacy' then 'NDC'
        else (array['99213', '99214', '80053', '85025', '71046', '93000', '97110', '90834', '36415', '90686'])[(c.claim_id + l.line_number) % 10 + 1]
    end as procedure_code,
    case when c.claim_type = 'institutional' and l.line_number = 1 then 2 + c.claim_id % 4 else 1 end as units,
    b.amount_billed,
    b.amount_allowed,
    case when c.status = 'paid' then round(b.amount_allowed * 0.85, 2) else 0 end as amount_paid,
    case when c.status = 'paid' then b.amount_allowed - round(b.amount_allowed * 0.85, 2) else 0 end as member_responsibility,
    case when c.status = 'denied' then (array['not_covered', 'prior_authorization_missing', 'duplicate_claim', 'out_of_network'])[c.claim_id % 4 + 1] end as denial_reason
from claims_raw.claims as c
cross join lateral generate_series(1, 1 + c.claim_id % 3) as l (line_number)
cross join lateral (
    select
        billed::numeric(12,2) as amount_billed,
        round(billed * 0.64, 2)::numeric(12,2) as amount_allowed
    from (
        select case c.claim_type
            when 'institutional' then 9000 + (c.claim_id * 131 + l.line_number * 977) % 26000
            when 'pharmacy' then 35 + (c.claim_id * 43) % 900 + 0.75
            else 110 + (c.claim_id * 31 + l.line_number * 17) % 540 + 0.50
        end as billed
    ) as amounts
) as b;

commit;
