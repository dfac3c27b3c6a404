/*
Group health plans the company sells, one row per plan code.

Rates are list prices per member and month, and a contract is billed at the rate of
its plan.
*/
select
    p.plan_code,                                      -- e.g. 'GOLD_PPO'
    p.plan_name,
    p.metal_tier,                                     -- ACA tier: bronze, silver, gold or platinum
    p.network_type,                                   -- PPO, HMO or EPO
    p.monthly_premium_per_member,                     -- USD per member and month
    p.annual_deductible,                              -- USD per member and year
    p.is_active as is_sold                            -- false when closed to new groups
from policy_admin.plans as p
