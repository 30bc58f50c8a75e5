-- Platform foundation: constituency, accounts, sessions, tokens, audit trail, event outbox.
CREATE TABLE institutions (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    acronym TEXT NOT NULL,
    name_es TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sector TEXT NOT NULL,
    subsector TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL,
    criticality TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX institutions_sector ON institutions (sector);

CREATE TABLE officers (
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('head', 'officer')),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    named_on DATE NOT NULL,
    PRIMARY KEY (institution_id, role)
);

CREATE TABLE contacts (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_institution ON contacts (institution_id);

CREATE TABLE networks (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('cidr', 'asn', 'domain')),
    value TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX networks_institution ON networks (institution_id);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    institution_id UUID REFERENCES institutions (id),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step BIGINT,
    locale TEXT NOT NULL DEFAULT 'es-MX',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE auditor_assignments (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, institution_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_ok BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    can_write BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);

CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    institution_id UUID,
    state_sha256 TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_institution ON audit_log (institution_id, id);

CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    topic TEXT NOT NULL,
    institution_id UUID,
    payload TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
