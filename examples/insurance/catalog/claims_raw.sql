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
