//! The OpenAPI 3.1 description, generated from the route table and the schemas below, so the
//! document and the router cannot disagree about which operations exist.

use crate::routes::{RouteSpec, routes};
use centinela_core::constituency::{ContactKind, Criticality, GovernmentLevel, NetworkKind};
use centinela_core::exposure::Cadence;
use centinela_core::principal::Role;
use serde_json::{Map, Value, json};

fn nullable(t: &str, format: Option<&str>) -> Value {
    let mut v = json!({"type": [t, "null"]});
    if let Some(f) = format {
        v["format"] = json!(f);
    }
    v
}

fn strings<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Value {
    json!(all.iter().map(|x| f(*x)).collect::<Vec<_>>())
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn notice_schema(with_evidence: bool) -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let mut required = vec![
        "id",
        "kind",
        "sender",
        "sender_institution_id",
        "recipient_institution_id",
        "subject",
        "body",
        "incident_id",
        "content_sha256",
        "state",
        "created_at",
        "answered_at",
        "answer_reason",
    ];
    let mut props = json!({
        "id": uuid, "kind": {"type": "string"}, "sender": {"type": "string"},
        "sender_institution_id": nullable("string", Some("uuid")), "recipient_institution_id": uuid,
        "subject": {"type": "string"}, "body": {"type": "string"}, "incident_id": nullable("string", Some("uuid")),
        "content_sha256": {"type": "string"}, "state": {"type": "string", "enum": ["delivered", "accepted", "rejected"]},
        "created_at": time, "answered_at": nullable("string", Some("date-time")), "answer_reason": {"type": "string"},
    });
    if with_evidence {
        required.push("evidence");
        props["evidence"] = json!({"type": "array", "items": object(&["id", "notice_id", "event", "at", "canonical", "seal", "log_index"], json!({
            "id": {"type": "string"}, "notice_id": uuid, "event": {"type": "string"}, "at": time,
            "canonical": {"type": "string", "description": "Canonical evidence text (what the seal covers)"},
            "seal": {"type": "string", "description": "Detached CAdES-B-T seal over the canonical text, DER in base64"},
            "log_index": nullable("integer", None)}))});
    }
    object(&required, props)
}

fn page_of(item: &str) -> Value {
    object(
        &["items", "total", "limit", "offset"],
        json!({
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1, "maximum": 200},
            "offset": {"type": "integer", "minimum": 0},
        }),
    )
}

