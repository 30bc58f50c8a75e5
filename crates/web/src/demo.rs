//! Demo incidents: the public record of attacks on Mexican public institutions (2018–2022)
//! and a year of generated, realistic reports, so the national picture has something to show.
//! Seeded once, into a database with no incidents.

use crate::api::incidents::{REFERENCE_PREFIX, registry};
use centinela_core::tlp::Tlp;
use centinela_store::incidents::{self as store, NewIncident};
use centinela_store::{Actor, Db, StoreError, constituency as repo};
use incidents::incident::{IncidentDraft, Pap};
use incidents::severity::{FunctionalImpact, ImpactFactors, InformationImpact, Recoverability};
use incidents::taxonomy::Classification;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// (slug, detected, title, class, type, functional, information, recoverability, people)
type Historic = (
    &'static str,
    OffsetDateTime,
    &'static str,
    &'static str,
    &'static str,
    FunctionalImpact,
    InformationImpact,
    Recoverability,
    u64,
);

/// Public record, summarised in our words.
fn historic() -> Vec<Historic> {
    use FunctionalImpact as F;
    use InformationImpact as I;
    use Recoverability as R;
    vec![
        (
            "banxico",
            datetime!(2018-04-17 09:00 -6),
            "Fraude contra participantes del SPEI: conexiones de bancos al sistema de pagos comprometidas",
            "fraud",
            "unauthorised-use-of-resources",
            F::SignificantCritical,
            I::ProprietaryBreach,
            R::Supplemented,
            1_000_000,
        ),
        (
            "pemex",
            datetime!(2019-11-10 06:00 -6),
            "Ransomware en sistemas administrativos de PEMEX",
            "malicious-code",
            "infected-system",
            F::DenialNonCritical,
            I::DestructionNonCritical,
            R::Extended,
            100_000,
        ),
        (
            "se",
            datetime!(2020-02-22 08:00 -6),
            "Ataque a servidores de la Secretaría de Economía",
            "malicious-code",
            "infected-system",
            F::SignificantNonCritical,
            I::SuspectedBreach,
            R::Supplemented,
            10_000,
        ),
        (
            "lotenal",
            datetime!(2021-06-05 10:00 -6),
            "Robo y publicación de datos de la Lotería Nacional",
            "information-content-security",
            "data-leak",
            F::MinimalNonCritical,
            I::PrivacyBreach,
            R::Supplemented,
            5_000,
        ),
        (
            "sedena",
            datetime!(2022-09-29 12:00 -6),
            "Filtración de correos de la SEDENA (Guacamaya)",
            "information-content-security",
            "data-leak",
            F::MinimalCritical,
            I::CriticalSystemsBreach,
            R::Extended,
            50_000,
        ),
    ]
}

/// Common report types, with rough weights.
const TYPES: &[(&str, &str, u32)] = &[
    ("fraud", "phishing", 30),
    ("malicious-code", "infected-system", 14),
    ("intrusions", "unprivileged-account-compromise", 10),
    ("availability", "ddos", 9),
    ("intrusion-attempts", "brute-force", 9),
    ("information-content-security", "data-leak", 7),
    ("intrusions", "application-compromise", 6),
    ("vulnerable", "information-disclosure", 6),
    ("information-gathering", "scanner", 5),
    ("intrusions", "privileged-account-compromise", 4),
];

/// A small deterministic generator (the demo is the same on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn title(class: &str, kind: &str) -> &'static str {
    match (class, kind) {
        ("fraud", "phishing") => "Campaña de phishing dirigida al personal",
        ("malicious-code", _) => "Equipos infectados con código malicioso",
        ("intrusions", "unprivileged-account-compromise") => "Cuentas de usuario comprometidas",
        ("intrusions", "privileged-account-compromise") => "Cuenta de administrador comprometida",
        ("intrusions", _) => "Aplicación web comprometida",
        ("availability", _) => "Denegación de servicio distribuida contra el portal",
        ("intrusion-attempts", _) => "Intentos de fuerza bruta contra servicios expuestos",
        ("information-content-security", _) => "Fuga de información",
        ("vulnerable", _) => "Servicio vulnerable expuesto en internet",
        _ => "Escaneo de la red institucional",
    }
}

struct Seed<'a> {
    db: &'a Db,
    protocol: &'static incidents::protocol::Protocol,
}

