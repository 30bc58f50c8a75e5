//! MISP event JSON: export of an incident and import of an event as an incident draft.
//!
//! Tags are in MISP taxonomy form and checked against the embedded taxonomy files:
//! `tlp:amber`, `PAP:AMBER`, `rsit:intrusions="system-compromise"`. MISP itself validates
//! neither tags nor values, so the import does.

use centinela_core::tlp::Tlp;
use centinela_core::validate::FieldError;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use crate::incident::{Incident, IncidentDraft, Pap};
use crate::observable::{Observable, ObservableKind};
use crate::protocol::Protocol;
use crate::severity::ImpactFactors;
use crate::stix::{Export, derived_v4};
use crate::taxonomy::{Classification, pap, rsit, tlp};

/// MISP's `tlp:` tag for a label.
pub fn tlp_tag(t: Tlp) -> String {
    t.as_str().to_ascii_lowercase()
}

/// MISP event distribution for a TLP label: RED and AMBER+STRICT stay in the organisation;
/// AMBER too (a sharing group would need its id, which the caller's MISP instance owns);
/// GREEN goes to the community, CLEAR to all.
pub fn distribution(t: Tlp) -> u8 {
    match t {
        Tlp::Red | Tlp::AmberStrict | Tlp::Amber => 0,
        Tlp::Green => 1,
        Tlp::Clear => 3,
    }
}

/// MISP attribute type and category for an observable.
pub fn attribute_type(o: &Observable) -> (&'static str, &'static str) {
    match o.kind {
        ObservableKind::Ip => ("ip-dst", "Network activity"),
        ObservableKind::Domain => ("domain", "Network activity"),
        ObservableKind::Url => ("url", "Network activity"),
        ObservableKind::Email => ("email-src", "Payload delivery"),
        ObservableKind::Md5 => ("md5", "Payload delivery"),
        ObservableKind::Sha1 => ("sha1", "Payload delivery"),
        ObservableKind::Sha256 => ("sha256", "Payload delivery"),
    }
}

fn info_line(title: &str) -> String {
    let one_line: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(256).collect()
}

/// The incident as a MISP event (`{"Event": {...}}`). `protocol` is the one the incident was
/// reported under (for the threat level). Observables `visible` refuses are left out.
pub fn export_event(
    incident: &Incident,
    protocol: &Protocol,
    visible: impl Fn(Tlp) -> bool,
) -> Export {
    let d = &incident.draft;
    let threat = protocol
        .severity
        .level(&incident.level)
        .map_or(4, |l| l.misp_threat_level);
    let mut tags = vec![
        json!({ "name": tlp_tag(d.tlp) }),
        json!({ "name": d.pap.as_str() }),
    ];
    tags.extend(
        d.classifications
            .iter()
            .map(|c| json!({ "name": c.misp_tag() })),
    );
    let mut attributes = Vec::new();
    let mut omitted = 0;
    for o in &d.observables {
        if !visible(o.tlp) {
            omitted += 1;
            continue;
        }
        let (ty, category) = attribute_type(o);
        let value = o.normalized();
        attributes.push(json!({
            "uuid": derived_v4(&[b"misp-attribute", incident.id.as_bytes(), ty.as_bytes(), value.as_bytes()]),
            "type": ty,
            "category": category,
            "value": value,
            "to_ids": true,
            "comment": o.comment,
            "distribution": distribution(o.tlp).min(distribution(d.tlp)).to_string(),
            "Tag": [{ "name": tlp_tag(o.tlp) }],
        }));
    }
    let date = d
        .detected_at
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]"))
        .expect("date formats");
    Export {
        json: json!({ "Event": {
            "uuid": incident.id,
            "info": info_line(&d.title),
            "date": date,
            "threat_level_id": threat.to_string(),
            "analysis": if incident.closed_at.is_some() { "2" } else { "1" },
            "distribution": distribution(d.tlp).to_string(),
            "published": false,
            "timestamp": incident.updated_at.unix_timestamp().to_string(),
            "Tag": tags,
            "Attribute": attributes,
        }}),
        omitted,
    }
}

/// An imported event: the draft (to validate with [`IncidentDraft::validate`]) and what was
/// not carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MispImport {
    pub event_uuid: Option<Uuid>,
    pub draft: IncidentDraft,
    /// Attribute types Centinela does not model (`filename`, `ip-dst|port`…).
    pub skipped_attributes: Vec<String>,
    /// Tags of other namespaces (galaxies, local tags).
    pub ignored_tags: Vec<String>,
}

