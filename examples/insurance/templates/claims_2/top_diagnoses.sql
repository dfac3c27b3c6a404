/*
The costliest diagnoses of each year, ranked by amount paid.

One row per year of service and primary diagnosis. Case management uses the ranking
to pick conditions for programs, and `share_of_year_paid` shows how concentrated the
cost is.
*/
with by_diagnosis as (
    select
        date_trunc('year', c.service_date)::date as service_year,
        c.primary_diagnosis_code as diagnosis_code,
        c.diagnosis_description,
        c.diagnosis_chapter,
        c.is_chronic_condition,
        count(*) as claim_count,
        count(distinct c.member_id) as member_count,
        sum(c.amount_paid) as amount_paid
    from claims.claims as c
    where c.status = 'paid'
    group by 1, 2, 3, 4, 5
)
select
    extract(year from b.service_year)::integer as service_year,
    rank() over (partition by b.service_year order by b.amount_paid desc) as cost_rank,  -- 1 = costliest
    b.diagnosis_code,                                   -- ICD-10-CM
    b.diagnosis_description,
    b.diagnosis_chapter,
    b.is_chronic_condition,
    b.claim_count,                                      -- paid claims with this primary diagnosis
    b.member_count,                                     -- distinct members with such a claim
    b.amount_paid,                                      -- USD paid by the plan
    -- Share of all paid claims cost of the year, between 0 and 1.
    round(b.amount_paid / sum(b.amount_paid) over (partition by b.service_year), 4) as share_of_year_paid
from by_diagnosis as b