impl Seed<'_> {
    #[allow(clippy::too_many_arguments)]
    async fn add(
        &self,
        slug: &str,
        detected: OffsetDateTime,
        title: &str,
        class: &str,
        kind: &str,
        impact: ImpactFactors,
        tlp: Tlp,
        report_after: Duration,
    ) -> Result<(), StoreError> {
        let Some(inst) = repo::find_institution_by_slug(self.db, slug).await? else {
            return Ok(());
        };
        let draft = IncidentDraft {
            reporter_institution: inst.id,
            title: title.to_string(),
            description: title.to_string(),
            detected_at: detected,
            aware_at: detected + Duration::minutes(30),
            classifications: vec![Classification {
                class: class.into(),
                kind: kind.into(),
            }],
            tlp,
            pap: Pap::Amber,
            affected_assets: String::new(),
            affected_services: String::new(),
            affected_asset_ids: vec![],
            affected_service_ids: vec![],
            impact,
            observables: vec![],
        };
        let assessment = self.protocol.severity.assess(&draft.impact);
        let key = self.protocol.key();
        let reported_at = detected + report_after;
        let row = store::create(
            self.db,
            &Actor::system(),
            REFERENCE_PREFIX,
            &NewIncident {
                institution_id: inst.id,
                protocol_id: key.id.clone(),
                protocol_version: key.version.clone(),
                title: draft.title.clone(),
                tlp: tlp.as_str().into(),
                level: assessment.level.clone(),
                significant: assessment.significant,
                class: class.into(),
                kind: kind.into(),
                detected_at: draft.detected_at,
                aware_at: draft.aware_at,
                draft: serde_json::to_string(&draft).unwrap_or_default(),
                assessment: serde_json::to_string(&assessment).unwrap_or_default(),
                reported_at: Some(reported_at),
            },
        )
        .await?;
        if let Some(stage) = self.protocol.stages.first() {
            store::submit_stage_at(self.db, &Actor::system(), &row, &stage.id, reported_at).await?;
        }
        Ok(())
    }
}