fn tag_names(v: &Value) -> Vec<String> {
    v.get("Tag")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn scalar(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a MISP event (with or without the `Event` wrapper). `reporter` is the importing
/// institution; `detected_at` and `aware_at` are the event's `date` at 00:00 UTC (MISP has no
/// detection time). Unknown values in the `tlp`, `PAP` and `rsit` namespaces are errors.
pub fn import_event(text: &str, reporter: Uuid) -> Result<MispImport, Vec<FieldError>> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| vec![FieldError::new("event", "err-misp-json").arg("detail", e)])?;
    let ev = root.get("Event").unwrap_or(&root);
    if !ev.is_object() {
        return Err(vec![
            FieldError::new("event", "err-misp-json").arg("detail", "not an object"),
        ]);
    }
    let mut errors = Vec::new();
    let info = scalar(ev, "info").unwrap_or_default();
    if info.trim().is_empty() {
        errors.push(FieldError::new("info", "err-required"));
    }
    let date = scalar(ev, "date")
        .and_then(|s| time::Date::parse(&s, format_description!("[year]-[month]-[day]")).ok());
    if date.is_none() {
        errors.push(FieldError::new("date", "err-misp-date"));
    }
    let event_uuid = scalar(ev, "uuid").and_then(|s| Uuid::parse_str(&s).ok());

    let mut event_tlp = None;
    let mut event_pap = None;
    let mut classifications = Vec::new();
    let mut ignored_tags = Vec::new();
    for tag in tag_names(ev) {
        match read_tag(&tag) {
            Tag::Tlp(t) => event_tlp = Some(event_tlp.map_or(t, |e: Tlp| e.max(t))),
            Tag::Pap(p) => event_pap = Some(event_pap.map_or(p, |e: Pap| e.max(p))),
            Tag::Rsit(c) => classifications.push(c),
            Tag::Other => ignored_tags.push(tag),
            Tag::Invalid => {
                errors.push(FieldError::new("Tag", "err-misp-tag-unknown").arg("tag", &tag))
            }
        }
    }
    // No label: treat as AMBER (need-to-know), never as public.
    let tlp_label = event_tlp.unwrap_or(Tlp::Amber);
    let mut observables = Vec::new();
    let mut skipped_attributes = Vec::new();
    let attrs = ev
        .get("Attribute")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, a) in attrs.iter().enumerate() {
        let ty = scalar(a, "type").unwrap_or_default();
        let kind = match ty.as_str() {
            "ip-src" | "ip-dst" => ObservableKind::Ip,
            "domain" | "hostname" => ObservableKind::Domain,
            "url" | "link" => ObservableKind::Url,
            "email" | "email-src" | "email-dst" => ObservableKind::Email,
            "md5" => ObservableKind::Md5,
            "sha1" => ObservableKind::Sha1,
            "sha256" => ObservableKind::Sha256,
            _ => {
                skipped_attributes.push(ty);
                continue;
            }
        };
        let mut label = None;
        for tag in tag_names(a) {
            match read_tag(&tag) {
                Tag::Tlp(t) => label = Some(label.map_or(t, |e: Tlp| e.max(t))),
                Tag::Invalid => errors.push(
                    FieldError::new(&format!("Attribute[{i}].Tag"), "err-misp-tag-unknown")
                        .arg("tag", &tag),
                ),
                _ => {}
            }
        }
        observables.push(Observable {
            kind,
            value: scalar(a, "value").unwrap_or_default(),
            tlp: label.unwrap_or(tlp_label),
            comment: scalar(a, "comment").unwrap_or_default(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let at = OffsetDateTime::new_utc(date.expect("checked above"), time::Time::MIDNIGHT);
    let description = match event_uuid {
        Some(u) => format!("{info}\n\n(MISP event {u})"),
        None => info.clone(),
    };
    Ok(MispImport {
        event_uuid,
        draft: IncidentDraft {
            reporter_institution: reporter,
            title: info_line(&info),
            description,
            detected_at: at,
            aware_at: at,
            classifications,
            tlp: tlp_label,
            pap: event_pap.unwrap_or(Pap::Amber),
            affected_assets: String::new(),
            affected_services: String::new(),
            affected_asset_ids: vec![],
            affected_service_ids: vec![],
            impact: ImpactFactors::default(),
            observables,
        },
        skipped_attributes,
        ignored_tags,
    })
}

enum Tag {
    Tlp(Tlp),
    Pap(Pap),
    Rsit(Classification),
    Other,
    Invalid,
}

fn read_tag(tag: &str) -> Tag {
    let namespace = tag.split([':', '=']).next().unwrap_or("");
    match namespace {
        "tlp" => {
            // `ex:chr` and `unclear` exist in the MISP taxonomy but are not FIRST labels.
            if !tlp().has_tag(tag) {
                return Tag::Invalid;
            }
            tag.parse().map_or(Tag::Other, Tag::Tlp)
        }
        "PAP" => {
            if !pap().has_tag(tag) {
                return Tag::Invalid;
            }
            tag.parse().map_or(Tag::Invalid, Tag::Pap)
        }
        "rsit" => match Classification::from_misp_tag(tag) {
            Some(c) if rsit().has_tag(tag) => Tag::Rsit(c),
            _ => Tag::Invalid,
        },
        _ => Tag::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ProtocolRegistry;
    use crate::stix::tests::incident;

    #[test]
    fn export_tags_exist_in_the_taxonomies() {
        let r = ProtocolRegistry::builtin();
        let inc = incident();
        let e = export_event(&inc, r.get_key(&inc.protocol).unwrap(), |_| true);
        let ev = &e.json["Event"];
        let tags = tag_names(ev);
        assert_eq!(
            tags,
            [
                "tlp:amber",
                "PAP:AMBER",
                "rsit:information-content-security=\"unauthorised-information-modification\""
            ]
        );
        for t in &tags {
            assert!(
                tlp().has_tag(t) || pap().has_tag(t) || rsit().has_tag(t),
                "{t}"
            );
        }
        assert_eq!(ev["threat_level_id"], "2", "alto → medium");
        assert_eq!(ev["distribution"], "0");
        assert_eq!(ev["date"], "2026-02-23");
        assert_eq!(ev["Attribute"].as_array().unwrap().len(), 3);
        let only_green = export_event(&inc, r.get_key(&inc.protocol).unwrap(), |t| t <= Tlp::Green);
        assert_eq!(only_green.omitted, 2);
        assert_eq!(
            only_green.json["Event"]["Attribute"][0]["value"],
            "198.51.100.7"
        );
    }

    #[test]
    fn round_trip() {
        let r = ProtocolRegistry::builtin();
        let inc = incident();
        let e = export_event(&inc, r.get_key(&inc.protocol).unwrap(), |_| true);
        let back = import_event(&e.json.to_string(), inc.draft.reporter_institution).unwrap();
        assert_eq!(back.event_uuid, Some(inc.id));
        assert_eq!(back.draft.classifications, inc.draft.classifications);
        assert_eq!((back.draft.tlp, back.draft.pap), (Tlp::Amber, Pap::Amber));
        assert_eq!(back.draft.observables.len(), 3);
        assert_eq!(back.draft.observables[2].tlp, Tlp::Red);
        assert!(
            back.draft
                .validate(r.default_protocol().unwrap(), inc.updated_at)
                .is_ok()
        );
    }

    #[test]
    fn import_rejects_bad_tags_and_keeps_the_rest() {
        type Expected = Result<(usize, usize), Vec<&'static str>>;
        let cases: [(&str, Expected); 6] = [
            (
                r#"{"info":"x","date":"2026-01-02","Tag":[{"name":"tlp:purple"}]}"#,
                Err(vec!["err-misp-tag-unknown"]),
            ),
            (
                r#"{"info":"x","date":"2026-01-02","Tag":[{"name":"rsit:malicious-code=\"ransomware\""}]}"#,
                Err(vec!["err-misp-tag-unknown"]),
            ),
            (
                r#"{"info":"","date":"15/01/2026"}"#,
                Err(vec!["err-required", "err-misp-date"]),
            ),
            ("not json", Err(vec!["err-misp-json"])),
            (
                r#"{"Event":{"info":"x","date":"2026-01-02","Tag":[{"name":"misp-galaxy:x=\"y\""},{"name":"tlp:white"}],
                   "Attribute":[{"type":"filename","value":"a.exe"},{"type":"ip-src","value":"203.0.113.5"}]}}"#,
                Ok((1, 1)),
            ),
            (
                r#"{"info":"x","date":"2026-01-02","Attribute":[{"type":"domain","value":"a.example","Tag":[{"name":"tlp:ex:chr"}]}]}"#,
                Ok((0, 0)),
            ),
        ];
        for (text, expected) in cases {
            let got = import_event(text, Uuid::from_u128(1))
                .map(|i| (i.skipped_attributes.len(), i.ignored_tags.len()))
                .map_err(|e| e.iter().map(|e| e.key).collect::<Vec<_>>());
            assert_eq!(got, expected, "{text}");
        }
        let white = import_event(
            r#"{"info":"x","date":"2026-01-02","Tag":[{"name":"tlp:white"}]}"#,
            Uuid::from_u128(1),
        )
        .unwrap();
        assert_eq!(white.draft.tlp, Tlp::Clear, "WHITE imports as CLEAR");
    }
}
