/*
Win rate of closed deals per pipeline and quarter.

One row per pipeline and quarter with at least one closed deal. The win rate counts
deals, and the premium win rate weighs them by expected annual premium.
*/
{% import "_macros/finance.sql" as finance -%}
with closed as (
    select
        p.pipeline,
        p.close_quarter,
        count(*) as closed_deals,
        count(*) filter (where p.is_won) as won_deals,
        sum(p.expected_annual_premium) as closed_premium,
        coalesce(sum(p.expected_annual_premium) filter (where p.is_won), 0) as won_premium,
        avg(p.age_days) filter (where p.is_won) as avg_days_to_win
    from sales.pipeline_deals as p
    where p.is_closed
    group by p.pipeline, p.close_quarter
)
select
    c.pipeline,
    c.close_quarter,                                              -- first day of the quarter
    c.closed_deals,
    c.won_deals,
    {{ finance.ratio("c.won_deals", "c.closed_deals") }} as win_rate,            -- won share of closed deals
    {{ finance.money("c.won_premium") }} as won_annual_premium,                  -- USD per year
    {{ finance.ratio("c.won_premium", "c.closed_premium") }} as premium_win_rate,
    round(c.avg_days_to_win) as avg_days_to_win,
    -- Won deals summed over the pipeline's quarters so far.
    sum(c.won_deals) over (partition by c.pipeline order by c.close_quarter) as won_deals_to_date
from closed as c
