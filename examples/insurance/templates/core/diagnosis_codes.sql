/*
ICD-10-CM diagnosis codes with their chapter, one row per code.
*/
select
    d.code as diagnosis_code,                   -- ICD-10-CM code with its dot, e.g. 'E11.9'
    d.description,
    d.chapter,                                  -- ICD-10 chapter, e.g. 'Diseases of the circulatory system'
    -- Chronic conditions that care management follows up.
    d.code like any (array['E11%', 'I10%', 'I25%', 'I48%', 'J45%', 'F32%', 'F41%']) as is_chronic
from claims_raw.diagnosis_codes as d
