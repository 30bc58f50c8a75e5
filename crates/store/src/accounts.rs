//! Accounts: users, browser sessions, API tokens and login-failure counters.
//!
//! Secrets are never stored: session and API tokens are kept as SHA-256 (they carry 256 bits
//! of entropy, so a slow hash adds nothing), passwords as Argon2id.

use crate::audit::{self, Change};
use crate::db::conflict;
use crate::{Actor, Db, Page, Result, Scope, StoreError, args, now};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use centinela_core::principal::{Principal, Role, Via};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub institution_id: Option<Uuid>,
    #[serde(skip)]
    pub password_hash: String,
    #[serde(skip)]
    pub totp_secret: Option<String>,
    #[serde(skip)]
    pub totp_last_step: Option<i64>,
    pub locale: String,
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::CrisisMember)
    }

    pub fn totp_enabled(&self) -> bool {
        self.totp_secret.is_some()
    }
}

const USER_COLUMNS: &str = "id, email, name, role, institution_id, password_hash, totp_secret, totp_last_step, locale, active, created_at";

/// Argon2id with the crate's defaults (m=19 MiB, t=2, p=1: OWASP's recommendation).
/// CPU-bound: call it off the async executor.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("Argon2 hashing with default parameters does not fail")
        .to_string()
}

/// Constant-time verification; an unparsable hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match argon2::password_hash::phc::PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a password nobody knows, verified against for unknown accounts so that the
/// response time does not reveal whether an account exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password"))
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub institution_id: Option<Uuid>,
    pub password_hash: String,
    pub locale: &'a str,
    /// Institutions an auditor is assigned to.
    pub audits: &'a [Uuid],
}

