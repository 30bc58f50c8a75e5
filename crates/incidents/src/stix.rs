//! STIX 2.1 bundle export of an incident: the `incident` SDO, the reporter's `identity`, one
//! SCO + `indicator` + `related-to` relationship per visible observable, and the TLP 2.0
//! marking definitions (OASIS TLP 2.0 extension, standard ids). PAP travels as a `statement`
//! marking, since STIX has none for it.
//!
//! Ids are deterministic, so that re-exporting an incident gives the same objects: SCOs use the
//! spec's UUIDv5 scheme; SDOs use version-4-shaped ids derived from the incident (the validator
//! expects v4 for SDOs).

use centinela_core::tlp::Tlp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;
use uuid::Uuid;

use crate::incident::{Incident, Pap};
use crate::observable::{Observable, ObservableKind};

/// The TLP 2.0 extension definition id (OASIS `tlp-2.0`).
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The standard `marking-definition` id of a TLP 2.0 label.
pub fn tlp_marking_id(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The standard TLP 2.0 marking definition object.
pub fn tlp_marking(t: Tlp) -> Value {
    let label = match t {
        Tlp::Clear => "clear",
        Tlp::Green => "green",
        Tlp::Amber => "amber",
        Tlp::AmberStrict => "amber+strict",
        Tlp::Red => "red",
    };
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(t),
        "created": "2022-10-01T00:00:00.000Z",
        "name": t.as_str(),
        "extensions": {
            TLP2_EXTENSION: { "extension_type": "property-extension", "tlp_2_0": label }
        }
    })
}

/// STIX's namespace for SCO UUIDv5 ids.
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

const STIX_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// RFC 3339 in UTC with exactly three fractional digits (what the validator requires).
pub fn stix_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(STIX_TIME)
        .expect("formatting a UTC time")
}

/// A version-4-shaped id derived from the parts (stable across exports).
pub(crate) fn derived_v4(parts: &[&[u8]]) -> Uuid {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn uuid5(namespace: Uuid, name: &str) -> Uuid {
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(namespace.as_bytes());
    h.update(name.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

struct Sco {
    kind: &'static str,
    /// The ID-contributing properties (also the object's body).
    contributing: Value,
    pattern: String,
}

fn quote(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'")
}

fn sco(o: &Observable) -> Sco {
    let v = o.normalized();
    let simple = |kind: &'static str| Sco {
        kind,
        contributing: json!({ "value": v }),
        pattern: format!("[{kind}:value = '{}']", quote(&v)),
    };
    let file = |algo: &str, pattern_key: &str| Sco {
        kind: "file",
        contributing: json!({ "hashes": { algo: v } }),
        pattern: format!("[file:hashes.{pattern_key} = '{}']", quote(&v)),
    };
    match o.kind {
        ObservableKind::Ip if v.contains(':') => simple("ipv6-addr"),
        ObservableKind::Ip => simple("ipv4-addr"),
        ObservableKind::Domain => simple("domain-name"),
        ObservableKind::Url => simple("url"),
        ObservableKind::Email => simple("email-addr"),
        ObservableKind::Md5 => file("MD5", "MD5"),
        ObservableKind::Sha1 => file("SHA-1", "'SHA-1'"),
        ObservableKind::Sha256 => file("SHA-256", "'SHA-256'"),
    }
}

/// The spec's deterministic SCO id: UUIDv5 over the RFC 8785 (JCS) form of the ID-contributing
/// properties. Our contributing objects have one key and ASCII-safe values, for which
/// serde_json's compact output is the JCS form.
pub fn sco_id(o: &Observable) -> String {
    let s = sco(o);
    let canonical = serde_json::to_string(&s.contributing).expect("JSON of strings");
    format!("{}--{}", s.kind, uuid5(SCO_NAMESPACE, &canonical))
}

/// Who reported: the institution's id and display name.
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    pub id: uuid::Uuid,
    pub name: &'a str,
}

/// An export and how many observables the caller's filter left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub json: Value,
    pub omitted: usize,
}