/// Seeds the demo incidents unless there are incidents already; returns how many.
pub async fn seed_incidents(db: &Db) -> Result<usize, StoreError> {
    if store::count_all(db).await? > 0 {
        return Ok(0);
    }
    let protocol = registry()
        .default_protocol()
        .ok_or_else(|| StoreError::Seed("no default protocol".into()))?;
    let seed = Seed { db, protocol };
    let mut n = 0;
    for (slug, at, title, class, kind, f, i, r, people) in historic() {
        let impact = ImpactFactors {
            functional_impact: f,
            information_impact: i,
            recoverability: r,
            people_affected: people,
            essential_service: true,
            institutions_affected: 1,
            cross_border: false,
        };
        seed.add(
            slug,
            at,
            title,
            class,
            kind,
            impact,
            Tlp::Clear,
            Duration::hours(30),
        )
        .await?;
        n += 1;
    }
    let (institutions, _) = repo::list_institutions(
        db,
        &centinela_store::Scope::All,
        &Default::default(),
        centinela_store::Page::new(Some(200), None),
    )
    .await?;
    let slugs: Vec<&str> = institutions
        .iter()
        .map(|i| i.slug.as_str())
        .filter(|s| *s != "ccn")
        .collect();
    let total_weight: u32 = TYPES.iter().map(|t| t.2).sum();
    let mut rng = Lcg(2026);
    let now = OffsetDateTime::now_utc();
    for _ in 0..180 {
        let mut pick = rng.below(u64::from(total_weight)) as u32;
        let &(class, kind, _) = TYPES
            .iter()
            .find(|t| {
                if pick < t.2 {
                    true
                } else {
                    pick -= t.2;
                    false
                }
            })
            .unwrap_or(&TYPES[0]);
        let slug = slugs[rng.below(slugs.len() as u64) as usize];
        let detected = now - Duration::minutes(60 * 24 + rng.below(364 * 24 * 60) as i64);
        let impact = ImpactFactors {
            functional_impact: FunctionalImpact::ALL[rng.below(5) as usize],
            information_impact: InformationImpact::ALL[rng.below(4) as usize],
            recoverability: Recoverability::ALL[rng.below(3) as usize],
            people_affected: rng.below(20_000),
            essential_service: rng.below(6) == 0,
            institutions_affected: 1 + (rng.below(10) == 0) as u32,
            cross_border: rng.below(25) == 0,
        };
        let tlp =
            [Tlp::Green, Tlp::Amber, Tlp::Amber, Tlp::Amber, Tlp::Clear][rng.below(5) as usize];
        // Most reach the CSIRT within the day; some are late, as in real life.
        let late = rng.below(5) == 0;
        let span = if late { 72 * 60 } else { 20 * 60 };
        let after = Duration::minutes(30 + rng.below(span) as i64);
        seed.add(
            slug,
            detected,
            title(class, kind),
            class,
            kind,
            impact,
            tlp,
            after,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

/// (institution, software, assets (name, address, IPv6, reachable from the Internet: the demo
/// uses documentation addresses, which the default rule would call private), services (name,
/// URL, personal data)).
type DemoInventory = (
    &'static str,
    Vec<centinela_store::inventory::NewSoftware>,
    &'static [(&'static str, &'static str, bool, bool)],
    &'static [(&'static str, &'static str, bool)],
);

/// A few inventories, some with software that the shipped CVE/KEV samples flag, so the
/// vulnerability view and the KPIs have something to show.
pub async fn seed_inventory(db: &Db) -> Result<usize, StoreError> {
    use centinela_store::inventory::{self as inv, NewSoftware};
    let Some(sat) = repo::find_institution_by_slug(db, "sat").await? else {
        return Ok(0);
    };
    if !inv::list_software(db, sat.id).await?.is_empty() {
        return Ok(0);
    }
    let sw = |vendor: &str, product: &str, version: &str, cpe: &str, purl: &str, licence: &str| {
        NewSoftware {
            vendor: vendor.into(),
            product: product.into(),
            version: version.into(),
            cpe: cpe.into(),
            purl: purl.into(),
            licence: licence.into(),
            open_source: vuln::is_open_source(
                (!licence.is_empty()).then_some(licence),
                purl.strip_prefix("pkg:").and_then(|p| p.split('/').next()),
            ),
        }
    };
    let plans: &[DemoInventory] = &[
        (
            "sat",
            vec![
                sw(
                    "apache",
                    "http_server",
                    "2.4.49",
                    "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                    "",
                    "Apache-2.0",
                ),
                sw("postgresql", "postgresql", "15.5", "", "", "PostgreSQL"),
                sw("microsoft", "windows_server", "2019", "", "", ""),
            ],
            &[
                ("Portal de trámites", "198.51.100.3", true, true),
                ("Base de datos de contribuyentes", "10.2.0.20", false, false),
            ],
            &[(
                "Declaraciones en línea",
                "https://www.sat.gob.mx/declaraciones",
                true,
            )],
        ),
        (
            "imss",
            vec![
                sw(
                    "microsoft",
                    "exchange_server",
                    "2016",
                    "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:*:*:*:*:*:*",
                    "",
                    "",
                ),
                sw("nginx", "nginx", "1.24.0", "", "", "BSD-2-Clause"),
            ],
            &[
                ("Correo institucional", "10.6.0.10", false, true),
                ("Portal del derechohabiente", "2001:db8:6::10", true, true),
            ],
            &[(
                "Citas médicas en línea",
                "https://www.imss.gob.mx/citas",
                true,
            )],
        ),
        (
            "pemex",
            vec![
                sw(
                    "apache",
                    "log4j",
                    "2.14.1",
                    "",
                    "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                    "Apache-2.0",
                ),
                sw("oracle", "database", "19c", "", "", ""),
            ],
            &[("ERP corporativo", "10.16.0.5", false, false)],
            &[],
        ),
    ];
    let actor = Actor::system();
    let mut n = 0;
    for (slug, software, assets, services) in plans {
        let Some(inst) = repo::find_institution_by_slug(db, slug).await? else {
            continue;
        };
        n += inv::add_software(db, &actor, inst.id, software, "demo")
            .await?
            .len();
        for (name, address, ipv6, public) in *assets {
            inv::add_asset(
                db,
                &actor,
                inst.id,
                &inv::NewAsset {
                    name: name.to_string(),
                    kind: "system".into(),
                    address: address.to_string(),
                    ipv6: *ipv6,
                    internet_facing: *public,
                    criticality: "high".into(),
                },
            )
            .await?;
        }
        for (name, url, personal) in *services {
            let service = inv::NewService {
                name: name.to_string(),
                url: url.to_string(),
                owner: String::new(),
                personal_data: *personal,
                payments: false,
            };
            inv::add_service(db, &actor, inst.id, &service).await?;
        }
    }
    Ok(n)
}