fn schemas() -> Value {
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    let time = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let sector_ids: Vec<&str> = centinela_core::sector::sectors()
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let criticality = strings(Criticality::ALL, Criticality::as_str);
    let level = strings(GovernmentLevel::ALL, GovernmentLevel::as_str);
    let bucket = object(
        &["key", "n"],
        json!({"key": {"type": "string"}, "n": {"type": "integer"}}),
    );
    let token = object(
        &[
            "id",
            "user_id",
            "name",
            "can_write",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ],
        json!({
            "id": uuid, "user_id": uuid, "name": {"type": "string"}, "can_write": {"type": "boolean"},
            "created_at": time, "expires_at": nullable("string", Some("date-time")),
            "last_used_at": nullable("string", Some("date-time")), "revoked_at": nullable("string", Some("date-time")),
        }),
    );
    let mut token_created = token.clone();
    token_created["required"]
        .as_array_mut()
        .expect("array")
        .push(json!("token"));
    token_created["properties"]["token"] =
        json!({"type": "string", "description": "The secret; shown only once."});
    let mut incident_page = page_of("Incident");
    incident_page["properties"]["next"] = nullable("string", None);
    incident_page["properties"]["next"]["description"] =
        json!("Cursor of the next page (pass it as `cursor`); null on the last page");
    incident_page["properties"]["total_exact"] = json!({"type": "boolean",
        "description": "False when `total` is only a lower bound (counting stops 1,000 matches past the page, 200 for a text search)"});
    incident_page["required"]
        .as_array_mut()
        .expect("required")
        .push(json!("total_exact"));
    let mut out = json!({
        "Error": object(&["error"], json!({"error": object(&["code", "message"], json!({
            "code": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "array", "items": object(&["field", "message"], json!({"field": {"type": "string"}, "message": {"type": "string"}}))},
        }))})),
        "Institution": object(
            &["id", "slug", "acronym", "name_es", "name_en", "sector", "subsector", "level", "criticality", "website", "created_at", "updated_at"],
            json!({
                "id": uuid, "slug": {"type": "string"}, "acronym": {"type": "string"},
                "name_es": {"type": "string"}, "name_en": {"type": "string"},
                "sector": {"type": "string"}, "subsector": {"type": "string"},
                "level": {"type": "string", "enum": level}, "criticality": {"type": "string", "enum": criticality},
                "website": {"type": "string"}, "created_at": time, "updated_at": time,
            }),
        ),
        "InstitutionDraft": {
            "type": "object", "additionalProperties": false,
            "required": ["slug", "acronym", "name_es", "name_en", "sector", "level", "criticality"],
            "properties": {
                "slug": {"type": "string", "pattern": "^[a-z0-9-]{1,40}$"},
                "acronym": text(20), "name_es": text(200), "name_en": text(200),
                "sector": {"type": "string", "enum": sector_ids}, "subsector": text(80),
                "level": {"type": "string", "enum": level}, "criticality": {"type": "string", "enum": criticality},
                "website": {"type": "string", "maxLength": 200, "description": "https:// URL or empty"},
            },
        },
        "InstitutionPage": page_of("Institution"),
        "Officer": object(&["institution_id", "role", "name", "email", "phone", "named_on"], json!({
            "institution_id": uuid, "role": {"type": "string", "enum": ["head", "officer"]},
            "name": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"},
            "named_on": {"type": "string", "format": "date"},
        })),
        "OfficerList": {"type": "array", "items": {"$ref": "#/components/schemas/Officer"}},
        "OfficerDraft": {
            "type": "object", "additionalProperties": false, "required": ["name", "email", "named_on"],
            "properties": {"name": text(200), "email": {"type": "string", "format": "email", "maxLength": 254}, "phone": text(40), "named_on": {"type": "string", "format": "date"}},
        },
        "Contact": object(&["id", "institution_id", "kind", "name", "email", "phone", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "kind": {"type": "string"}, "name": {"type": "string"},
            "email": {"type": "string"}, "phone": {"type": "string"}, "created_at": time,
        })),
        "ContactDraft": {
            "type": "object", "additionalProperties": false, "required": ["kind", "name", "email"],
            "properties": {"kind": {"type": "string", "enum": strings(ContactKind::ALL, ContactKind::as_str)}, "name": text(200), "email": {"type": "string", "format": "email", "maxLength": 254}, "phone": text(40)},
        },
        "ContactPage": page_of("Contact"),
        "Network": object(&["id", "institution_id", "kind", "value", "source", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "kind": {"type": "string", "enum": strings(NetworkKind::ALL, NetworkKind::as_str)},
            "value": {"type": "string"}, "source": {"type": "string"}, "created_at": time,
        })),
        "NetworkDraft": {
            "type": "object", "additionalProperties": false, "required": ["kind", "value"],
            "properties": {"kind": {"type": "string", "enum": strings(NetworkKind::ALL, NetworkKind::as_str)}, "value": {"type": "string", "maxLength": 300, "description": "IPv4/IPv6 prefix (198.51.100.0/28), ASN (64500) or domain (example.gob.mx)"}},
        },
        "NetworkPage": page_of("Network"),
        "User": object(&["id", "email", "name", "role", "institution_id", "locale", "active", "created_at"], json!({
            "id": uuid, "email": {"type": "string"}, "name": {"type": "string"},
            "role": {"type": "string", "enum": strings(&Role::ALL, Role::as_str)},
            "institution_id": nullable("string", Some("uuid")), "locale": {"type": "string"},
            "active": {"type": "boolean"}, "created_at": time,
        })),
        "UserPage": page_of("User"),
        "UserDraft": {
            "type": "object", "additionalProperties": false, "required": ["email", "name", "role", "password"],
            "properties": {
                "email": {"type": "string", "format": "email", "maxLength": 254}, "name": text(200),
                "role": {"type": "string", "enum": strings(&Role::ALL, Role::as_str)},
                "institution_id": nullable("string", Some("uuid")),
                "password": {"type": "string", "minLength": 12, "maxLength": 128},
                "audits": {"type": "array", "items": uuid, "maxItems": 500},
                "locale": {"type": ["string", "null"], "enum": ["es-MX", "en", null]},
            },
        },
        "Me": object(&["user", "audits", "totp_enabled"], json!({
            "user": {"$ref": "#/components/schemas/User"}, "audits": {"type": "array", "items": uuid}, "totp_enabled": {"type": "boolean"},
        })),
        "AuditReceipt": object(&["entry", "statement", "origin", "verifier_key", "receipt"], json!({
            "entry": {"$ref": "#/components/schemas/AuditEntry"},
            "statement": {"type": "string", "contentEncoding": "base64", "description": "The log entry: kind, record id, SHA-256 of the entry's canonical JSON, time"},
            "origin": {"type": "string"}, "verifier_key": {"type": "string"},
            "receipt": {"type": "string", "description": "C2SP tlog-proof"},
        })),
        "AuditEntry": object(&["id", "at", "actor_id", "actor_email", "action", "record_kind", "record_id", "institution_id", "state_sha256", "log_index"], json!({
            "log_index": nullable("integer", None),
            "id": {"type": "integer"}, "at": time, "actor_id": nullable("string", Some("uuid")), "actor_email": {"type": "string"},
            "action": {"type": "string"}, "record_kind": {"type": "string"}, "record_id": {"type": "string"},
            "institution_id": nullable("string", Some("uuid")), "state_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        })),
        "AuditPage": page_of("AuditEntry"),
        "Bucket": bucket,
        "Dashboard": object(&["institutions", "by_criticality", "by_sector", "officers_complete", "with_ipv6", "networks_by_kind", "users"], json!({
            "institutions": {"type": "integer"}, "officers_complete": {"type": "integer"}, "with_ipv6": {"type": "integer"}, "users": {"type": "integer"},
            "by_criticality": {"type": "array", "items": {"$ref": "#/components/schemas/Bucket"}},
            "by_sector": {"type": "array", "items": {"$ref": "#/components/schemas/Bucket"}},
            "networks_by_kind": {"type": "array", "items": {"$ref": "#/components/schemas/Bucket"}},
        })),
        "SectorList": {"type": "array", "items": object(&["id", "source", "name_es", "name_en", "critical", "subsectors"], json!({
            "id": {"type": "string"}, "source": {"type": "string"}, "name_es": {"type": "string"}, "name_en": {"type": "string"},
            "critical": {"type": "boolean"},
            "subsectors": {"type": "array", "items": object(&["id", "name_es", "name_en"], json!({"id": {"type": "string"}, "name_es": {"type": "string"}, "name_en": {"type": "string"}}))},
        }))},
        "Token": token,
        "TokenList": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}},
        "TokenDraft": {
            "type": "object", "additionalProperties": false, "required": ["name"],
            "properties": {"name": text(100), "write": {"type": "boolean"}, "expires_in_days": {"type": ["integer", "null"], "minimum": 1, "maximum": 366}},
        },
        "TokenCreated": token_created,
        "ReportUpload": {
            "type": "object", "required": ["file"],
            "properties": {
                "report": {"type": "string", "description": "Report type (scan_http, scan_dns, device_id…); by default from the file name"},
                "file": {"type": "string", "format": "binary", "description": "The CSV report"},
            },
        },
        "FeedReport": object(&["id", "filename", "report_kind", "sha256", "size", "state", "uploaded_by", "rows_read", "rows_rejected", "events_new", "events_repeated", "unrouted", "summary", "error", "created_at", "finished_at"], json!({
            "id": uuid, "filename": {"type": "string"}, "report_kind": {"type": "string"}, "sha256": {"type": "string"},
            "size": {"type": "integer"}, "state": {"type": "string", "enum": ["queued", "processing", "done", "failed"]},
            "uploaded_by": {"type": "string"}, "rows_read": {"type": "integer"}, "rows_rejected": {"type": "integer"},
            "events_new": {"type": "integer"}, "events_repeated": {"type": "integer"}, "unrouted": {"type": "integer"},
            "summary": {"type": ["string", "null"], "description": "Routing summary (JSON text)"},
            "error": {"type": ["string", "null"]}, "created_at": time, "finished_at": nullable("string", Some("date-time")),
        })),
        "FeedReportPage": page_of("FeedReport"),
        "ExposureEvent": object(&["id", "institution_id", "report_id", "feed_name", "taxonomy", "class_type", "identifier", "source_ip", "source_port", "first_seen", "last_seen", "count", "event"], json!({
            "id": uuid, "institution_id": nullable("string", Some("uuid")), "report_id": uuid,
            "feed_name": {"type": "string"}, "taxonomy": {"type": "string"}, "class_type": {"type": "string"},
            "identifier": {"type": "string"}, "source_ip": {"type": "string"}, "source_port": {"type": "integer"},
            "first_seen": time, "last_seen": time, "count": {"type": "integer", "minimum": 1},
            "event": {"type": "string", "description": "The event with IntelMQ field names (JSON text)"},
            "suppressed": {"type": "boolean", "description": "Silenced by one of the institution's active suppression rules"},
        })),
        "ExposurePage": page_of("ExposureEvent"),
        "SuppressionDraft": {
            "type": "object", "additionalProperties": false, "required": ["identifier", "reason"],
            "properties": {
                "identifier": {"type": "string", "maxLength": 100, "description": "Classification identifier (accessible-http) or report type (scan_http)"},
                "cidr": {"type": ["string", "null"], "maxLength": 60, "description": "Only findings within this IPv4/IPv6 prefix (a bare address is a host)"},
                "port": {"type": ["integer", "null"], "minimum": 0, "maximum": 65535},
                "reason": text(500),
                "expires_on": {"type": ["string", "null"], "format": "date", "description": "Last day (UTC) the rule applies"},
            },
        },
        "Suppression": object(&["id", "institution_id", "identifier", "cidr", "port", "reason", "expires_on", "created_by", "created_at", "active"], json!({
            "id": uuid, "institution_id": uuid, "identifier": {"type": "string"},
            "cidr": {"type": ["string", "null"]}, "port": {"type": ["integer", "null"]}, "reason": {"type": "string"},
            "expires_on": nullable("string", Some("date")), "created_by": {"type": "string"}, "created_at": time,
            "active": {"type": "boolean", "description": "Whether the rule applies today"},
        })),
        "SuppressionList": {"type": "array", "items": {"$ref": "#/components/schemas/Suppression"}},
        "DigestRequest": {"type": "object", "additionalProperties": false, "required": ["cadence"], "properties": {
            "cadence": {"type": "string", "enum": strings(&Cadence::ALL, Cadence::as_str)}}},
        "DigestSetting": object(&["institution_id", "cadence", "updated_at"], json!({
            "institution_id": uuid, "cadence": {"type": "string", "enum": strings(&Cadence::ALL, Cadence::as_str)},
            "updated_at": nullable("string", Some("date-time")),
        })),
        "ExposureSummary": {"type": "array", "items": object(&["sector", "identifier", "findings", "sightings"], json!({
            "sector": {"type": "string"}, "identifier": {"type": "string"}, "findings": {"type": "integer"}, "sightings": {"type": "integer"},
        }))},
        "Csv": {"type": "string", "description": "text/csv"},
        "IncidentImportResult": object(&["imported", "references", "rejected", "errors"], json!({
            "imported": {"type": "integer", "minimum": 0}, "references": {"type": "array", "items": {"type": "string"}},
            "rejected": {"type": "integer", "minimum": 0},
            "errors": {"type": "array", "items": object(&["line", "field", "message"], json!({"line": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}))}})),
        "TriageRequest": {"type": "object", "additionalProperties": false, "properties": {"note": text(2000)}},
        "PhaseRequest": {"type": "object", "additionalProperties": false, "required": ["phase"], "properties": {"phase": text(100)}},
        "CloseRequest": {"type": "object", "additionalProperties": false, "required": ["resolution"], "properties": {"resolution": text(2000)}},
        "SeverityOverrideRequest": {"type": "object", "additionalProperties": false, "required": ["level", "reason"], "properties": {"level": text(50), "reason": text(2000)}},
        "TimelineEntryRequest": {"type": "object", "additionalProperties": false, "required": ["kind", "body"], "properties": {
            "kind": {"type": "string", "enum": ["comment", "event"]}, "body": text(10000), "at": time}},
        "TaskRequest": {"type": "object", "additionalProperties": false, "required": ["title"], "properties": {"title": text(300), "owner": text(200), "due_at": time}},
        "TaskStatusRequest": {"type": "object", "additionalProperties": false, "required": ["status"], "properties": {"status": {"type": "string", "enum": ["open", "done", "cancelled"]}}},
        "LinkRequest": {"type": "object", "additionalProperties": false, "required": ["related_id", "relation"], "properties": {
            "related_id": uuid, "relation": {"type": "string", "enum": ["related", "duplicate", "parent", "child"]}}},
        "TimelineEntry": object(&["id", "incident_id", "kind", "body", "at", "author"], json!({
            "id": uuid, "incident_id": uuid, "kind": {"type": "string"}, "body": {"type": "string"}, "at": time, "author": {"type": "string"}})),
        "Task": object(&["id", "incident_id", "title", "phase", "playbook", "owner", "due_at", "status", "created_at", "done_at"], json!({
            "id": uuid, "incident_id": uuid, "title": {"type": "string"}, "phase": {"type": "string"}, "playbook": {"type": "string"},
            "owner": {"type": "string"}, "due_at": nullable("string", Some("date-time")), "status": {"type": "string", "enum": ["open", "done", "cancelled"]},
            "created_at": time, "done_at": nullable("string", Some("date-time"))})),
        "IncidentLink": object(&["incident_id", "related_id", "relation", "created_at"], json!({
            "incident_id": uuid, "related_id": uuid, "relation": {"type": "string"}, "created_at": time})),
        "WebhookRequest": {"type": "object", "additionalProperties": false, "required": ["url"], "properties": {
            "url": {"type": "string", "maxLength": 500, "description": "http or https URL receiving POSTs"},
            "events": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["incident.reported", "incident.severity_changed", "incident.late", "incident.shared"]}}}},
        "Webhook": object(&["id", "institution_id", "url", "events", "active", "created_by", "created_at"], json!({
            "id": uuid, "institution_id": nullable("string", Some("uuid")), "url": {"type": "string"},
            "events": {"type": "string", "description": "Space-separated event names"}, "active": {"type": "boolean"},
            "created_by": {"type": "string"}, "created_at": time})),
        "WebhookList": {"type": "array", "items": {"$ref": "#/components/schemas/Webhook"}},
        "WebhookCreated": object(&["id", "institution_id", "url", "events", "active", "created_by", "created_at", "secret"], json!({
            "id": uuid, "institution_id": nullable("string", Some("uuid")), "url": {"type": "string"},
            "events": {"type": "string"}, "active": {"type": "boolean"}, "created_by": {"type": "string"}, "created_at": time,
            "secret": {"type": "string", "description": "HMAC-SHA256 key (hex) for X-Centinela-Signature: sha256=HMAC(secret, timestamp + '.' + body); shown once"}})),
        "WebhookDelivery": object(&["id", "webhook_id", "event_id", "event", "payload", "state", "attempts", "last_status", "last_error", "created_at", "delivered_at"], json!({
            "id": uuid, "webhook_id": uuid, "event_id": {"type": "integer"}, "event": {"type": "string"}, "payload": {"type": "string"},
            "state": {"type": "string", "enum": ["queued", "delivered", "failed"]}, "attempts": {"type": "integer"},
            "last_status": nullable("integer", None), "last_error": nullable("string", None),
            "created_at": time, "delivered_at": nullable("string", Some("date-time"))})),
        "WebhookDeliveryList": {"type": "array", "items": {"$ref": "#/components/schemas/WebhookDelivery"}},
        "ShareRequest": {"type": "object", "additionalProperties": false, "required": ["institution_id"], "properties": {"institution_id": uuid}},
        "Recipient": object(&["incident_id", "institution_id", "shared_by", "shared_at"], json!({
            "incident_id": uuid, "institution_id": uuid, "shared_by": {"type": "string"}, "shared_at": time})),
        "EvidenceUpload": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "The file (size limit: serve --evidence-limit-mib, 50 MiB by default)"},
                "tlp": {"type": "string", "enum": ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"], "description": "The file's label; the incident's by default"},
                "description": {"type": "string", "maxLength": 500},
                "effective_on": {"type": "string", "format": "date", "description": "From when the evidence holds"},
                "expires_on": {"type": "string", "format": "date", "description": "Until when it holds; not before effective_on"},
            },
        },
        "EvidenceFile": object(&["id", "institution_id", "subject_kind", "subject_id", "file_name", "media_type", "size", "sha256", "tlp", "description", "effective_on", "expires_on", "uploaded_by", "uploaded_by_email", "uploaded_at"], json!({
            "id": uuid, "institution_id": uuid, "subject_kind": {"type": "string", "enum": ["incident", "assessment"]}, "subject_id": {"type": "string"},
            "file_name": {"type": "string"}, "media_type": {"type": "string", "description": "As declared by the uploader; downloads are always application/octet-stream"},
            "size": {"type": "integer", "minimum": 1}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "tlp": {"type": "string"},
            "description": {"type": "string"}, "effective_on": nullable("string", Some("date")), "expires_on": nullable("string", Some("date")),
            "uploaded_by": uuid, "uploaded_by_email": {"type": "string"}, "uploaded_at": time})),
        "EvidenceList": {"type": "array", "items": {"$ref": "#/components/schemas/EvidenceFile"}},
        "IncidentWork": object(&["phase", "triaged_at", "state", "phases", "tasks", "timeline", "links", "recipients", "evidence"], json!({
            "phase": {"type": "string"}, "triaged_at": nullable("string", Some("date-time")), "state": {"type": "string"},
            "phases": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/IncidentLink"}},
            "recipients": {"type": "array", "items": {"$ref": "#/components/schemas/Recipient"}},
            "evidence": {"type": "array", "items": {"$ref": "#/components/schemas/EvidenceFile"}}})),
        "SealRequest": {"type": "object", "additionalProperties": false, "required": ["document_name", "document_sha256"], "properties": {
            "document_name": text(200), "document_sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "SHA-256 of the document, hex; the document itself is not sent"}}},
        "Seal": object(&["id", "institution_id", "document_name", "document_sha256", "seal", "signer", "sealed_by", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "document_name": {"type": "string"}, "document_sha256": {"type": "string"},
            "seal": {"type": "string", "description": "Detached CAdES-B-T signature, DER in base64"},
            "signer": {"type": "string"}, "sealed_by": {"type": "string"}, "created_at": time})),
        "SealList": {"type": "array", "items": {"$ref": "#/components/schemas/Seal"}},
        "SealVerifyRequest": {"type": "object", "additionalProperties": false, "required": ["document_sha256", "seal"], "properties": {
            "document_sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}, "seal": {"type": "string", "maxLength": 131072, "description": "The .p7s as base64 of DER, or PEM"}}},
        "SealVerifyReport": object(&["valid", "checks", "signer", "signing_time", "timestamp_time", "tsa"], json!({
            "valid": {"type": "boolean"},
            "checks": {"type": "array", "items": object(&["name", "passed", "detail"], json!({"name": {"type": "string"}, "passed": {"type": "boolean"}, "detail": {"type": "string"}}))},
            "signer": nullable("string", None), "signing_time": nullable("string", Some("date-time")),
            "timestamp_time": nullable("string", Some("date-time")), "tsa": nullable("string", None)})),
        "NoticeRequest": {"type": "object", "additionalProperties": false, "required": ["recipient_institution_id", "kind", "subject", "body"], "properties": {
            "recipient_institution_id": uuid, "kind": {"type": "string", "enum": ["incident_notice", "advisory", "campaign_assignment"]},
            "subject": text(200), "body": text(20000), "incident_id": nullable("string", Some("uuid"))}},
        "Notice": notice_schema(false),
        "NoticeView": notice_schema(true),
        "NoticeList": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
        "NoticeAnswer": {"type": "object", "additionalProperties": false, "required": ["accept"], "properties": {
            "accept": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 500, "description": "Required when rejecting"}}},
        "IncidentStats": {"type": "object", "required": ["total", "by_month", "by_class", "by_level", "by_sector", "median_hours_to_report", "reported_within_24h", "timeline"], "properties": {
            "total": {"type": "integer"},
            "by_month": {"type": "array", "items": {"type": "object", "required": ["key", "n"], "properties": {"key": {"type": "string"}, "n": {"type": "integer"}}}},
            "by_class": {"type": "array", "items": {"type": "object", "required": ["key", "n"], "properties": {"key": {"type": "string"}, "n": {"type": "integer"}}}},
            "by_level": {"type": "array", "items": {"type": "object", "required": ["key", "n"], "properties": {"key": {"type": "string"}, "n": {"type": "integer"}}}},
            "by_sector": {"type": "array", "items": {"type": "object", "required": ["key", "n"], "properties": {"key": {"type": "string"}, "n": {"type": "integer"}}}},
            "median_hours_to_report": {"type": ["number", "null"]},
            "reported_within_24h": {"type": ["number", "null"]},
            "timeline": {"type": "array", "maxItems": 100, "description": "The newest severe (critico, muy-alto) incidents, at most 100, oldest first; the list's level filter gives the rest",
                "items": {"type": "object", "required": ["id", "date", "reference", "title", "institution_id", "level"], "properties": {
                "id": {"type": "string", "format": "uuid"}, "date": {"type": "string"}, "reference": {"type": "string"},
                "title": {"type": "string"}, "institution_id": {"type": "string", "format": "uuid"}, "level": {"type": "string"},
            }}},
        }},
        "Software": object(&["id", "institution_id", "vendor", "product", "version", "cpe", "purl", "licence", "open_source", "source", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "vendor": {"type": "string"}, "product": {"type": "string"},
            "version": {"type": "string"}, "cpe": {"type": "string"}, "purl": {"type": "string"}, "licence": {"type": "string"},
            "open_source": {"type": "boolean"}, "source": {"type": "string"}, "created_at": time,
        })),
        "SoftwareList": {"type": "array", "items": {"$ref": "#/components/schemas/Software"}},
        "SoftwareDraft": {"type": "object", "additionalProperties": false, "required": ["vendor", "product"], "properties": {
            "vendor": text(200), "product": text(200), "version": text(100),
            "cpe": {"type": "string", "maxLength": 500, "description": "CPE 2.3 formatted string"},
            "purl": {"type": "string", "maxLength": 500, "description": "Package URL"},
            "licence": {"type": "string", "maxLength": 200, "description": "SPDX expression"},
        }},
        "SoftwareImport": {"type": "string", "description": "CSV with columns vendor,product,version,cpe,purl,licence, or a CycloneDX JSON SBOM"},
        "NetworkImport": {"type": "string", "description": "CSV with the header kind,value (kind: cidr, asn, domain); a source column is ignored"},
        "AssetImport": {"type": "string", "description": "CSV with the header name,kind,address,ipv6,criticality,internet_facing (kind: server, workstation, network-device, system, other; criticality: high, medium, low; ipv6: true/false; internet_facing: true/false, optional: when empty or absent, true exactly when address is a public IP address)"},
        "ServiceImport": {"type": "string", "description": "CSV with the header name,url,personal_data,payments (url: http(s); flags: true/false)"},
        "ImportResult": object(&["imported", "warnings", "rejected", "errors"], json!({
            "imported": {"type": "integer", "minimum": 0}, "warnings": {"type": "array", "items": {"type": "string"}},
            "rejected": {"type": "integer", "minimum": 0},
            "errors": {"type": "array", "items": object(&["line", "field", "message"], json!({"line": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}))}})),
        "VulnerableSoftwareList": {"type": "array", "items": object(&["software_id", "vendor", "product", "version", "cve", "score", "severity", "kev", "kev_due", "ransomware", "conditional", "needs_review"], json!({
            "software_id": {"type": "string"}, "vendor": {"type": "string"}, "product": {"type": "string"}, "version": {"type": "string"},
            "cve": {"type": "string"}, "score": {"type": ["number", "null"]}, "severity": {"type": ["string", "null"]},
            "kev": {"type": "boolean"}, "kev_due": {"type": ["string", "null"]}, "ransomware": {"type": "boolean"},
            "conditional": {"type": "boolean"}, "needs_review": {"type": "boolean"},
        }))},
        "Asset": object(&["id", "institution_id", "name", "kind", "address", "ipv6", "internet_facing", "criticality", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "name": {"type": "string"}, "kind": {"type": "string"}, "address": {"type": "string"},
            "ipv6": {"type": "boolean"}, "internet_facing": {"type": "boolean", "description": "Reachable from the Internet: only these count in the IPv6 KPI"},
            "criticality": {"type": "string"}, "created_at": time,
        })),
        "AssetList": {"type": "array", "items": {"$ref": "#/components/schemas/Asset"}},
        "AssetDraft": {"type": "object", "additionalProperties": false, "required": ["name", "kind", "criticality"], "properties": {
            "name": text(200), "kind": {"type": "string", "enum": crate::api::inventory::ASSET_KINDS},
            "address": text(200), "ipv6": {"type": "boolean"},
            "internet_facing": {"type": ["boolean", "null"], "description": "Reachable from the Internet; when absent or null, true exactly when address is a public IP address (not private, shared, loopback, link-local, documentation, multicast or reserved)"},
            "criticality": {"type": "string", "enum": crate::api::inventory::ASSET_CRITICALITY},
        }},
        "Service": object(&["id", "institution_id", "name", "url", "domain", "owner", "personal_data", "payments", "created_at"], json!({
            "id": uuid, "institution_id": uuid, "name": {"type": "string"}, "url": {"type": "string"},
            "domain": {"type": "string", "description": "The URL's host"}, "owner": {"type": "string"},
            "personal_data": {"type": "boolean"}, "payments": {"type": "boolean"}, "created_at": time,
        })),
        "ServiceList": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
        "ServiceDraft": {"type": "object", "additionalProperties": false, "required": ["name", "url"], "properties": {
            "name": text(200), "url": {"type": "string", "maxLength": 500}, "owner": {"type": "string", "maxLength": 200},
            "personal_data": {"type": "boolean"}, "payments": {"type": "boolean"},
        }},
        "InventoryKpis": object(&["assets", "public_assets", "assets_ipv6", "software", "software_open_source", "institutions", "institutions_complete", "ipv6_target_percent", "by_sector"], json!({
            "assets": {"type": "integer"}, "public_assets": {"type": "integer", "description": "Internet-facing assets: the base of the IPv6 KPI"},
            "assets_ipv6": {"type": "integer", "description": "Internet-facing assets reachable over IPv6"}, "software": {"type": "integer"},
            "software_open_source": {"type": "integer"}, "institutions": {"type": "integer"}, "institutions_complete": {"type": "integer"},
            "ipv6_target_percent": {"type": "integer", "description": "The national target for the share of Internet-facing assets reachable over IPv6"},
            "by_sector": {"type": "array", "items": {"$ref": "#/components/schemas/SectorKpis"}},
        })),
        "SectorKpis": object(&["sector", "assets", "public_assets", "assets_ipv6", "software", "software_open_source", "institutions", "institutions_complete", "assets_ipv6_percent", "open_source_percent", "complete_percent", "meets_ipv6_target"], json!({
            "sector": {"type": "string"}, "assets": {"type": "integer"}, "public_assets": {"type": "integer"}, "assets_ipv6": {"type": "integer"}, "software": {"type": "integer"},
            "software_open_source": {"type": "integer"}, "institutions": {"type": "integer"}, "institutions_complete": {"type": "integer"},
            "assets_ipv6_percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100}, "open_source_percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "complete_percent": {"type": ["integer", "null"], "minimum": 0, "maximum": 100}, "meets_ipv6_target": {"type": "boolean"},
        })),
        "ExposureGroup": object(&["sector", "class_type", "findings", "sightings"], json!({
            "sector": {"type": "string", "description": "Empty in the per-type breakdown"},
            "class_type": {"type": "string", "description": "RSIT classification type; empty in the per-sector breakdown"},
            "findings": {"type": "integer", "minimum": 0}, "sightings": {"type": "integer", "minimum": 0},
        })),
        "ExposureOverview": object(&["by_sector", "by_type", "by_sector_type", "weekly"], json!({
            "by_sector": {"type": "array", "items": {"$ref": "#/components/schemas/ExposureGroup"}},
            "by_type": {"type": "array", "items": {"$ref": "#/components/schemas/ExposureGroup"}},
            "by_sector_type": {"type": "array", "items": {"$ref": "#/components/schemas/ExposureGroup"}},
            "weekly": {"type": "array", "minItems": 12, "maxItems": 12, "items": object(&["week", "new_findings", "active_findings"], json!({
                "week": {"type": "string", "format": "date", "description": "Monday starting the week (UTC)"},
                "new_findings": {"type": "integer", "minimum": 0}, "active_findings": {"type": "integer", "minimum": 0},
            }))},
        })),
        "JsonDocument": {"type": "object", "description": "A JSON document in the format the operation names"},
        "StageSubmission": {"type": "object", "additionalProperties": false, "required": ["stage"], "properties": {"stage": {"type": "string", "maxLength": 100}}},
        "IncidentDraft": incident_draft_schema(),
        "Incident": {
            "type": "object",
            "required": ["id", "reference", "institution_id", "protocol_id", "protocol_version", "title", "tlp", "level", "significant", "state", "class", "kind", "detected_at", "aware_at", "reported_at", "updated_at", "closed_at", "reported_by", "draft", "assessment", "clocks", "late", "submissions"],
            "properties": {
                "id": uuid, "reference": {"type": "string"}, "institution_id": uuid,
                "protocol_id": {"type": "string"}, "protocol_version": {"type": "string"},
                "title": {"type": "string"}, "tlp": {"type": "string"}, "level": {"type": "string"},
                "significant": {"type": "boolean"}, "state": {"type": "string", "enum": ["open", "closed"]},
                "class": {"type": "string"}, "kind": {"type": "string"},
                "detected_at": time, "aware_at": time, "reported_at": time, "updated_at": time,
                "closed_at": nullable("string", Some("date-time")), "reported_by": uuid,
                "draft": {"type": "object"},
                "assessment": {"type": "object", "description": "Score, level and each factor's contribution"},
                "clocks": {"type": "array", "items": {"type": "object", "required": ["stage", "name", "state", "deadline", "remaining_seconds", "immediate", "submitted_at", "notify_on_late"], "properties": {
                    "stage": {"type": "string"}, "name": {"type": "string"}, "state": {"type": "string"},
                    "deadline": nullable("string", Some("date-time")), "remaining_seconds": nullable("integer", None),
                    "immediate": {"type": "boolean"}, "submitted_at": nullable("string", Some("date-time")),
                    "notify_on_late": {"type": "array", "items": {"type": "string"}},
                }}},
                "late": {"type": "boolean"},
                "submissions": {"type": "array", "items": {"type": "object", "required": ["stage", "at", "by_email"], "properties": {"stage": {"type": "string"}, "at": time, "by_email": {"type": "string"}}}},
            },
        },
        "IncidentPage": incident_page,
        "EventStream": {"type": "string", "description": "text/event-stream: one event per committed change the caller may see"},
    });
    for extra in [assessment_schemas(), ncaf_schemas(), project_schemas()] {
        for (k, v) in extra.as_object().expect("object") {
            out[k] = v.clone();
        }
    }
    out
}

