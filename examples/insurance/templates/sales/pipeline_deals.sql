/*
Deals with their employer and a probability-weighted amount, one row per deal.

The win probability of each stage comes from `vars.deal_stage_probabilities`, the
same figures the sales team uses in its forecast. Won deals count at 1 and lost deals
at 0.
*/
select
    d.deal_id,
    d.employer_id,
    e.employer_name,
    e.industry,
    d.deal_name,
    d.pipeline,                                       -- 'new_business' or 'renewal'
    d.stage,
    d.stage_order,                                    -- 1 to 5 while open, 6 when closed
    d.is_closed,
    d.is_won,
    d.is_lost,
    d.expected_annual_premium,                        -- USD per year
    d.covered_lives,
    -- Probability that the deal closes as won, between 0 and 1.
    case d.stage
{%- for stage, probability in vars.deal_stage_probabilities %}
        when '{{ stage }}' then {{ probability }}
{%- endfor %}
        else 0
    end as win_probability,
    d.close_date,
    date_trunc('quarter', d.close_date)::date as close_quarter,  -- first day of the quarter of close_date
    d.deal_owner,
    d.created_at,
    -- Days from creation to close, or to today for open deals.
    case when d.is_closed then d.close_date else current_date end - d.created_at::date as age_days
from core.deals as d
join core.employers as e on e.employer_id = d.employer_id
