/*
Doctors, hospitals and pharmacies that send claims, one row per provider.
*/
select
    p.provider_id,
    p.npi,                                      -- 10-digit National Provider Identifier
    p.provider_name,
    p.specialty,                                -- e.g. 'Cardiology', 'Hospital', 'Pharmacy'
    p.state,
    p.is_in_network                             -- true when the provider has a network contract with the insurer
from claims_raw.providers as p