pub async fn create_user(db: &Db, actor: &Actor, u: &NewUser<'_>) -> Result<User> {
    let row = User {
        id: Uuid::new_v4(),
        email: u.email.trim().to_lowercase(),
        name: u.name.trim().to_string(),
        role: u.role.as_str().to_string(),
        institution_id: u.institution_id,
        password_hash: u.password_hash.clone(),
        totp_secret: None,
        totp_last_step: None,
        locale: u.locale.to_string(),
        active: true,
        created_at: now(),
    };
    let mut tx = db.begin().await?;
    tx.execute(
        &format!("INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        args![
            row.id, &row.email, &row.name, &row.role, row.institution_id, &row.password_hash,
            row.totp_secret.clone(), row.totp_last_step, &row.locale, row.active, row.created_at
        ],
    )
    .await
    .map_err(conflict("user e-mail"))?;
    for inst in u.audits {
        tx.execute(
            "INSERT INTO auditor_assignments (user_id, institution_id) VALUES ($1, $2)",
            args![row.id, *inst],
        )
        .await?;
    }
    let change = Change::new("create", "user", row.id, row.institution_id, &row);
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<User>> {
    db.fetch_optional(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"),
        args![email.trim().to_lowercase()],
    )
    .await
}

pub async fn get_user(db: &Db, id: Uuid) -> Result<User> {
    db.fetch_one(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
        args![id],
    )
    .await
}

#[derive(FromRow)]
struct Assignment {
    institution_id: Uuid,
}

pub async fn auditor_assignments(db: &Db, user: Uuid) -> Result<Vec<Uuid>> {
    let rows: Vec<Assignment> = db
        .fetch_all(
            "SELECT institution_id FROM auditor_assignments WHERE user_id = $1 ORDER BY institution_id",
            args![user],
        )
        .await?;
    Ok(rows.into_iter().map(|a| a.institution_id).collect())
}

/// The principal a user acts as.
pub async fn principal_for(db: &Db, user: &User, via: Via) -> Result<Principal> {
    let role = user.role();
    let audits = if role == Role::Auditor {
        auditor_assignments(db, user.id).await?
    } else {
        vec![]
    };
    Ok(Principal::new(user.id, role, user.institution_id, audits).with_via(via))
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

pub async fn list_users(db: &Db, scope: &Scope, page: Page) -> Result<(Vec<User>, i64)> {
    let (cond, mut params) = scope.condition("institution_id", 1);
    let total: Count = db
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM users WHERE {cond}"),
            params.clone(),
        )
        .await?;
    let n = params.len();
    params.extend(args![page.limit, page.offset]);
    let rows = db
        .fetch_all(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {cond} ORDER BY email LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    Ok((rows, total.n))
}

/// Replaces a password and ends every session of the user but `keep` (ASVS 3.3.3).
pub async fn set_password(
    db: &Db,
    actor: &Actor,
    user: Uuid,
    password_hash: &str,
    keep: Option<&str>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        args![user, password_hash],
    )
    .await?;
    match keep {
        Some(id_hash) => {
            tx.execute(
                "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2",
                args![user, id_hash],
            )
            .await?
        }
        None => {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", args![user])
                .await?
        }
    };
    let change = Change::new(
        "set-password",
        "user",
        user,
        None,
        &serde_json::json!({"user": user, "password": "changed"}),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await
}

pub async fn set_locale(db: &Db, user: Uuid, locale: &str) -> Result<()> {
    db.execute(
        "UPDATE users SET locale = $2 WHERE id = $1",
        args![user, locale],
    )
    .await?;
    Ok(())
}

/// Enables TOTP with a confirmed secret (base32).
pub async fn set_totp(
    db: &Db,
    actor: &Actor,
    user: Uuid,
    secret: Option<&str>,
    step: Option<i64>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE users SET totp_secret = $2, totp_last_step = $3 WHERE id = $1",
        args![user, secret.map(str::to_string), step],
    )
    .await?;
    let change = Change::new(
        if secret.is_some() {
            "enable-totp"
        } else {
            "disable-totp"
        },
        "user",
        user,
        None,
        &serde_json::json!({"user": user, "totp": secret.is_some()}),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await
}

/// Records the time step of an accepted TOTP code; refuses a step at or before the last
/// accepted one, so a code cannot be replayed (ASVS 2.8.4). Returns whether it was accepted.
pub async fn accept_totp_step(db: &Db, user: Uuid, step: i64) -> Result<bool> {
    let n = db
        .execute(
            "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            args![user, step],
        )
        .await?;
    Ok(n == 1)
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

// ---- sessions ----

pub const SESSION_IDLE: Duration = Duration::minutes(30);
pub const SESSION_ABSOLUTE: Duration = Duration::hours(12);

#[derive(Debug, Clone, FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub mfa_ok: bool,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Starts a session and returns the cookie value (shown once, stored hashed).
pub async fn create_session(
    db: &Db,
    user: Uuid,
    mfa_ok: bool,
    ip: &str,
    user_agent: &str,
) -> Result<(String, Session)> {
    let token = random_token();
    let now = now();
    let s = Session {
        id_hash: sha256_hex(&token),
        user_id: user,
        csrf_token: random_token(),
        mfa_ok,
        created_at: now,
        last_seen_at: now,
        expires_at: now + SESSION_ABSOLUTE,
    };
    let ua: String = user_agent.chars().take(300).collect();
    db.execute(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_ok, created_at, last_seen_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        args![&s.id_hash, user, &s.csrf_token, mfa_ok, now, now, s.expires_at, ip, ua],
    )
    .await?;
    Ok((token, s))
}

/// The live session for a cookie value, touching its last-seen time at most once a minute.
pub async fn session_lookup(db: &Db, token: &str) -> Result<Option<(Session, User)>> {
    let hash = sha256_hex(token);
    let Some(s): Option<Session> = db
        .fetch_optional(
            "SELECT id_hash, user_id, csrf_token, mfa_ok, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
            args![&hash],
        )
        .await?
    else {
        return Ok(None);
    };
    let now = now();
    if now >= s.expires_at || now - s.last_seen_at >= SESSION_IDLE {
        db.execute("DELETE FROM sessions WHERE id_hash = $1", args![&hash])
            .await?;
        return Ok(None);
    }
    let user = get_user(db, s.user_id).await?;
    if !user.active {
        return Ok(None);
    }
    if now - s.last_seen_at >= Duration::minutes(1) {
        db.execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1",
            args![&hash, now],
        )
        .await?;
    }
    Ok(Some((s, user)))
}

pub async fn delete_session(db: &Db, token: &str) -> Result<()> {
    db.execute(
        "DELETE FROM sessions WHERE id_hash = $1",
        args![sha256_hex(token)],
    )
    .await?;
    Ok(())
}

pub async fn delete_user_sessions(db: &Db, user: Uuid) -> Result<()> {
    db.execute("DELETE FROM sessions WHERE user_id = $1", args![user])
        .await?;
    Ok(())
}

// ---- API tokens ----

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: String,
    pub can_write: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

const TOKEN_COLUMNS: &str =
    "id, user_id, name, secret_hash, can_write, created_at, expires_at, last_used_at, revoked_at";
const TOKEN_PREFIX: &str = "cnt_";

/// Creates a token and returns its plaintext `cnt_<id>_<secret>`, shown once.
pub async fn create_token(
    db: &Db,
    actor: &Actor,
    user: Uuid,
    name: &str,
    can_write: bool,
    expires_at: Option<OffsetDateTime>,
) -> Result<(String, ApiToken)> {
    let secret = random_token();
    let row = ApiToken {
        id: Uuid::new_v4(),
        user_id: user,
        name: name.trim().to_string(),
        secret_hash: sha256_hex(&secret),
        can_write,
        created_at: now(),
        expires_at,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = db.begin().await?;
    tx.execute(
        &format!(
            "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        args![
            row.id,
            user,
            &row.name,
            &row.secret_hash,
            can_write,
            row.created_at,
            expires_at,
            row.last_used_at,
            row.revoked_at
        ],
    )
    .await?;
    let change = Change::new("create", "api_token", row.id, None, &row);
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok((format!("{TOKEN_PREFIX}{}_{secret}", row.id.simple()), row))
}

/// The token and its user, if the plaintext is valid, unrevoked and unexpired.
pub async fn token_lookup(db: &Db, plaintext: &str) -> Result<Option<(ApiToken, User)>> {
    let Some((id, secret)) = plaintext
        .strip_prefix(TOKEN_PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .and_then(|(id, secret)| Uuid::try_parse(id).ok().map(|id| (id, secret)))
    else {
        return Ok(None);
    };
    let Some(t): Option<ApiToken> = db
        .fetch_optional(
            &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"),
            args![id],
        )
        .await?
    else {
        return Ok(None);
    };
    let now = now();
    let matches: bool = sha256_hex(secret)
        .as_bytes()
        .ct_eq(t.secret_hash.as_bytes())
        .into();
    if !matches || t.revoked_at.is_some() || t.expires_at.is_some_and(|e| now >= e) {
        return Ok(None);
    }
    let user = get_user(db, t.user_id).await?;
    if !user.active {
        return Ok(None);
    }
    // Written at most once a minute: a busy client must not turn every read into a write.
    if t.last_used_at
        .is_none_or(|at| now - at >= Duration::minutes(1))
    {
        db.execute(
            "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
            args![id, now],
        )
        .await?;
    }
    Ok(Some((t, user)))
}

pub async fn list_tokens(db: &Db, user: Uuid) -> Result<Vec<ApiToken>> {
    db.fetch_all(
        &format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"
        ),
        args![user],
    )
    .await
}

pub async fn revoke_token(db: &Db, actor: &Actor, user: Uuid, id: Uuid) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            args![id, user, now()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let change = Change::new(
        "revoke",
        "api_token",
        id,
        None,
        &serde_json::json!({"id": id, "revoked": true}),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await
}

// ---- login throttling ----

/// Failures counted per account over this window (ASVS 2.2.1: at most 100 an hour).
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const MAX_FAILURES: i64 = 10;

pub async fn record_login_failure(db: &Db, email: &str, ip: &str) -> Result<()> {
    let now = now();
    db.execute(
        "INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)",
        args![email.trim().to_lowercase(), ip, now],
    )
    .await?;
    db.execute(
        "DELETE FROM login_failures WHERE at < $1",
        args![now - Duration::days(1)],
    )
    .await?;
    Ok(())
}

pub async fn recent_login_failures(db: &Db, email: &str) -> Result<i64> {
    let c: Count = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM login_failures WHERE email = $1 AND at >= $2",
            args![email.trim().to_lowercase(), now() - FAILURE_WINDOW],
        )
        .await?;
    Ok(c.n)
}

pub async fn clear_login_failures(db: &Db, email: &str) -> Result<()> {
    db.execute(
        "DELETE FROM login_failures WHERE email = $1",
        args![email.trim().to_lowercase()],
    )
    .await?;
    Ok(())
}
