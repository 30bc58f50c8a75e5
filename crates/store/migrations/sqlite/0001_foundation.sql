-- Platform foundation: constituency, accounts, sessions, tokens, audit trail, event outbox.
CREATE TABLE institutions (
    id BLOB PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    acronym TEXT NOT NULL,
    name_es TEXT NOT NULL,
    name_en TEXT NOT NULL,
    sector TEXT NOT NULL,
    subsector TEXT NOT NULL DEFAULT '',
    level TEXT NOT NULL,
    criticality TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX institutions_sector ON institutions (sector);

CREATE TABLE officers (
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('head', 'officer')),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    named_on TEXT NOT NULL,
    PRIMARY KEY (institution_id, role)
);

CREATE TABLE contacts (
    id BLOB PRIMARY KEY,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_institution ON contacts (institution_id);

CREATE TABLE networks (
    id BLOB PRIMARY KEY,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('cidr', 'asn', 'domain')),
    value TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    created_at TEXT NOT NULL,
    UNIQUE (kind, value)
);
CREATE INDEX networks_institution ON networks (institution_id);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    institution_id BLOB REFERENCES institutions (id),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step INTEGER,
    locale TEXT NOT NULL DEFAULT 'es-MX',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE auditor_assignments (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, institution_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_ok INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    can_write INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor_email TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    institution_id BLOB,
    state_sha256 TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_institution ON audit_log (institution_id, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    topic TEXT NOT NULL,
    institution_id BLOB,
    payload TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
