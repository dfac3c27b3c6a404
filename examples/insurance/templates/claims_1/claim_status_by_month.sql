/*
Claims received per month, counted by status, with the adjudication speed.

One row per month of receipt. The status columns (`submitted_claims`,
`pended_claims`, ...) are generated from `vars.claim_statuses`. Claims operations
use this view to watch the backlog.
*/
{% import "_macros/claims.sql" as claim_macros -%}
select
    date_trunc('month', h.received_at)::date as received_month,  -- month the claim arrived
    count(*) as received_claims,
    -- One count per status in vars.claim_statuses, named <status>_claims.
    {{- claim_macros.status_counts(vars.claim_statuses, "h.status") }}
    count(*) filter (where not h.is_adjudicated) as open_claims,  -- neither paid nor denied yet
    round(avg(h.days_to_adjudicate)::numeric, 1) as avg_days_to_adjudicate,
    -- 90th percentile of the days from receipt to decision, over adjudicated claims.
    round((percentile_cont(0.9) within group (order by h.days_to_adjudicate))::numeric, 1) as p90_days_to_adjudicate
from claims.claim_headers as h
group by date_trunc('month', h.received_at)