/// ICT projects, subject assessments and the national oversight.
fn project_schemas() -> Value {
    use centinela_core::projects::{ProjectKind, ProjectStatus, Questionnaire, ReviewStatus};
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    let time = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let opt_date = json!({"type": ["string", "null"], "format": "date"});
    let kinds = strings(ProjectKind::ALL, ProjectKind::as_str);
    let statuses = strings(ProjectStatus::ALL, ProjectStatus::as_str);
    let questionnaires = strings(Questionnaire::ALL, Questionnaire::as_str);
    let reviews = strings(ReviewStatus::ALL, ReviewStatus::as_str);
    let number_or_null = json!({"type": ["number", "null"]});
    let score = object(
        &[
            "assessed",
            "total",
            "progress",
            "implemented",
            "partial",
            "planned",
            "not_implemented",
            "not_applicable",
            "compliance",
            "maturity",
        ],
        json!({"assessed": {"type": "integer"}, "total": {"type": "integer"}, "progress": {"type": "number"},
               "implemented": {"type": "integer"}, "partial": {"type": "integer"}, "planned": {"type": "integer"},
               "not_implemented": {"type": "integer"}, "not_applicable": {"type": "integer"},
               "compliance": number_or_null.clone(), "maturity": number_or_null}),
    );
    let subject_props = json!({
        "id": uuid, "institution_id": uuid, "subject_kind": {"type": "string", "enum": ["service", "project"]},
        "subject_id": uuid, "questionnaire": {"type": "string", "enum": questionnaires.clone()},
        "status": {"type": "string", "enum": reviews}, "return_reason": {"type": "string"},
        "created_by": {"type": "string"}, "submitted_by": nullable("string", None), "submitted_at": nullable("string", Some("date-time")),
        "decided_by": nullable("string", None), "decided_at": nullable("string", Some("date-time")),
        "created_at": time, "updated_at": time,
    });
    let subject_required = [
        "id",
        "institution_id",
        "subject_kind",
        "subject_id",
        "questionnaire",
        "status",
        "return_reason",
        "created_by",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
    ];
    let subject = object(&subject_required, subject_props.clone());
    let mut detail_props = subject_props;
    detail_props["subject_name"] = json!({"type": "string"});
    detail_props["measures"] = json!({"type": "array", "items": object(&["id", "group", "weight", "title", "answer", "files"], json!({
        "id": {"type": "string"}, "group": {"type": "string"}, "weight": {"type": "number"}, "title": {"type": "string"},
        "answer": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Answer"}]},
        "files": {"type": "array", "maxItems": 0, "description": "Always empty: evidence is given as links in the answer"}}))});
    detail_props["overall"] = score.clone();
    detail_props["groups"] = json!({"type": "object", "additionalProperties": score});
    detail_props["gaps"] = json!({"type": "array", "items": object(&["measure_id", "title", "group", "weight", "status"], json!({
        "measure_id": {"type": "string"}, "title": {"type": "string"}, "group": {"type": "string"},
        "weight": {"type": "number"}, "status": {"type": "string"}}))});
    let mut detail_required: Vec<&str> = subject_required.to_vec();
    detail_required.extend(["subject_name", "measures", "overall", "groups", "gaps"]);
    json!({
        "Project": object(&["id", "institution_id", "name", "description", "kind", "service_id", "planned_live_on", "status", "went_live_on", "created_at", "updated_at"], json!({
            "id": uuid, "institution_id": uuid, "name": {"type": "string"}, "description": {"type": "string"},
            "kind": {"type": "string", "enum": kinds.clone()}, "service_id": nullable("string", Some("uuid")),
            "planned_live_on": opt_date.clone(), "status": {"type": "string", "enum": statuses.clone()}, "went_live_on": opt_date.clone(),
            "created_at": time, "updated_at": time,
        })),
        "ProjectList": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}},
        "ProjectDraft": {"type": "object", "additionalProperties": false, "required": ["name", "kind"], "properties": {
            "name": text(200), "description": text(5000), "kind": {"type": "string", "enum": kinds.clone()},
            "service_id": {"type": ["string", "null"], "format": "uuid", "description": "One of the institution's digital services"},
            "planned_live_on": opt_date.clone(), "status": {"type": ["string", "null"], "enum": statuses.as_array().expect("array").iter().cloned().chain([Value::Null]).collect::<Vec<_>>()},
            "went_live_on": {"type": ["string", "null"], "format": "date", "description": "Live or retired projects only; not before registration, not in the future"},
        }},
        "SubjectAssessment": subject,
        "SubjectAssessmentList": {"type": "array", "items": {"$ref": "#/components/schemas/SubjectAssessment"}},
        "SubjectAssessmentDetail": object(&detail_required, detail_props),
        "SubjectAssessmentDraft": {"type": "object", "additionalProperties": false, "required": ["subject_kind", "subject_id", "questionnaire"], "properties": {
            "subject_kind": {"type": "string", "enum": ["service", "project"]}, "subject_id": uuid,
            "questionnaire": {"type": "string", "enum": questionnaires.clone(), "description": "A service takes pia only"},
        }},
        "SubjectDecision": {"type": "object", "additionalProperties": false, "required": ["decision"], "properties": {
            "decision": {"type": "string", "enum": ["approved", "returned"]}, "reason": {"type": "string", "maxLength": 2000, "description": "Required when returned"},
        }},
        "ProjectOversight": object(&["today", "sector", "projects", "services"], json!({
            "today": {"type": "string", "format": "date"}, "sector": nullable("string", None),
            "projects": {"type": "array", "items": object(&["project_id", "institution_id", "acronym", "sector", "name", "kind", "status", "planned_live_on", "went_live_on", "missing", "reviews"], json!({
                "project_id": uuid, "institution_id": uuid, "acronym": {"type": "string"}, "sector": {"type": "string"},
                "name": {"type": "string"}, "kind": {"type": "string", "enum": kinds}, "status": {"type": "string", "enum": statuses},
                "planned_live_on": opt_date.clone(), "went_live_on": opt_date,
                "missing": {"type": "array", "items": {"type": "string", "enum": questionnaires.clone()}},
                "reviews": {"type": "object", "description": "Review status by questionnaire started", "additionalProperties": {"type": "string"}},
            }))},
            "services": {"type": "array", "items": object(&["service_id", "institution_id", "acronym", "sector", "name", "url", "pia_status"], json!({
                "service_id": uuid, "institution_id": uuid, "acronym": {"type": "string"}, "sector": {"type": "string"},
                "name": {"type": "string"}, "url": {"type": "string"}, "pia_status": nullable("string", None),
            }))},
        })),
    })
}

