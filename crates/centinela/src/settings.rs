//! Settings for `serve`: flags, then `CENTINELA_*` environment variables, then a TOML file
//! (`--config`), then defaults.

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// TOML file with any of: database, listen, behind_tls, cookie_secure,
    /// require_totp_for_coordinators, metrics_token, body_limit, log_dir, log_origin, files_dir.
    #[arg(long, env = "CENTINELA_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB
    #[arg(long, env = "CENTINELA_DATABASE_URL")]
    database: Option<String>,
    #[arg(long, env = "CENTINELA_LISTEN")]
    listen: Option<SocketAddr>,
    /// A TLS-terminating proxy is in front: send HSTS and mark cookies Secure.
    #[arg(long, env = "CENTINELA_BEHIND_TLS")]
    behind_tls: Option<bool>,
    /// Mark cookies Secure (__Host- prefix) even without --behind-tls.
    #[arg(long, env = "CENTINELA_COOKIE_SECURE")]
    cookie_secure: Option<bool>,
    /// Coordinators and administrators must enable TOTP.
    #[arg(long, env = "CENTINELA_REQUIRE_TOTP_FOR_COORDINATORS")]
    require_totp_for_coordinators: Option<bool>,
    /// The TSA's private key (PKCS#8 PEM); with --tsa-chain, serves RFC 3161 at /tsa.
    #[arg(long, env = "CENTINELA_TSA_KEY")]
    tsa_key: Option<PathBuf>,
    /// The TSA certificate followed by its chain (PEM).
    #[arg(long, env = "CENTINELA_TSA_CHAIN")]
    tsa_chain: Option<PathBuf>,
    /// The sealing CA's private key (PKCS#8 PEM); with --seal-ca-chain and the TSA, enables
    /// e-seals and sealed registered-delivery evidence.
    #[arg(long, env = "CENTINELA_SEAL_CA_KEY")]
    seal_ca_key: Option<PathBuf>,
    /// The sealing CA certificate followed by its chain (PEM).
    #[arg(long, env = "CENTINELA_SEAL_CA_CHAIN")]
    seal_ca_chain: Option<PathBuf>,
    /// A directory of NVD CVE 2.0 and CISA KEV JSON files for matching inventory software
    /// (default: the small samples shipped with the platform).
    #[arg(long, env = "CENTINELA_VULN_DIR")]
    vuln_dir: Option<PathBuf>,
    /// Where uploaded files (third-party reports) are kept; replicas must share it.
    #[arg(long, env = "CENTINELA_FILES_DIR")]
    files_dir: Option<PathBuf>,
    /// Largest evidence file accepted, in MiB (default 50).
    #[arg(long, env = "CENTINELA_EVIDENCE_LIMIT_MIB")]
    evidence_limit_mib: Option<u64>,
    /// Keep the transparency log in this directory (exactly one replica should).
    #[arg(long, env = "CENTINELA_LOG_DIR")]
    log_dir: Option<PathBuf>,
    /// The log's origin line (its name in checkpoints), e.g. `ciberseguridad.gob.mx/log`.
    #[arg(long, env = "CENTINELA_LOG_ORIGIN")]
    log_origin: Option<String>,
    /// The incident protocol for new reports: `mx-apf-2025` (default) or `eu-nis2`.
    #[arg(long, env = "CENTINELA_PROTOCOL")]
    protocol: Option<String>,
    /// SMTP relay for outgoing e-mail (late-stage alerts), e.g. `smtp://relay.gob.mx:25`.
    #[arg(long, env = "CENTINELA_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender address of outgoing e-mail.
    #[arg(long, env = "CENTINELA_MAIL_FROM")]
    mail_from: Option<String>,
    /// Bearer token required on /metrics.
    #[arg(long, env = "CENTINELA_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database: Option<String>,
    listen: Option<SocketAddr>,
    behind_tls: Option<bool>,
    cookie_secure: Option<bool>,
    require_totp_for_coordinators: Option<bool>,
    metrics_token: Option<String>,
    body_limit: Option<usize>,
    log_dir: Option<PathBuf>,
    log_origin: Option<String>,
    files_dir: Option<PathBuf>,
    evidence_limit_mib: Option<u64>,
    tsa_key: Option<PathBuf>,
    tsa_chain: Option<PathBuf>,
    seal_ca_key: Option<PathBuf>,
    seal_ca_chain: Option<PathBuf>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    protocol: Option<String>,
    vuln_dir: Option<PathBuf>,
}

