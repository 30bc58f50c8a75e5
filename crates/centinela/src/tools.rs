//! Offline commands over files: OSCAL profile resolution and feed routing.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::Path;

/// `centinela oscal resolve`: resolve a profile into a catalog.
pub fn oscal_resolve(
    profile: &Path,
    catalog: Option<&Path>,
    output: &Path,
    strict: bool,
) -> Result<()> {
    let resolved =
        assess::resolve_profile_file_with(profile, catalog, assess::ResolveOptions { strict })
            .with_context(|| format!("resolving {}", profile.display()))?;
    for w in &resolved.warnings {
        eprintln!("warning: {w}");
    }
    resolved
        .catalog
        .write_file(output)
        .with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "{}: {} controls written to {}",
        profile.display(),
        resolved.catalog.all_controls().len(),
        output.display()
    );
    Ok(())
}

/// `centinela ncaf check`: validate an NCAF edition file and summarise it on stdout.
pub fn ncaf_check(file: &Path) -> Result<()> {
    // The error already names the file and the JSON path; no context to add.
    let f = assess::ncaf::NcafFramework::from_file(file)?;
    println!(
        "{}: edition {} ({}), {}",
        file.display(),
        f.edition,
        f.year.map(|y| y.to_string()).unwrap_or_default(),
        f.title.en
    );
    println!(
        "{} clusters, {} objectives, {} indicators",
        f.clusters.len(),
        f.objectives().count(),
        f.indicator_count()
    );
    for c in &f.clusters {
        println!(
            "  {}: {} objectives — {}",
            c.id,
            c.objectives.len(),
            c.title.en
        );
    }
    let per_level: Vec<String> = f
        .indicators_per_level()
        .iter()
        .map(|(level, n)| format!("level {level}: {n}"))
        .collect();
    println!("indicators per level: {}", per_level.join(", "));
    Ok(())
}

/// `centinela feeds route`: stream a report through the owner table into JSON lines.
pub fn feeds_route(owners: &Path, input: &Path, output: &Path, report: Option<&str>) -> Result<()> {
    let table = feeds::OwnerTable::from_csv(BufReader::new(
        File::open(owners).with_context(|| format!("opening {}", owners.display()))?,
    ))
    .with_context(|| format!("{}", owners.display()))?;
    for d in table.duplicates() {
        eprintln!(
            "warning: {}:{}: {} {} repeats line {} (kept owner {}, ignored {})",
            owners.display(),
            d.line,
            d.kind,
            d.value,
            d.first_line,
            d.kept_owner,
            d.owner
        );
    }
    let kind = match report {
        Some(name) => name.parse::<feeds::ReportKind>()?,
        None => feeds::ReportKind::from_file_name(&input.to_string_lossy())
            .with_context(|| format!("{}: name the report type with --report", input.display()))?,
    };
    let file = File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let out = feeds::EventFile::create(output)
        .with_context(|| format!("creating {}", output.display()))?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(size)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = feeds::route_stream(&table, kind, file, out, |bytes| bar.set_position(bytes))
        .with_context(|| format!("routing {}", input.display()))?;
    bar.finish_and_clear();
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}
