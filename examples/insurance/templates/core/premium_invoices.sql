/*
Monthly premium invoices sent to employers, one row per contract and month.
*/
select
    i.invoice_id,
    i.contract_id,
    i.billing_month,                            -- first day of the covered month
    i.member_count,                             -- members covered on the first of the month
    i.amount_billed,                            -- USD
    coalesce(i.amount_paid, 0) as amount_paid,  -- USD received so far
    i.amount_billed - coalesce(i.amount_paid, 0) as amount_outstanding,
    i.due_date,
    i.paid_at,                                  -- null until paid
    i.paid_at is null and i.due_date < current_date as is_overdue
from policy_admin.premium_invoices as i
