//! `centinela`: the command line. It parses arguments and settings and wires the crates;
//! the work happens in them.

mod settings;
mod tools;

use anyhow::{Context, Result, bail};
use centinela_store::{Actor, Db, accounts, seed};
use clap::{Parser, Subcommand};
use settings::{ServeArgs, Settings};
use sha2::Digest;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "centinela",
    version,
    about = "National cyber-resilience platform"
)]
struct Cli {
    /// Log format: text or json.
    #[arg(
        long,
        global = true,
        env = "CENTINELA_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform on an embedded database with the demo constituency (for a first look).
    Demo {
        #[arg(long, env = "CENTINELA_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[arg(long, default_value = "./centinela-data")]
        data_dir: PathBuf,
    },
    /// Serve the platform on a database (sqlite://PATH or postgres://…).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long, env = "CENTINELA_DATABASE_URL")]
        database: String,
    },
    /// OSCAL catalogs and profiles.
    Oscal {
        #[command(subcommand)]
        command: OscalCommand,
    },
    /// National capabilities self-assessment (NCAF) framework editions.
    Ncaf {
        #[command(subcommand)]
        command: NcafCommand,
    },
    /// Third-party exposure reports.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
    },
    /// The time-stamping authority.
    Tsa {
        #[command(subcommand)]
        command: TsaCommand,
    },
    /// The transparency log.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Check offline: a receipt (an audit entry, a seal's or an evidence's, as downloaded from
    /// the API), optionally against the record it covers; or, with --log, a whole copy of the
    /// log against its checkpoint and an earlier one.
    Verify {
        /// The receipt JSON file (not with --log).
        receipt: Option<PathBuf>,
        /// With a receipt: the record it covers (a seal's .p7s, an evidence's text); its
        /// SHA-256 must be the digest the entry states.
        #[arg(long)]
        document: Option<PathBuf>,
        /// A directory holding a copy of the log (`checkpoint`, `tile/...`, as served under
        /// /log/ or mirrored into the files directory): every entry and tile is checked.
        #[arg(long)]
        log: Option<PathBuf>,
        /// With --log: an earlier signed checkpoint the log must extend (consistency).
        #[arg(long)]
        since: Option<PathBuf>,
        /// With --log: the log's origin (default: the key's name).
        #[arg(long)]
        origin: Option<String>,
        /// The log's verifier key (from `centinela log key` or /log/key, obtained from a
        /// trusted source). Without it, a receipt is checked with the key inside it, which
        /// only proves internal consistency; --log requires it.
        #[arg(long)]
        key: Option<String>,
    },
    /// Seed the demo constituency and accounts into a database (once; for trials and benchmarks).
    SeedDemo {
        #[arg(long, env = "CENTINELA_DATABASE_URL")]
        database: String,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum OscalCommand {
    /// Resolve a profile into a catalog (imports are read relative to the profile).
    Resolve {
        profile: PathBuf,
        /// Use this catalog instead of the one the profile imports.
        #[arg(long)]
        catalog: Option<PathBuf>,
        #[arg(long)]
        output: PathBuf,
        /// Treat warnings (unknown ids in alters, parameters of unselected controls) as errors.
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
enum NcafCommand {
    /// Validate an edition file offline (the checks an upload gets) and print its clusters,
    /// objectives and indicators per level; errors name the file and the JSON path.
    Check {
        /// The edition file (`{"ncaf": {...}}`, format in assess/data/ncaf/README.md).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum FeedsCommand {
    /// Route a Shadowserver-style CSV report to owners; writes IntelMQ-style JSON lines.
    Route {
        /// CSV with columns kind,value,owner (kind: cidr, asn or domain).
        #[arg(long)]
        owners: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Report type (scan_http, scan_dns, device_id…); by default from the file name.
        #[arg(long)]
        report: Option<String>,
    },
}

#[derive(Subcommand)]
enum TsaCommand {
    /// Make a development root, TSA and seal key pair (PKCS#8 PEM) and certificates in DIR.
    Init {
        #[arg(long, default_value = "./centinela-data/tsa")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Print the log's verifier key (signed-note form).
    Key {
        /// The log directory (for the demo: ./centinela-data/log).
        #[arg(long, default_value = "./centinela-data/log")]
        log_dir: PathBuf,
        #[arg(long, default_value = settings::DEMO_LOG_ORIGIN)]
        origin: String,
    },
    /// Print the tile and entry-bundle paths of a log of SIZE entries, one per line, to copy a
    /// log for an offline audit (e.g. with curl into a directory).
    Tiles { size: u64 },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API bearer token for the user with this e-mail.
    Create {
        #[arg(long, env = "CENTINELA_DATABASE_URL")]
        database: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// The token may change data (otherwise read-only).
        #[arg(long)]
        write: bool,
    },
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CENTINELA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logs(&cli.log_format);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run(cli.command)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes on one line: which file, and what was wrong with it.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(url: &str) -> Result<Db> {
    let db = Db::connect(url)
        .await
        .with_context(|| format!("opening database {url}"))?;
    db.migrate().await.context("applying migrations")?;
    Ok(db)
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo { listen, data_dir } => {
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            let url = format!("sqlite://{}", data_dir.join("centinela.db").display());
            let db = open(&url).await?;
            if seed::seed_demo(&db)
                .await
                .context("seeding the demo constituency")?
            {
                tracing::info!("demo constituency seeded");
            }
            let n = centinela_web::demo::seed_incidents(&db)
                .await
                .context("seeding the demo incidents")?;
            if n > 0 {
                tracing::info!(incidents = n, "demo incidents seeded");
            }
            centinela_web::demo::seed_inventory(&db)
                .await
                .context("seeding the demo inventory")?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("listening on {listen}"))?;
            let addr = listener.local_addr()?;
            println!("Centinela demo: http://{addr}/");
            println!("Database: {url}");
            println!("Demo accounts (password: {}):", seed::DEMO_PASSWORD);
            for a in seed::DEMO_ACCOUNTS {
                let inst = if a.institution.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.institution)
                };
                println!("  {:<34} {}{}", a.email, a.role, inst);
            }
            let log = centinela_web::transparency::TransparencyLog::open(
                &data_dir.join("log"),
                settings::DEMO_LOG_ORIGIN,
            )?;
            println!(
                "Transparency log: {} (key: {})",
                settings::DEMO_LOG_ORIGIN,
                log.verifier_key()
            );
            let inbox = data_dir.join("inbox");
            println!(
                "Report inbox: {} (files named YYYY-MM-DD-<type>-….csv are ingested)",
                inbox.display()
            );
            let web = centinela_web::WebSettings {
                files_dir: Some(data_dir.join("files")),
                feeds_watch: Some(inbox),
                ..Default::default()
            };
            let tsa = centinela_web::tsa::development(&data_dir.join("tsa"))?;
            println!("Time-stamping authority: http://{addr}/tsa (certificate: /tsa/certificate)");
            let seals = centinela_web::seals::SealAuthority::development(
                &data_dir.join("tsa"),
                tsa.clone(),
            )?;
            println!("E-seals: verify at http://{addr}/seals/verify (roots: /seals/roots.pem)");
            serve(db, listener, web, Some(log), Some((tsa, Some(seals)))).await
        }
        Command::Serve(args) => {
            let s = Settings::resolve(*args)?;
            let db = open(&s.database).await?;
            let listener = tokio::net::TcpListener::bind(s.listen)
                .await
                .with_context(|| format!("listening on {}", s.listen))?;
            println!("Centinela: http://{}/", listener.local_addr()?);
            let log = match &s.log_dir {
                Some(dir) => Some(centinela_web::transparency::TransparencyLog::open(
                    dir,
                    &s.log_origin,
                )?),
                None => None,
            };
            let tsa = match (&s.tsa_key, &s.tsa_chain) {
                (Some(key), Some(chain)) => Some(centinela_web::tsa::load(key, chain)?),
                (None, None) => None,
                _ => anyhow::bail!("--tsa-key and --tsa-chain go together"),
            };
            let tsa = match (tsa, &s.seal_ca_key, &s.seal_ca_chain) {
                (Some(tsa), Some(key), Some(chain)) => {
                    let seals = centinela_web::seals::SealAuthority::load(key, chain, tsa.clone())?;
                    Some((tsa, Some(seals)))
                }
                (tsa, None, None) => tsa.map(|t| (t, None)),
                (None, _, _) => {
                    anyhow::bail!("e-seals need the TSA: pass --tsa-key and --tsa-chain")
                }
                _ => anyhow::bail!("--seal-ca-key and --seal-ca-chain go together"),
            };
            serve(db, listener, s.web, log, tsa).await
        }
        Command::Migrate { database } => {
            open(&database).await?;
            println!("migrations applied to {database}");
            Ok(())
        }
        Command::Oscal {
            command:
                OscalCommand::Resolve {
                    profile,
                    catalog,
                    output,
                    strict,
                },
        } => tools::oscal_resolve(&profile, catalog.as_deref(), &output, strict),
        Command::Ncaf {
            command: NcafCommand::Check { file },
        } => tools::ncaf_check(&file),
        Command::Feeds {
            command:
                FeedsCommand::Route {
                    owners,
                    input,
                    output,
                    report,
                },
        } => tools::feeds_route(&owners, &input, &output, report.as_deref()),
        Command::Tsa {
            command: TsaCommand::Init { dir },
        } => {
            centinela_web::tsa::init_development(&dir)?;
            // And the development sealing CA beside it (for --seal-ca-key/--seal-ca-chain).
            let tsa = centinela_web::tsa::load(&dir.join("tsa.key"), &dir.join("tsa.pem"))?;
            centinela_web::seals::SealAuthority::development(&dir, tsa)?;
            println!(
                "development TSA and sealing CA written to {} (root.pem, tsa.pem, tsa.key, seal.pem, seal.key, seal-ca.pem, seal-ca.key)",
                dir.display()
            );
            Ok(())
        }
        Command::Log {
            command: LogCommand::Key { log_dir, origin },
        } => {
            let log = centinela_web::transparency::TransparencyLog::open(&log_dir, &origin)?;
            println!("{}", log.verifier_key());
            Ok(())
        }
        Command::Log {
            command: LogCommand::Tiles { size },
        } => {
            println!("checkpoint");
            for t in tlog::tile::tiles_for_size(size) {
                println!("{}", t.path());
            }
            Ok(())
        }
        Command::Verify {
            receipt,
            document,
            log,
            since,
            origin,
            key,
        } => match (receipt, log) {
            (Some(receipt), None) => verify_receipt(&receipt, document.as_deref(), key),
            (None, Some(dir)) => {
                let key =
                    key.context("--log needs --key, the log's verifier key from a trusted source")?;
                verify_log(&dir, since.as_deref(), origin, &key)
            }
            _ => anyhow::bail!("give either a receipt file or --log DIR"),
        },
        Command::SeedDemo { database } => {
            let db = open(&database).await?;
            let seeded = seed::seed_demo(&db)
                .await
                .context("seeding the demo constituency")?;
            centinela_web::demo::seed_incidents(&db)
                .await
                .context("seeding the demo incidents")?;
            centinela_web::demo::seed_inventory(&db)
                .await
                .context("seeding the demo inventory")?;
            println!(
                "{}",
                if seeded {
                    "demo constituency seeded"
                } else {
                    "already seeded"
                }
            );
            Ok(())
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    database,
                    email,
                    name,
                    write,
                },
        } => {
            let db = open(&database).await?;
            let Some(user) = accounts::find_user_by_email(&db, &email).await? else {
                bail!("no user with e-mail {email}");
            };
            let (token, _) =
                accounts::create_token(&db, &Actor::system(), user.id, &name, write, None).await?;
            println!("{token}");
            Ok(())
        }
    }
}

async fn serve(
    db: Db,
    listener: tokio::net::TcpListener,
    web: centinela_web::WebSettings,
    log: Option<centinela_web::transparency::TransparencyLog>,
    tsa: Option<(
        std::sync::Arc<trust::tsp::TimeStampAuthority>,
        Option<std::sync::Arc<centinela_web::seals::SealAuthority>>,
    )>,
) -> Result<()> {
    let vulns = web.vuln_dir.clone();
    let mut state = centinela_web::AppState::new(db.clone(), web).await?;
    state = state.with_vulns(match vulns {
        Some(dir) => centinela_web::api::inventory::load_vulns(&dir)?,
        None => centinela_web::api::inventory::sample_vulns(),
    });
    if let Some((tsa, seals)) = tsa {
        state = state.with_tsa(tsa);
        if let Some(seals) = seals {
            state = state.with_seals(seals);
        }
    }
    if let Some(log) = log {
        state = state.with_log(log);
    }
    centinela_web::serve(listener, state, shutdown_signal()).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn verify_receipt(receipt: &Path, document: Option<&Path>, key: Option<String>) -> Result<()> {
    let text = std::fs::read_to_string(receipt)
        .with_context(|| format!("reading {}", receipt.display()))?;
    let r: centinela_web::transparency::AuditReceipt = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a receipt", receipt.display()))?;
    let trusted = key.is_some();
    let key = key.unwrap_or_else(|| r.verifier_key.clone());
    let (index, size) = centinela_web::transparency::verify_audit_receipt(&r, &key)
        .with_context(|| format!("{}", receipt.display()))?;
    println!(
        "ok: audit entry {} ({} {}) is entry {index} of {} (checkpoint of {size} entries)",
        r.entry.id, r.entry.record_kind, r.entry.record_id, r.origin
    );
    if let Some(doc) = document {
        let bytes = std::fs::read(doc).with_context(|| format!("reading {}", doc.display()))?;
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        anyhow::ensure!(
            digest == r.entry.state_sha256,
            "{}: its SHA-256 {digest} is not the digest {} the logged entry states",
            doc.display(),
            r.entry.state_sha256
        );
        println!("ok: {} is the record the entry states", doc.display());
    }
    if !trusted {
        eprintln!(
            "note: checked with the key inside the receipt; pass --key from a trusted source"
        );
    }
    Ok(())
}

fn verify_log(dir: &Path, since: Option<&Path>, origin: Option<String>, key: &str) -> Result<()> {
    let verifier = tlog::note::Verifier::parse(key.trim())
        .map_err(|e| anyhow::anyhow!("--key: not a signed-note verifier key: {e}"))?;
    let origin = origin.unwrap_or_else(|| verifier.name().to_string());
    let old = since
        .map(|p| std::fs::read(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("auditing {}", dir.display()));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let report = tlog::mirror::audit(dir, &origin, &[verifier], old.as_deref());
    spinner.finish_and_clear();
    let report = report.with_context(|| format!("{}", dir.display()))?;
    println!(
        "ok: {} entries of {origin}, {} hash tiles, root matches the signed checkpoint",
        report.checkpoint.size, report.tiles_checked
    );
    for (kind, n) in &report.kinds {
        println!("  {kind}: {n}");
    }
    if report.foreign > 0 {
        println!("  (not Centinela statements): {}", report.foreign);
    }
    if let Some(old) = report.since {
        println!(
            "ok: consistent with the earlier checkpoint of {} entries (it is a prefix of this log)",
            old.size
        );
    }
    Ok(())
}
