-- The inventory of ICT goods and services: software, assets and digital public services.
CREATE TABLE software (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '',
    cpe TEXT NOT NULL DEFAULT '',
    purl TEXT NOT NULL DEFAULT '',
    licence TEXT NOT NULL DEFAULT '',
    open_source BOOLEAN NOT NULL,
    source TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX software_institution ON software (institution_id);

CREATE TABLE assets (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    ipv6 BOOLEAN NOT NULL,
    criticality TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_institution ON assets (institution_id);

CREATE TABLE services (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    personal_data BOOLEAN NOT NULL,
    payments BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX services_institution ON services (institution_id);
