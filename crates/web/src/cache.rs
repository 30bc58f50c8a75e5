//! Short-lived, per-process caches on the hottest read paths. They hold only derived state:
//! the database stays the truth, and every replica drops what a change makes stale when the
//! change's event reaches it through the outbox (and this process drops it at once for its own
//! writes).
//!
//! - Bearer tokens → the principal and user they authenticate, for a few seconds. A revocation
//!   is immediate in the process that revokes and takes at most `PRINCIPAL_TTL` elsewhere.
//! - Institution list pages, as serialised JSON, per scope and query, until an institution
//!   changes.

use centinela_core::principal::Principal;
use centinela_store::accounts::User;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PRINCIPAL_TTL: Duration = Duration::from_secs(5);
const LIST_TTL: Duration = Duration::from_secs(60);
/// Bounds memory: past this many entries a cache starts over.
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct Caches {
    principals: Mutex<HashMap<String, (Instant, Principal, User)>>,
    lists: Mutex<HashMap<String, (Instant, String)>>,
}

impl Caches {
    pub fn principal(&self, token: &str) -> Option<(Principal, User)> {
        let m = self.principals.lock().ok()?;
        let (at, p, u) = m.get(token)?;
        (at.elapsed() < PRINCIPAL_TTL).then(|| (p.clone(), u.clone()))
    }

    pub fn put_principal(&self, token: &str, p: &Principal, u: &User) {
        if let Ok(mut m) = self.principals.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(token.to_string(), (Instant::now(), p.clone(), u.clone()));
        }
    }

    /// After a revocation or an account change.
    pub fn forget_principals(&self) {
        if let Ok(mut m) = self.principals.lock() {
            m.clear();
        }
    }

    pub fn list(&self, key: &str) -> Option<String> {
        let m = self.lists.lock().ok()?;
        let (at, body) = m.get(key)?;
        (at.elapsed() < LIST_TTL).then(|| body.clone())
    }

    pub fn put_list(&self, key: String, body: String) {
        if let Ok(mut m) = self.lists.lock() {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(key, (Instant::now(), body));
        }
    }

    pub fn forget_lists(&self) {
        if let Ok(mut m) = self.lists.lock() {
            m.clear();
        }
    }
}
