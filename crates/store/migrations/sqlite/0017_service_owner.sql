-- The unit or person responsible for a digital public service.
ALTER TABLE services ADD COLUMN owner TEXT NOT NULL DEFAULT '';
