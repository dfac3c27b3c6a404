/*
Insured people, one row per member: employees (subscribers) and their dependents.

Names are masked outside production so that personal schemas and dry runs do not copy
them. Age bands follow the brackets the actuaries use for rating.
*/
select
    m.member_id,
    m.member_number,                            -- number on the member's ID card
    -- First and last name in production; 'Member <member_number>' in other targets.
{%- if target == 'prod' %}
    m.first_name || ' ' || m.last_name as full_name,
{%- else %}
    'Member ' || m.member_number as full_name,
{%- endif %}
    m.birth_date,
    -- Age band on the day the view is read: 0-17, 18-34, 35-49, 50-64 or 65+.
    case
        when age(m.birth_date) < interval '18 years' then '0-17'
        when age(m.birth_date) < interval '35 years' then '18-34'
        when age(m.birth_date) < interval '50 years' then '35-49'
        when age(m.birth_date) < interval '65 years' then '50-64'
        else '65+'
    end as age_band,
    m.sex,                                      -- 'F' or 'M' as reported by the employer
    left(m.zip_code, 3) as zip3,                -- first three digits of the ZIP code
    m.relationship,                             -- 'subscriber', 'spouse' or 'child'
    m.relationship = 'subscriber' as is_subscriber,
    m.crm_company_id as employer_id,
    m.created_at
from policy_admin.members as m