pub const DEMO_LOG_ORIGIN: &str = "centinela.demo/log";

pub struct Settings {
    pub tsa_key: Option<PathBuf>,
    pub tsa_chain: Option<PathBuf>,
    pub seal_ca_key: Option<PathBuf>,
    pub seal_ca_chain: Option<PathBuf>,
    pub log_dir: Option<PathBuf>,
    pub log_origin: String,
    pub database: String,
    pub listen: SocketAddr,
    pub web: centinela_web::WebSettings,
}

impl Settings {
    pub fn resolve(a: ServeArgs) -> Result<Settings> {
        let file: FileSettings = match &a.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("{}: invalid settings", path.display()))?
            }
            None => FileSettings::default(),
        };
        let database = a.database.or(file.database).context(
            "no database: pass --database, set CENTINELA_DATABASE_URL or `database` in --config",
        )?;
        let behind_tls = a.behind_tls.or(file.behind_tls).unwrap_or(false);
        let defaults = centinela_web::WebSettings::default();
        let mail = match (a.smtp_url.or(file.smtp_url), a.mail_from.or(file.mail_from)) {
            (Some(url), Some(from)) => Some(centinela_web::mail::MailSettings::parse(&url, &from)?),
            (None, None) => None,
            _ => anyhow::bail!("--smtp-url and --mail-from go together"),
        };
        let protocol = a.protocol.or(file.protocol);
        if let Some(id) = &protocol {
            let registry = centinela_web::api::incidents::registry();
            anyhow::ensure!(
                registry.latest(id).is_some(),
                "--protocol {id}: unknown protocol; known: {}",
                registry.ids().join(", ")
            );
        }
        Ok(Settings {
            tsa_key: a.tsa_key.or(file.tsa_key),
            tsa_chain: a.tsa_chain.or(file.tsa_chain),
            seal_ca_key: a.seal_ca_key.or(file.seal_ca_key),
            seal_ca_chain: a.seal_ca_chain.or(file.seal_ca_chain),
            log_dir: a.log_dir.or(file.log_dir),
            log_origin: a
                .log_origin
                .or(file.log_origin)
                .unwrap_or_else(|| "centinela.local/log".to_string()),
            database,
            listen: a
                .listen
                .or(file.listen)
                .unwrap_or_else(|| ([127, 0, 0, 1], 8080).into()),
            web: centinela_web::WebSettings {
                behind_tls,
                cookie_secure: a.cookie_secure.or(file.cookie_secure).unwrap_or(behind_tls),
                require_totp_for_coordinators: a
                    .require_totp_for_coordinators
                    .or(file.require_totp_for_coordinators)
                    .unwrap_or(false),
                metrics_token: a.metrics_token.or(file.metrics_token),
                body_limit: file.body_limit.unwrap_or(defaults.body_limit),
                files_dir: Some(
                    a.files_dir
                        .or(file.files_dir)
                        .unwrap_or_else(|| PathBuf::from("./centinela-files")),
                ),
                evidence_limit: a
                    .evidence_limit_mib
                    .or(file.evidence_limit_mib)
                    .map_or(defaults.evidence_limit, |m| m.saturating_mul(1024 * 1024)),
                vuln_dir: a.vuln_dir.or(file.vuln_dir),
                mail,
                protocol,
                ..defaults
            },
        })
    }
}