/// The national capabilities self-assessment (NCAF).
fn ncaf_schemas() -> Value {
    let time = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let number_or_null = json!({"type": ["number", "null"]});
    let answer = json!({"type": "string", "enum": crate::api::ncaf::ANSWERS});
    let averages = object(
        &["level", "coverage", "objectives"],
        json!({"level": {"type": "number", "minimum": 0}, "coverage": number_or_null, "objectives": {"type": "integer"}}),
    );
    let assessment_props = json!({
        "id": uuid, "year": {"type": "integer"}, "edition": {"type": "string"},
        "created_by": {"type": "string"}, "created_at": time, "updated_at": time,
    });
    let assessment_required = [
        "id",
        "year",
        "edition",
        "created_by",
        "created_at",
        "updated_at",
    ];
    let with = |extra: &[&str], props: Value| {
        let mut required: Vec<&str> = assessment_required.to_vec();
        required.extend_from_slice(extra);
        let mut all = assessment_props.clone();
        for (k, v) in props.as_object().expect("object") {
            all[k] = v.clone();
        }
        object(&required, all)
    };
    let ncaf = with(
        &[
            "answers",
            "carried_over",
            "answered",
            "indicators",
            "scores",
        ],
        json!({
            "answers": {"type": "object", "additionalProperties": answer.clone()},
            "carried_over": {"type": "array", "items": {"type": "string"}, "description": "Indicators answered as last year, not answered again since"},
            "answered": {"type": "integer"}, "indicators": {"type": "integer"},
            "scores": object(&["framework_id", "edition", "objectives", "clusters", "overall"], json!({
                "framework_id": {"type": "string"}, "edition": {"type": "string"},
                "objectives": {"type": "array", "items": object(&["cluster_id", "objective_id", "level", "met", "applicable", "coverage"], json!({
                    "cluster_id": {"type": "string"}, "objective_id": {"type": "string"},
                    "level": {"type": "integer", "minimum": 0}, "met": {"type": "integer"}, "applicable": {"type": "integer"},
                    "coverage": number_or_null}))},
                "clusters": {"type": "array", "items": object(&["cluster_id", "averages"], json!({"cluster_id": {"type": "string"}, "averages": averages.clone()}))},
                "overall": averages.clone(),
            })),
        }),
    );
    let delta = object(
        &["id", "level_delta", "coverage_delta"],
        json!({"id": {"type": "string"}, "level_delta": number_or_null, "coverage_delta": number_or_null}),
    );
    let int_or_null = json!({"type": ["integer", "null"]});
    let edition_id = json!({"type": "string", "pattern": "^[A-Za-z0-9._-]{1,40}$"});
    let text = object(
        &["es", "en"],
        json!({"es": {"type": "string"}, "en": {"type": "string"}}),
    );
    let edition = object(
        &[
            "edition",
            "year",
            "title_es",
            "title_en",
            "objectives",
            "indicators",
            "shipped",
        ],
        json!({
            "edition": edition_id.clone(), "year": {"type": "integer"},
            "title_es": {"type": "string"}, "title_en": {"type": "string"},
            "objectives": {"type": "integer"}, "indicators": {"type": "integer"},
            "shipped": {"type": "boolean", "description": "Ships with the platform (not uploaded)"},
            "uploaded_by": {"type": "string"}, "uploaded_at": time,
        }),
    );
    let titled = |extra: &[&str], props: Value| {
        let mut required = vec!["id", "title"];
        required.extend_from_slice(extra);
        let mut all =
            json!({"id": {"type": "string"}, "title": text.clone(), "description": text.clone()});
        for (k, v) in props.as_object().expect("object") {
            all[k] = v.clone();
        }
        object(&required, all)
    };
    let indicator = object(
        &["id", "level", "text"],
        json!({"id": {"type": "string"}, "level": {"type": "integer", "minimum": 1, "maximum": 5}, "text": text.clone()}),
    );
    let objective = titled(
        &["indicators"],
        json!({"indicators": {"type": "array", "minItems": 1, "items": indicator}}),
    );
    let cluster = titled(
        &["objectives"],
        json!({"objectives": {"type": "array", "minItems": 1, "items": objective}}),
    );
    let level = object(
        &["level", "title"],
        json!({"level": {"type": "integer", "minimum": 1, "maximum": 5}, "title": text.clone(), "description": text.clone()}),
    );
    json!({
        "NcafEdition": edition.clone(),
        "NcafEditionList": {"type": "array", "items": edition},
        "NcafEditionFile": object(&["ncaf"], json!({
            "$schema": {"type": "string"},
            "ncaf": object(&["id", "edition", "year", "title", "levels", "clusters"], json!({
                "id": {"type": "string", "description": "Framework id (ncaf); editions share it"},
                "edition": edition_id.clone(), "year": {"type": "integer", "minimum": 1990, "maximum": 2200},
                "title": text, "source": {"type": "string", "description": "Attribution: where the structure comes from and what is ours"},
                "levels": {"type": "array", "minItems": 1, "items": level},
                "clusters": {"type": "array", "minItems": 1, "items": cluster},
            })),
        })),
        "NcafAssessment": with(&[], json!({})),
        "NcafList": {"type": "array", "items": with(&["answered", "indicators", "overall"], json!({
            "answered": {"type": "integer"}, "indicators": {"type": "integer"}, "overall": averages}))},
        "NcafDraft": {"type": "object", "additionalProperties": false, "required": ["year"], "properties": {
            "year": {"type": "integer", "minimum": crate::api::ncaf::YEARS.start(), "maximum": crate::api::ncaf::YEARS.end()},
            "edition": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9._-]{1,40}$",
                "description": "Framework edition, shipped or uploaded (GET /api/v1/ncaf/editions); the newest shipped one when absent"},
        }},
        "NcafObjectiveDraft": {"type": "object", "additionalProperties": false, "required": ["answers"], "properties": {
            "answers": {"type": "object", "maxProperties": 200, "additionalProperties": {"type": ["string", "null"], "enum": [null, "yes", "no", "not-applicable"]},
                "description": "Indicator id of this objective -> answer; null clears it"},
        }},
        "Ncaf": ncaf.clone(),
        "NcafComparison": object(&["before", "after", "comparison"], json!({
            "before": ncaf.clone(), "after": ncaf,
            "comparison": object(&["before_edition", "after_edition", "objectives", "clusters", "overall"], json!({
                "before_edition": {"type": "string"}, "after_edition": {"type": "string"},
                "objectives": {"type": "array", "items": object(&["objective_id", "before_level", "after_level", "level_delta", "before_coverage", "after_coverage", "coverage_delta"], json!({
                    "objective_id": {"type": "string"}, "before_level": int_or_null.clone(), "after_level": int_or_null.clone(),
                    "level_delta": int_or_null, "before_coverage": number_or_null.clone(), "after_coverage": number_or_null.clone(),
                    "coverage_delta": number_or_null}))},
                "clusters": {"type": "array", "items": delta.clone()},
                "overall": delta,
            })),
        })),
    })
}