fn pap_marking(pap: Pap, incident: Uuid) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{}", derived_v4(&[b"pap", pap.as_str().as_bytes(), incident.as_bytes()])),
        "created": "2022-10-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": { "statement": pap.as_str() },
    })
}

/// The incident as a STIX 2.1 bundle. `visible(tlp)` says whether the caller may see an
/// observable with that label; observables it refuses are left out (and counted). The caller
/// has already decided that it may see the incident itself.
pub fn export_bundle(
    incident: &Incident,
    reporter: Reporter<'_>,
    visible: impl Fn(Tlp) -> bool,
) -> Export {
    let d = &incident.draft;
    let created = stix_time(incident.reported_at);
    let modified = stix_time(incident.updated_at.max(incident.reported_at));
    let id = incident.id;
    let identity_id = format!(
        "identity--{}",
        derived_v4(&[b"identity", reporter.id.as_bytes()])
    );
    let incident_id = format!("incident--{}", derived_v4(&[b"incident", id.as_bytes()]));
    let pap = pap_marking(d.pap, id);
    let mut tlps = vec![d.tlp];
    let mut objects = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": created,
        "modified": created,
        "name": reporter.name,
        "identity_class": "organization",
        "sectors": ["government"],
    })];
    let mut labels: Vec<String> = d
        .classifications
        .iter()
        .map(|c| format!("rsit:{c}"))
        .collect();
    labels.push(format!("severity:{}", incident.level));
    labels.push(format!("protocol:{}", incident.protocol));
    objects.push(json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id,
        "created": created,
        "modified": modified,
        "created_by_ref": identity_id,
        "name": d.title,
        "description": d.description,
        "labels": labels,
        "external_references": [{ "source_name": "centinela", "external_id": incident.reference }],
        "object_marking_refs": [tlp_marking_id(d.tlp), pap["id"]],
    }));
    let mut omitted = 0;
    for (i, o) in d.observables.iter().enumerate() {
        if !visible(o.tlp) {
            omitted += 1;
            continue;
        }
        tlps.push(o.tlp);
        let s = sco(o);
        let sco_id = sco_id(o);
        let mut sco_obj = json!({ "type": s.kind, "spec_version": "2.1", "id": sco_id });
        if let (Some(obj), Some(props)) = (sco_obj.as_object_mut(), s.contributing.as_object()) {
            obj.extend(props.clone());
            obj.insert("object_marking_refs".into(), json!([tlp_marking_id(o.tlp)]));
        }
        objects.push(sco_obj);
        let index = (i as u64).to_be_bytes();
        let indicator_id = format!(
            "indicator--{}",
            derived_v4(&[b"indicator", id.as_bytes(), &index])
        );
        let description = if o.comment.trim().is_empty() {
            format!("Observed in incident {}", incident.reference)
        } else {
            o.comment.clone()
        };
        let indicator = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": indicator_id,
            "created": created,
            "modified": modified,
            "created_by_ref": identity_id,
            "name": format!("{} {}", o.kind, o.normalized()),
            "description": description,
            "pattern": s.pattern,
            "pattern_type": "stix",
            "valid_from": stix_time(d.detected_at),
            "object_marking_refs": [tlp_marking_id(o.tlp)],
        });
        objects.push(indicator);
        objects.push(json!({
            "type": "relationship",
            "spec_version": "2.1",
            "id": format!("relationship--{}", derived_v4(&[b"relationship", id.as_bytes(), &index])),
            "created": created,
            "modified": modified,
            "created_by_ref": identity_id,
            "relationship_type": "related-to",
            "source_ref": indicator_id,
            "target_ref": incident_id,
            "object_marking_refs": [tlp_marking_id(o.tlp)],
        }));
    }
    tlps.sort();
    tlps.dedup();
    objects.extend(tlps.into_iter().map(tlp_marking));
    objects.push(pap);
    let bundle_id = derived_v4(&[b"bundle", id.as_bytes(), modified.as_bytes()]);
    Export {
        json: json!({ "type": "bundle", "id": format!("bundle--{bundle_id}"), "objects": objects }),
        omitted,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::incident::tests::draft;
    use crate::protocol::ProtocolKey;
    use time::macros::datetime;

    pub(crate) fn incident() -> Incident {
        Incident {
            id: Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef),
            reference: "CEN-2026-000042".into(),
            protocol: ProtocolKey::new("mx-apf-2025", "2025.1"),
            reported_at: datetime!(2026-02-23 08:00:00.5 UTC),
            updated_at: datetime!(2026-02-23 09:00 UTC),
            level: "alto".into(),
            sector: None,
            closed_at: None,
            draft: draft(),
        }
    }

    #[test]
    fn tlp_ids_are_the_standard_ones() {
        // Pinned: public code often mixes these with the TLP 1.0 ids.
        let cases = [
            (Tlp::Clear, "94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
            (Tlp::Green, "bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
            (Tlp::Amber, "55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
            (
                Tlp::AmberStrict,
                "939a9414-2ddd-4d32-a0cd-375ea402b003",
                "amber+strict",
            ),
            (Tlp::Red, "e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
        ];
        for (t, id, label) in cases {
            let m = tlp_marking(t);
            assert_eq!(m["id"], format!("marking-definition--{id}"));
            assert_eq!(m["extensions"][TLP2_EXTENSION]["tlp_2_0"], label);
            assert!(m.get("definition_type").is_none());
        }
    }

    #[test]
    fn sco_ids_follow_the_spec() {
        let ip = Observable::new(ObservableKind::Ip, "198.51.100.7", Tlp::Clear);
        assert_eq!(
            sco_id(&ip),
            "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"
        );
        let v6 = Observable::new(ObservableKind::Ip, "2001:db8::1", Tlp::Clear);
        assert!(sco_id(&v6).starts_with("ipv6-addr--"));
        let f = Observable::new(ObservableKind::Sha256, &"A".repeat(64), Tlp::Clear);
        assert_eq!(
            sco(&f).contributing,
            json!({"hashes": {"SHA-256": "a".repeat(64)}})
        );
    }

    #[test]
    fn times_have_milliseconds() {
        assert_eq!(
            stix_time(datetime!(2026-02-23 02:00:00.5 -6)),
            "2026-02-23T08:00:00.500Z"
        );
    }

    #[test]
    fn filter_leaves_out_stricter_observables() {
        let inc = incident();
        let reporter = Reporter {
            id: Uuid::from_u128(7),
            name: "Secretaría de Economía",
        };
        let all = export_bundle(&inc, reporter, |_| true);
        let green_only = export_bundle(&inc, reporter, |t| t <= Tlp::Green);
        assert_eq!((all.omitted, green_only.omitted), (0, 2));
        let text = serde_json::to_string(&green_only.json).unwrap();
        assert!(text.contains("198.51.100.7"));
        assert!(
            !text.contains("c2.example.net") && !text.contains("e3b0c442"),
            "{text}"
        );
        assert!(!text.contains(tlp_marking_id(Tlp::Red)));
        let count = |e: &Export, ty: &str| {
            e.json["objects"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["type"] == ty)
                .count()
        };
        assert_eq!(
            (count(&all, "indicator"), count(&green_only, "indicator")),
            (3, 1)
        );
        // Deterministic: the same incident exports to the same bundle.
        assert_eq!(export_bundle(&inc, reporter, |_| true), all);
        let pattern = all.json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["type"] == "indicator" && o["name"].as_str().unwrap().starts_with("sha256"))
            .unwrap()["pattern"]
            .clone();
        assert_eq!(
            pattern,
            "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
        );
    }

    #[test]
    fn patterns_escape_quotes() {
        let o = Observable::new(ObservableKind::Url, "http://example.com/a'b\\c", Tlp::Clear);
        assert_eq!(
            sco(&o).pattern,
            "[url:value = 'http://example.com/a\\'b\\\\c']"
        );
    }
}
