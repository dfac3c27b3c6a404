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