/// Baselines, campaigns and assessments.
fn assessment_schemas() -> Value {
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    let time = json!({"type": "string", "format": "date-time"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let date = json!({"type": "string", "format": "date"});
    let opt_date = json!({"type": ["string", "null"], "format": "date"});
    let number_or_null = json!({"type": ["number", "null"]});
    let statuses = json!(crate::api::assessments::STATUSES);
    let version_status = json!(["draft", "consultation", "adopted", "mandatory"]);
    let version = object(
        &[
            "id",
            "version",
            "title",
            "status",
            "based_on",
            "consultation_opens",
            "consultation_closes",
            "effective_on",
            "created_at",
            "updated_at",
        ],
        json!({
            "id": uuid, "version": {"type": "string"}, "title": {"type": "string"},
            "status": {"type": "string", "enum": version_status}, "based_on": nullable("string", Some("uuid")),
            "consultation_opens": opt_date, "consultation_closes": opt_date, "effective_on": opt_date,
            "created_at": time, "updated_at": time,
        }),
    );
    let mut detail = version.clone();
    detail["required"]
        .as_array_mut()
        .expect("array")
        .extend([json!("overlays"), json!("measures")]);
    detail["properties"]["overlays"] = json!({"type": "array", "items": {"type": "string"}});
    detail["properties"]["measures"] = json!({"type": "array", "items": object(
        &["id", "group", "weight", "title_es", "title_en", "statement_es", "statement_en", "comments"],
        json!({"id": {"type": "string"}, "group": {"type": "string"}, "weight": {"type": "number"},
               "title_es": {"type": "string"}, "title_en": {"type": "string"},
               "statement_es": {"type": "string"}, "statement_en": {"type": "string"}, "comments": {"type": "integer"}}),
    )});
    let measure_text = object(
        &["id", "group", "weight", "title", "statement"],
        json!({"id": {"type": "string"}, "group": {"type": "string"}, "weight": {"type": "number"}, "title": {"type": "string"}, "statement": {"type": "string"}}),
    );
    let comment = object(
        &[
            "id",
            "version_id",
            "measure_id",
            "author_email",
            "body",
            "created_at",
            "reply",
            "replied_by",
            "replied_at",
        ],
        json!({
            "id": uuid, "version_id": uuid, "measure_id": {"type": "string"}, "author_email": {"type": "string"},
            "body": {"type": "string"}, "created_at": time, "reply": nullable("string", None),
            "replied_by": nullable("string", None), "replied_at": nullable("string", Some("date-time")),
        }),
    );
    let campaign = object(
        &[
            "id",
            "title",
            "version_id",
            "due_on",
            "created_by",
            "created_at",
        ],
        json!({"id": uuid, "title": {"type": "string"}, "version_id": uuid, "due_on": date, "created_by": {"type": "string"}, "created_at": time}),
    );
    let summary = object(
        &[
            "id",
            "campaign_id",
            "campaign_title",
            "due_on",
            "institution_id",
            "acronym",
            "profile",
            "answered",
            "measures",
        ],
        json!({"id": uuid, "campaign_id": uuid, "campaign_title": {"type": "string"}, "due_on": date, "institution_id": uuid,
               "acronym": {"type": "string"}, "profile": {"type": "string"}, "answered": {"type": "integer"}, "measures": {"type": "integer"}}),
    );
    let mut campaign_detail = campaign.clone();
    campaign_detail["required"]
        .as_array_mut()
        .expect("array")
        .push(json!("assessments"));
    campaign_detail["properties"]["assessments"] =
        json!({"type": "array", "items": summary.clone()});
    let provenance = object(
        &[
            "assessment",
            "measure",
            "relationship",
            "via",
            "campaign_id",
            "campaign_title",
        ],
        json!({
            "assessment": {"type": "string", "format": "uuid"}, "measure": {"type": "string"},
            "relationship": {"type": "string", "enum": ["equal", "superset", "subset", "intersect"]},
            "via": {"oneOf": [
                object(&["kind", "ids"], json!({"kind": {"const": "shared-ids"}, "ids": {"type": "array", "items": {"type": "string"}}})),
                object(&["kind", "from", "to", "source"], json!({"kind": {"const": "mapping"}, "from": {"type": "string"}, "to": {"type": "string"}, "source": {"type": "string"}})),
            ]},
            "campaign_id": {"type": "string", "format": "uuid"}, "campaign_title": {"type": "string"},
        }),
    );
    let answer = object(
        &[
            "measure_id",
            "status",
            "reason",
            "maturity",
            "comment",
            "evidence",
            "carried_over",
            "inferred",
            "inferred_from",
            "verdict",
            "verdict_comment",
            "verdict_by",
            "updated_by",
            "updated_at",
        ],
        json!({
            "measure_id": {"type": "string"}, "status": {"type": "string", "enum": statuses},
            "reason": {"type": "string"}, "maturity": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
            "comment": {"type": "string"}, "evidence": {"type": "array", "items": {"type": "string"}},
            "carried_over": {"type": "boolean"},
            "inferred": {"type": "boolean", "description": "Inferred from another of the institution's assessments; cleared when the answer is saved"},
            "inferred_from": {"oneOf": [{"type": "null"}, provenance.clone()]},
            "verdict": {"type": ["string", "null"], "enum": ["accepted", "rejected", null]},
            "verdict_comment": {"type": "string"}, "verdict_by": nullable("string", None),
            "updated_by": {"type": "string"}, "updated_at": time,
        }),
    );
    let score = object(
        &[
            "assessed",
            "total",
            "progress",
            "implemented",
            "partial",
            "planned",
            "not_implemented",
            "not_applicable",
            "compliance",
            "maturity",
        ],
        json!({"assessed": {"type": "integer"}, "total": {"type": "integer"}, "progress": {"type": "number"},
               "implemented": {"type": "integer"}, "partial": {"type": "integer"}, "planned": {"type": "integer"},
               "not_implemented": {"type": "integer"}, "not_applicable": {"type": "integer"},
               "compliance": number_or_null, "maturity": number_or_null}),
    );
    let plan_item = object(
        &[
            "id",
            "assessment_id",
            "measure_id",
            "title",
            "weight",
            "owner",
            "due_on",
            "status",
            "created_at",
            "updated_at",
        ],
        json!({"id": uuid, "assessment_id": uuid, "measure_id": {"type": "string"}, "title": {"type": "string"},
               "weight": {"type": "integer"}, "owner": {"type": "string"}, "due_on": opt_date,
               "status": {"type": "string", "enum": centinela_store::assessments::PLAN_STATUSES}, "created_at": time, "updated_at": time}),
    );
    let aggregate = object(
        &[
            "institutions",
            "progress",
            "compliance",
            "maturity",
            "implemented",
            "partial",
            "planned",
            "not_implemented",
            "not_applicable",
        ],
        json!({"institutions": {"type": "integer"}, "progress": {"type": "number"}, "compliance": number_or_null, "maturity": number_or_null,
               "implemented": {"type": "integer"}, "partial": {"type": "integer"}, "planned": {"type": "integer"},
               "not_implemented": {"type": "integer"}, "not_applicable": {"type": "integer"}}),
    );
    let trend = object(
        &["points"],
        json!({"points": {"type": "array", "items": object(&["campaign_id", "title", "due_on", "national", "by_sector"], json!({
            "campaign_id": uuid, "title": {"type": "string"}, "due_on": date,
            "national": aggregate.clone(), "by_sector": {"type": "object", "additionalProperties": aggregate.clone()}}))}}),
    );
    json!({
        "CampaignTrend": trend,
        "BaselineVersion": version,
        "BaselineVersionList": {"type": "array", "items": {"$ref": "#/components/schemas/BaselineVersion"}},
        "BaselineVersionDetail": detail,
        "BaselineVersionDraft": {"type": "object", "additionalProperties": false, "required": ["version"], "properties": {
            "version": text(40), "title": text(200), "from": {"type": "string", "format": "uuid"},
            "catalog_es": {"type": "object", "description": "OSCAL catalog {\"catalog\": ...} in Spanish"},
            "catalog_en": {"type": "object", "description": "The same catalog in English"},
        }},
        "MeasureEdit": {"type": "object", "additionalProperties": false, "required": ["title_es", "title_en"], "properties": {
            "title_es": text(300), "title_en": text(300), "statement_es": text(5000), "statement_en": text(5000),
        }},
        "VersionStatusChange": {"type": "object", "additionalProperties": false, "required": ["status"], "properties": {
            "status": {"type": "string", "enum": ["consultation", "adopted", "mandatory"]},
            "opens_on": date.clone(), "closes_on": date.clone(), "effective_on": date.clone(),
        }},
        "BaselineDiff": object(&["from", "to", "added", "removed", "changed", "unchanged", "overlays_changed"], json!({
            "from": {"$ref": "#/components/schemas/BaselineVersion"}, "to": {"$ref": "#/components/schemas/BaselineVersion"},
            "added": {"type": "array", "items": measure_text.clone()}, "removed": {"type": "array", "items": measure_text},
            "changed": {"type": "array", "items": object(&["id", "title_before", "title_after", "statement_before", "statement_after"], json!({
                "id": {"type": "string"}, "title_before": {"type": "string"}, "title_after": {"type": "string"},
                "statement_before": {"type": "string"}, "statement_after": {"type": "string"}}))},
            "unchanged": {"type": "integer"}, "overlays_changed": {"type": "array", "items": {"type": "string"}},
        })),
        "BaselineComment": comment,
        "BaselineCommentList": {"type": "array", "items": {"$ref": "#/components/schemas/BaselineComment"}},
        "BaselineCommentDraft": {"type": "object", "additionalProperties": false, "required": ["measure_id", "body"], "properties": {
            "measure_id": text(100), "body": text(5000)}},
        "BaselineCommentReply": {"type": "object", "additionalProperties": false, "required": ["reply"], "properties": {"reply": text(5000)}},
        "Campaign": campaign,
        "CampaignList": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
        "CampaignDetail": campaign_detail,
        "CampaignDraft": {"type": "object", "additionalProperties": false, "required": ["title", "version_id", "due_on"], "properties": {
            "title": text(200), "version_id": uuid.clone(), "due_on": date.clone(),
            "institutions": {"type": "array", "maxItems": 10000, "items": uuid.clone(), "description": "All institutions when absent or empty"},
        }},
        "CampaignRollup": object(&["campaign", "national", "by_sector", "by_level", "groups", "institutions"], json!({
            "campaign": {"$ref": "#/components/schemas/Campaign"}, "national": aggregate.clone(),
            "by_sector": {"type": "object", "additionalProperties": aggregate.clone()},
            "by_level": {"type": "object", "additionalProperties": aggregate},
            "groups": {"type": "array", "items": {"type": "string"}},
            "institutions": {"type": "array", "items": object(&["institution_id", "acronym", "sector", "level", "assessed", "measures", "compliance", "maturity", "by_group"], json!({
                "institution_id": uuid, "acronym": {"type": "string"}, "sector": {"type": "string"}, "level": {"type": "string"},
                "assessed": {"type": "integer"}, "measures": {"type": "integer"}, "compliance": number_or_null, "maturity": number_or_null,
                "by_group": {"type": "array", "items": number_or_null}}))},
        })),
        "AssessmentList": {"type": "array", "items": summary},
        "Assessment": object(&["id", "campaign_id", "institution_id", "profile", "created_at", "updated_at", "campaign_title", "due_on", "measures", "overall", "groups", "gaps", "plan"], json!({
            "id": uuid, "campaign_id": uuid, "institution_id": uuid, "profile": {"type": "string"},
            "created_at": time, "updated_at": time, "campaign_title": {"type": "string"}, "due_on": date,
            "measures": {"type": "array", "items": object(&["id", "group", "weight", "title", "answer", "files"], json!({
                "id": {"type": "string"}, "group": {"type": "string"}, "weight": {"type": "number"}, "title": {"type": "string"},
                "answer": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Answer"}]},
                "files": {"type": "array", "description": "Evidence files, oldest first (each upload is a revision); expired: past expires_on", "items": {"allOf": [
                    {"$ref": "#/components/schemas/EvidenceFile"},
                    {"type": "object", "required": ["expired"], "properties": {"expired": {"type": "boolean"}}}]}}}))},
            "overall": score.clone(), "groups": {"type": "object", "additionalProperties": score},
            "gaps": {"type": "array", "items": object(&["measure_id", "title", "group", "weight", "status"], json!({
                "measure_id": {"type": "string"}, "title": {"type": "string"}, "group": {"type": "string"},
                "weight": {"type": "number"}, "status": {"type": "string"}}))},
            "plan": {"type": "array", "items": {"$ref": "#/components/schemas/PlanItem"}},
        })),
        "InferOutcome": object(&["inferred", "suggestions"], json!({
            "inferred": {"type": "array", "items": answer.clone()},
            "suggestions": {"type": "array", "items": object(&["measure_id", "source"], json!({"measure_id": {"type": "string"}, "source": provenance}))},
        })),
        "Answer": answer,
        "AnswerDraft": {"type": "object", "additionalProperties": false, "required": ["status"], "properties": {
            "status": {"type": "string", "enum": crate::api::assessments::STATUSES},
            "reason": {"type": "string", "maxLength": 2000, "description": "Required when not applicable"},
            "maturity": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
            "comment": text(5000),
            "evidence": {"type": "array", "maxItems": crate::api::assessments::MAX_EVIDENCE_LINKS, "items": {"type": "string", "maxLength": 500, "pattern": "^https?://[^\\s\"<>]+$"}},
        }},
        "VerdictDraft": {"type": "object", "additionalProperties": false, "required": ["verdict"], "properties": {
            "verdict": {"type": "string", "enum": ["accepted", "rejected"]}, "comment": text(2000)}},
        "PlanDraft": {"type": "object", "additionalProperties": false, "properties": {"due_on": date.clone()}},
        "PlanItem": plan_item,
        "PlanItemList": {"type": "array", "items": {"$ref": "#/components/schemas/PlanItem"}},
        "PlanItemDraft": {"type": "object", "additionalProperties": false, "required": ["status"], "properties": {
            "owner": text(200), "due_on": date, "status": {"type": "string", "enum": centinela_store::assessments::PLAN_STATUSES}}},
    })
}

fn incident_draft_schema() -> Value {
    use incidents::severity::{FunctionalImpact, InformationImpact, Recoverability};
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    let tlp = json!({"type": "string", "enum": ["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"]});
    json!({
        "type": "object",
        "required": ["reporter_institution", "title", "description", "detected_at", "aware_at", "classifications", "tlp", "pap"],
        "properties": {
            "reporter_institution": {"type": "string", "format": "uuid"},
            "title": text(200), "description": text(20000),
            "detected_at": {"type": "string", "format": "date-time"},
            "aware_at": {"type": "string", "format": "date-time"},
            "classifications": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["class", "type"], "properties": {"class": {"type": "string"}, "type": {"type": "string"}}}},
            "tlp": tlp.clone(),
            "pap": {"type": "string", "enum": ["PAP:CLEAR", "PAP:GREEN", "PAP:AMBER", "PAP:RED"]},
            "affected_assets": text(5000), "affected_services": text(5000),
            "affected_asset_ids": {"type": "array", "maxItems": 500, "items": {"type": "string", "format": "uuid"}, "description": "Assets of the reporting institution's inventory"},
            "affected_service_ids": {"type": "array", "maxItems": 500, "items": {"type": "string", "format": "uuid"}, "description": "Digital services of the reporting institution's inventory"},
            "impact": {"type": "object", "required": ["functional_impact", "information_impact", "recoverability", "people_affected", "essential_service", "institutions_affected", "cross_border"], "properties": {
                "functional_impact": {"type": "string", "enum": strings(FunctionalImpact::ALL, FunctionalImpact::as_str)},
                "information_impact": {"type": "string", "enum": strings(InformationImpact::ALL, InformationImpact::as_str)},
                "recoverability": {"type": "string", "enum": strings(Recoverability::ALL, Recoverability::as_str)},
                "people_affected": {"type": "integer", "minimum": 0},
                "essential_service": {"type": "boolean"},
                "institutions_affected": {"type": "integer", "minimum": 0},
                "cross_border": {"type": "boolean"},
            }},
            "observables": {"type": "array", "items": {"type": "object", "required": ["kind", "value", "tlp"], "properties": {
                "kind": {"type": "string", "enum": ["ip", "domain", "url", "email", "md5", "sha1", "sha256"]},
                "value": text(2048), "tlp": tlp, "comment": text(1000),
            }}},
        },
    })
}

