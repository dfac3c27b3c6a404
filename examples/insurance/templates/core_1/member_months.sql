/*
Member months: one row for every member and calendar month with coverage.

The member month is the exposure unit of health insurance: claims cost and premium
are compared per member month (PMPM). A month counts when the member was covered on
any day of it. Open coverage counts up to the current month, and never past the
contract's termination date.
*/
with coverage as (
    select
        e.member_id,
        e.contract_id,
        c.employer_id,
        c.plan_code,
        e.coverage_start,
        least(coalesce(e.coverage_end, c.termination_date), c.termination_date, current_date) as coverage_last_day
    from core.enrollments as e
    join core.contracts as c on c.contract_id = e.contract_id
)
select
    cv.member_id,
    cv.contract_id,
    cv.employer_id,
    cv.plan_code,
    month::date as coverage_month,   -- first day of the covered month
    m.age_band,                      -- age band of the member today
    m.relationship                   -- 'subscriber', 'spouse' or 'child'
from coverage as cv
cross join lateral generate_series(
    date_trunc('month', cv.coverage_start),
    date_trunc('month', cv.coverage_last_day),
    interval '1 month'
) as month
join core.members as m on m.member_id = cv.member_id
where cv.coverage_last_day >= cv.coverage_start
