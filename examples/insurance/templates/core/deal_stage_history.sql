/*
Every stage a deal has been in, with how long it stayed there.

One row per deal and stage entry. The last entry of each deal has no `left_at`, and
its `days_in_stage` counts up to now.
*/
select
    h.deal_id,
    h.deal_stage as stage,
    h.entered_at,                        -- when the deal moved into the stage
    -- When the deal moved on to its next stage, or null for the current stage.
    lead(h.entered_at) over (partition by h.deal_id order by h.entered_at) as left_at,
    -- Whole days spent in the stage, up to now for the current stage.
    extract(day from coalesce(lead(h.entered_at) over (partition by h.deal_id order by h.entered_at), now()) - h.entered_at)::integer as days_in_stage,
    row_number() over (partition by h.deal_id order by h.entered_at) as entry_number  -- 1 for the deal's first stage
from crm.deal_stage_history as h
