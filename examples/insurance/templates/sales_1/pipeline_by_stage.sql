/*
Open pipeline by pipeline and stage: deal count, amount and weighted forecast.

One row per pipeline and open stage, ordered through the sales process by
`stage_order`. Closed deals are left out, and `sales.win_rate_by_quarter` reports them.
*/
select
    p.pipeline,                                             -- 'new_business' or 'renewal'
    p.stage,
    p.stage_order,                                          -- 1 (first meeting) to 5 (contract sent)
    count(*) as deal_count,
    sum(p.covered_lives) as covered_lives,
    sum(p.expected_annual_premium) as expected_annual_premium,  -- USD per year, unweighted
    round(sum(p.expected_annual_premium * p.win_probability), 2) as weighted_annual_premium,  -- USD per year, times win probability
    round(avg(p.age_days)) as avg_age_days,                 -- mean days since the deals were created
    min(p.close_date) as next_expected_close_date
from sales.pipeline_deals as p
where not p.is_closed
group by p.pipeline, p.stage, p.stage_order