fn query_param(name: &str) -> Value {
    let schema = match name {
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        "offset" => json!({"type": "integer", "minimum": 0, "default": 0}),
        "criticality" => {
            json!({"type": "string", "enum": strings(Criticality::ALL, Criticality::as_str)})
        }
        "level" => {
            json!({"type": "string", "enum": strings(GovernmentLevel::ALL, GovernmentLevel::as_str)})
        }
        "institution" | "before" | "after" => json!({"type": "string", "format": "uuid"}),
        "from" | "to" => json!({"type": "string", "format": "date-time"}),
        "partial" | "late" => json!({"type": "boolean"}),
        "cursor" => json!({"type": "string", "maxLength": 100,
            "description": "Keyset pagination: the `next` of the previous page; constant time at any depth (offset reads and skips every earlier row)"}),
        "type" => {
            json!({"type": "string", "maxLength": 100, "description": "RSIT classification type"})
        }
        _ => json!({"type": "string", "maxLength": 200}),
    };
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "role" {
                json!({"type": "string", "enum": ["head", "officer"]})
            } else if name == "event" {
                json!({"type": "string", "enum": ["submission", "consignment", "handover", "acceptance", "rejection"]})
            } else if name == "measure_id" || name == "objective_id" {
                json!({"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$"})
            } else if name == "entry_id" {
                json!({"type": "integer", "minimum": 1})
            } else {
                json!({"type": "string", "format": "uuid"})
            };
            json!({"name": name, "in": "path", "required": true, "schema": schema})
        })
        .collect()
}

