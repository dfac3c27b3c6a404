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
