/*
Coverage spans: which member was covered under which contract, and when.

One row per member and contract. `coverage_end` is null while the coverage runs.
*/
select
    e.enrollment_id,
    e.member_id,
    e.contract_id,
    e.coverage_start,                           -- first covered day
    e.coverage_end,                             -- last covered day, null while covered
    e.coverage_end is null as is_open,
    e.cancel_reason                             -- 'employment_ended' or 'group_terminated' when it ended early
from policy_admin.enrollments as e