fn operation(spec: &RouteSpec) -> Option<Value> {
    let doc = spec.doc?;
    let error = json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    let (status, schema) = doc.ok;
    let ok = match schema {
        Some("EventStream") => {
            json!({"description": "Event stream", "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/EventStream"}}}})
        }
        Some("Csv") => {
            json!({"description": "CSV", "content": {"text/csv": {"schema": {"$ref": "#/components/schemas/Csv"}}}})
        }
        Some("P7s") => {
            json!({"description": "Detached CAdES signature (DER)", "content": {"application/pkcs7-signature": {"schema": {"type": "string", "format": "binary"}}}})
        }
        Some("Xlsx") => {
            json!({"description": "XLSX workbook", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}})
        }
        Some("Binary") => {
            json!({"description": "The file, as an attachment", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})
        }
        Some("Text") => {
            json!({"description": "Text", "content": {"text/plain": {"schema": {"type": "string"}}}})
        }
        Some(s) => {
            json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}})
        }
        None => json!({"description": "Done; no content"}),
    };
    responses.insert(status.to_string(), ok);
    for code in [
        "400", "401", "403", "404", "405", "408", "409", "413", "415", "422",
    ] {
        responses.insert(code.into(), error.clone());
    }
    let mut params = path_params(spec.path);
    params.extend(doc.query.iter().map(|q| query_param(q)));
    let mut op = json!({
        "tags": [doc.tag],
        "summary": doc.summary,
        "operationId": format!("{}_{}", spec.method.as_str().to_lowercase(), spec.path.trim_start_matches("/api/v1/").replace(['/', '{', '}'], "_").trim_matches('_')),
        "parameters": params,
        "responses": responses,
    });
    if let Some(body) = doc.body {
        let mut content = Map::new();
        let schema = json!({"schema": {"$ref": format!("#/components/schemas/{body}")}});
        match body {
            "ReportUpload" | "EvidenceUpload" => {
                content.insert("multipart/form-data".into(), schema);
            }
            "IncidentImport" => {
                content.insert("application/json".into(), json!({"schema": {"type": "array", "maxItems": 5000, "items": {"$ref": "#/components/schemas/IncidentDraft"}}}));
                content.insert(
                    "application/x-ndjson".into(),
                    json!({"schema": {"type": "string"}}),
                );
                content.insert("text/csv".into(), json!({"schema": {"type": "string"}}));
            }
            "MispEvent" => {
                content.insert("application/json".into(), json!({"schema": {"type": "object", "description": "A MISP event, with or without the Event wrapper"}}));
            }
            "AssetImport" | "ServiceImport" | "NetworkImport" => {
                content.insert("text/csv".into(), schema);
            }
            "SoftwareImport" => {
                content.insert("text/csv".into(), schema);
                content.insert(
                    "application/vnd.cyclonedx+json".into(),
                    json!({"schema": {"type": "object"}}),
                );
            }
            _ => {
                content.insert("application/json".into(), schema);
            }
        }
        op["requestBody"] = json!({"required": true, "content": content});
    }
    Some(op)
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for spec in routes() {
        if let Some(op) = operation(&spec) {
            let entry = paths
                .entry(spec.path.to_string())
                .or_insert_with(|| json!({}));
            entry[spec.method.as_str().to_lowercase()] = op;
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Centinela API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "National cyber-resilience platform. Authenticate with `Authorization: Bearer TOKEN` (create one with `centinela token create`). Errors are `{\"error\": {\"code\", \"message\"}}` in the caller's language (Accept-Language: es-MX or en).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        },
    })
}
