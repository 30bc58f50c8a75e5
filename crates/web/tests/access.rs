//! The access matrix: every route of the table × every role × {own institution, another
//! institution, a missing id}, against the expectations written below. A route added to the
//! table without a row here fails `every_route_has_expectations`.

mod common;

use axum::http::{Method, StatusCode};
use centinela_core::constituency::{ContactDraft, NetworkKind};
use centinela_store::{Actor, Page, Scope, assessments, audit, constituency as repo};
use centinela_web::api::assessments as api_assess;
use centinela_web::routes::{Auth, Owner, RouteSpec, routes};
use common::{Call, ROLES, World, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

/// Expected status per role, for the caller's own institution and for another one
/// ("own/other"; routes without an institution in the path use one figure).
/// Roles: coordinator, admin, officer, ro (read-only officer token), auditor (of own), crisis.
/// Anonymous callers always get 401 on the API and a redirect to the login on pages.
const EXPECT: &[(&str, &str)] = &[
    (
        "GET /api/v1/campaigns/trend",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /campaigns/trend",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/ncaf",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/ncaf",
        "coordinator=201 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/ncaf/editions",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/ncaf/editions",
        "coordinator=201 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "POST /ncaf/editions",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/ncaf/compare",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/ncaf/{ncaf_id}",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "PUT /api/v1/ncaf/{ncaf_id}/objectives/{objective_id}",
        "coordinator=200 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /ncaf",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /ncaf",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /ncaf/compare",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /ncaf/{ncaf_id}",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /ncaf/{ncaf_id}/objectives/{objective_id}",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/receipt",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/receipt",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/incidents/import",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/import/misp",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /incidents/{incident_id}/work",
        "coordinator=303 admin=404 officer=303 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/work",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/triage",
        "coordinator=200 admin=404 officer=403 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/phase",
        "coordinator=200 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/close",
        "coordinator=200 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/severity",
        "coordinator=200 admin=404 officer=403 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/entries",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/tasks",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/tasks/{task_id}",
        "coordinator=200 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/links",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/recipients",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "DELETE /api/v1/incidents/{incident_id}/recipients/{institution_id}",
        "coordinator=204 admin=404 officer=204 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/evidence",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/evidence",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/evidence/{evidence_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/evidence/{evidence_id}/receipt",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /incidents/{incident_id}/evidence",
        "coordinator=303 admin=404 officer=303 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/institutions/{id}/webhooks",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=404/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/webhooks",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=404/404 crisis=404/404",
    ),
    (
        "DELETE /api/v1/institutions/{id}/webhooks/{webhook_id}",
        "coordinator=204/204 admin=404/404 officer=204/404 ro=403/404 auditor=404/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/webhooks/{webhook_id}/deliveries",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=404/404 crisis=404/404",
    ),
    (
        "GET /api/v1/webhooks",
        "coordinator=200 admin=404 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "POST /api/v1/webhooks",
        "coordinator=201 admin=404 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "DELETE /api/v1/webhooks/{webhook_id}",
        "coordinator=204 admin=404 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "GET /api/v1/webhooks/{webhook_id}/deliveries",
        "coordinator=200 admin=404 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "POST /api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/evidence",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/evidence/{evidence_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/evidence/{evidence_id}/receipt",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/export.xlsx",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /institutions/{id}/assessments/{assessment_id}/report",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /institutions/{id}/seals",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/seals",
        "coordinator=403/403 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /notices",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /notices",
        "coordinator=303 admin=404 officer=403 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /notices/{notice_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /notices/{notice_id}/answer",
        "coordinator=403 admin=404 officer=303 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /api/v1/institutions/{id}/seals",
        "coordinator=403/403 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/seals",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/seals/{seal_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/seals/{seal_id}/p7s",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/seals/{seal_id}/receipt",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/notices",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/notices",
        "coordinator=201 admin=404 officer=403 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/notices/{notice_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/notices/{notice_id}/answer",
        "coordinator=403 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/notices/{notice_id}/evidence/{event}/p7s",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/notices/{notice_id}/evidence/{event}/text",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/notices/{notice_id}/evidence/{event}/receipt",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/me",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/sectors",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/dashboard",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/institutions",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/institutions",
        "coordinator=201 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/institutions/{id}",
        "coordinator=200/200 admin=200/200 officer=200/404 ro=200/404 auditor=200/404 crisis=200/200",
    ),
    (
        "PUT /api/v1/institutions/{id}",
        "coordinator=200/200 admin=403/403 officer=200/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "GET /api/v1/institutions/{id}/officers",
        "coordinator=200/200 admin=200/200 officer=200/404 ro=200/404 auditor=200/404 crisis=200/200",
    ),
    (
        "PUT /api/v1/institutions/{id}/officers/{role}",
        "coordinator=200/200 admin=403/403 officer=200/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "GET /api/v1/institutions/{id}/contacts",
        "coordinator=200/200 admin=200/200 officer=200/404 ro=200/404 auditor=200/404 crisis=200/200",
    ),
    (
        "POST /api/v1/institutions/{id}/contacts",
        "coordinator=201/201 admin=403/403 officer=201/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "DELETE /api/v1/institutions/{id}/contacts/{contact_id}",
        "coordinator=204/204 admin=403/403 officer=204/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "GET /api/v1/institutions/{id}/networks",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/networks",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "DELETE /api/v1/institutions/{id}/networks/{network_id}",
        "coordinator=204/204 admin=404/404 officer=204/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/networks/import",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/networks.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/users",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=404 crisis=404",
    ),
    (
        "POST /api/v1/users",
        "coordinator=403 admin=201 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "GET /api/v1/audit",
        "coordinator=200 admin=200 officer=404 ro=404 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/audit/{entry_id}/receipt",
        "coordinator=200 admin=200 officer=404 ro=404 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/feeds/reports",
        "coordinator=201 admin=404 officer=404 ro=404 auditor=404 crisis=404",
    ),
    (
        "GET /api/v1/feeds/reports",
        "coordinator=200 admin=404 officer=404 ro=404 auditor=404 crisis=404",
    ),
    (
        "GET /api/v1/feeds/reports/{report_id}",
        "coordinator=200 admin=404 officer=404 ro=404 auditor=404 crisis=404",
    ),
    (
        "GET /api/v1/institutions/{id}/exposure",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/exposure/suppressions",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/exposure/suppressions",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "DELETE /api/v1/institutions/{id}/exposure/suppressions/{suppression_id}",
        "coordinator=204/204 admin=404/404 officer=204/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/exposure/digest",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/exposure/digest",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/exposure/summary",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/exposure/overview",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /feeds",
        "coordinator=200 admin=404 officer=404 ro=404 auditor=404 crisis=404",
    ),
    (
        "POST /feeds/upload",
        "coordinator=303 admin=404 officer=404 ro=404 auditor=404 crisis=404",
    ),
    (
        "GET /exposure",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /institutions/{id}/exposure",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/exposure/suppressions",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/exposure/suppressions/{suppression_id}/delete",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/exposure/digest",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/incidents",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/incidents",
        "coordinator=201 admin=404 officer=201 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /api/v1/incidents/{incident_id}/submissions",
        "coordinator=200 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/stix",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/incidents/{incident_id}/misp",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /incidents",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /incidents/new",
        "coordinator=200 admin=404 officer=200 ro=403 auditor=403 crisis=404",
    ),
    (
        "POST /incidents",
        "coordinator=303 admin=404 officer=303 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /incidents/{incident_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "POST /incidents/{incident_id}/submissions",
        "coordinator=303 admin=404 officer=303 ro=403 auditor=403 crisis=404",
    ),
    (
        "GET /api/v1/incidents/stats",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/incidents/stats.csv",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /incidents/statistics",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/institutions/{id}/software",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/software",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "DELETE /api/v1/institutions/{id}/software/{software_id}",
        "coordinator=204/204 admin=404/404 officer=204/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/software/import",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/assets/import",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assets.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/services/import",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/services.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/software.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/vulnerabilities",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assets",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/assets",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/services",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/services",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/inventory/kpis",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /api/v1/tokens",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/tokens",
        "coordinator=201 admin=201 officer=201 ro=403 auditor=201 crisis=201",
    ),
    (
        "DELETE /api/v1/tokens/{token_id}",
        "coordinator=204 admin=204 officer=204 ro=403 auditor=204 crisis=204",
    ),
    (
        "GET /api/v1/events",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    // Pages (bearer tokens work on pages too; forms then need no CSRF token).
    (
        "GET /dashboard",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /institutions",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /institutions/new",
        "coordinator=200 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "POST /institutions",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /institutions/{id}",
        "coordinator=200/200 admin=200/200 officer=200/404 ro=200/404 auditor=200/404 crisis=200/200",
    ),
    (
        "POST /institutions/{id}/networks",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/networks/{network_id}/delete",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/networks/import",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/inventory/import",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assets",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/contacts",
        "coordinator=303/303 admin=403/403 officer=303/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "POST /institutions/{id}/contacts/{contact_id}/delete",
        "coordinator=303/303 admin=403/403 officer=303/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "GET /institutions/{id}/edit",
        "coordinator=200/200 admin=403/403 officer=200/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "POST /institutions/{id}",
        "coordinator=303/303 admin=403/403 officer=303/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "POST /institutions/{id}/officers",
        "coordinator=303/303 admin=403/403 officer=303/404 ro=403/404 auditor=403/404 crisis=403/403",
    ),
    (
        "GET /users",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=404 crisis=404",
    ),
    (
        "POST /users",
        "coordinator=403 admin=303 officer=403 ro=403 auditor=404 crisis=404",
    ),
    (
        "POST /account/password",
        "coordinator=422 admin=422 officer=422 ro=403 auditor=422 crisis=422",
    ),
    (
        "GET /audit",
        "coordinator=200 admin=200 officer=404 ro=404 auditor=200 crisis=404",
    ),
    (
        "GET /account",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /account/totp",
        "coordinator=422 admin=422 officer=422 ro=403 auditor=422 crisis=422",
    ),
    (
        "POST /account/totp/disable",
        "coordinator=303 admin=303 officer=303 ro=403 auditor=303 crisis=303",
    ),
    (
        "POST /account/tokens",
        "coordinator=200 admin=200 officer=200 ro=403 auditor=200 crisis=200",
    ),
    (
        "POST /account/tokens/{token_id}/revoke",
        "coordinator=303 admin=303 officer=303 ro=403 auditor=303 crisis=303",
    ),
    (
        "GET /api/v1/baselines",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/baselines",
        "coordinator=201 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/baselines/{version_id}",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "PUT /api/v1/baselines/{version_id}/measures/{measure_id}",
        "coordinator=200 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "POST /api/v1/baselines/{version_id}/status",
        "coordinator=200 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/baselines/{version_id}/diff",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/baselines/{version_id}/comments",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/baselines/{version_id}/comments",
        "coordinator=201 admin=201 officer=201 ro=403 auditor=201 crisis=201",
    ),
    (
        "POST /api/v1/baselines/{version_id}/comments/{comment_id}/reply",
        "coordinator=200 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/campaigns",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /api/v1/campaigns",
        "coordinator=201 admin=404 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /api/v1/campaigns/{campaign_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/campaigns/{campaign_id}/rollup",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/assessments/{assessment_id}/infer",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict",
        "coordinator=200/200 admin=404/404 officer=403/404 ro=403/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/assessments/{assessment_id}/plan",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/assessments/{assessment_id}/plan/{item_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/export.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/oscal/assessment-results",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/assessments/{assessment_id}/oscal/poam",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /baselines",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /baselines",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /baselines/{version_id}",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /baselines/{version_id}/diff",
        "coordinator=200 admin=200 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /baselines/{version_id}/status",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "POST /baselines/{version_id}/measures/{measure_id}",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "POST /baselines/{version_id}/comments",
        "coordinator=303 admin=303 officer=303 ro=403 auditor=303 crisis=303",
    ),
    (
        "POST /baselines/{version_id}/comments/{comment_id}/reply",
        "coordinator=303 admin=403 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /campaigns",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "POST /campaigns",
        "coordinator=303 admin=404 officer=403 ro=403 auditor=403 crisis=403",
    ),
    (
        "GET /campaigns/{campaign_id}",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=200",
    ),
    (
        "GET /institutions/{id}/assessments/{assessment_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/answers/{measure_id}",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict",
        "coordinator=303/303 admin=404/404 officer=403/404 ro=403/404 auditor=303/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/infer",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/plan",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/assessments/{assessment_id}/plan/{item_id}",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/projects",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/projects",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/projects/{project_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/subject-assessments",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "PUT /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/submit",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/decision",
        "coordinator=200/200 admin=404/404 officer=403/404 ro=403/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/infer",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence",
        "coordinator=201/201 admin=404/404 officer=201/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence/{evidence_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence/{evidence_id}/receipt",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/export.csv",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/export.xlsx",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/oscal/assessment-results",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "GET /api/v1/projects/oversight",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /institutions/{id}/projects",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/projects",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/projects/{project_id}",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /institutions/{id}/subject-assessments/{subject_assessment_id}",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "GET /institutions/{id}/subject-assessments/{subject_assessment_id}/report",
        "coordinator=200/200 admin=404/404 officer=200/404 ro=200/404 auditor=200/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments/{subject_assessment_id}/infer",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments/{subject_assessment_id}/submit",
        "coordinator=303/303 admin=404/404 officer=303/404 ro=403/404 auditor=403/404 crisis=404/404",
    ),
    (
        "POST /institutions/{id}/subject-assessments/{subject_assessment_id}/decision",
        "coordinator=303/303 admin=404/404 officer=403/404 ro=403/404 auditor=303/404 crisis=404/404",
    ),
    (
        "GET /projects/oversight",
        "coordinator=200 admin=404 officer=200 ro=200 auditor=200 crisis=404",
    ),
    (
        "GET /login/totp",
        "coordinator=303 admin=303 officer=303 ro=303 auditor=303 crisis=303",
    ),
    (
        "POST /login/totp",
        "coordinator=303 admin=303 officer=303 ro=303 auditor=303 crisis=303",
    ),
    (
        "POST /logout",
        "coordinator=303 admin=303 officer=303 ro=303 auditor=303 crisis=303",
    ),
];

fn incident_json(inst: Uuid) -> Value {
    json!({
        "reporter_institution": inst,
        "title": "Correo de phishing",
        "description": "Campaña dirigida al personal",
        "detected_at": "2026-11-01T15:00:00Z",
        "aware_at": "2026-11-01T15:30:00Z",
        "classifications": [{"class": "fraud", "type": "phishing"}],
        "tlp": "TLP:AMBER",
        "pap": "PAP:AMBER",
        "impact": {"functional_impact": "no-impact", "information_impact": "none", "recoverability": "regular",
                   "people_affected": 10, "essential_service": false, "institutions_affected": 1, "cross_border": false},
        "observables": [{"kind": "domain", "value": "phish.example.net", "tlp": "TLP:GREEN"}]
    })
}

const SAMPLE_REPORT: &str = "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n\"2024-05-01 00:00:01\",\"192.0.2.10\",\"tcp\",80,\"www.x.gob.mx\",\"http\",64500,\"MX\"\n";

fn key(s: &RouteSpec) -> String {
    format!("{} {}", s.method, s.path)
}

fn expectation(spec: &RouteSpec, role: &str, own: bool) -> Option<u16> {
    let (_, line) = EXPECT.iter().find(|(k, _)| *k == key(spec))?;
    let cell = line
        .split_whitespace()
        .find_map(|c| c.strip_prefix(&format!("{role}=")))?;
    let pick = match cell.split_once('/') {
        Some((o, x)) => {
            if own {
                o
            } else {
                x
            }
        }
        None => cell,
    };
    pick.parse().ok()
}

#[test]
fn every_route_has_expectations() {
    for spec in routes() {
        if spec.auth == Auth::Public {
            continue;
        }
        for role in &ROLES[1..] {
            assert!(
                expectation(&spec, role, true).is_some(),
                "no expectation for {} as {role}",
                key(&spec)
            );
        }
    }
    for (k, _) in EXPECT {
        assert!(
            routes().iter().any(|s| key(s) == *k),
            "expectation for a route that does not exist: {k}"
        );
    }
}

#[test]
fn openapi_paths_are_the_api_routes() {
    let doc = centinela_web::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<String> = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let mut api: Vec<String> = routes()
        .iter()
        .filter(|s| s.is_api() && s.doc.is_some())
        .map(key)
        .collect();
    documented.sort();
    api.sort();
    assert_eq!(documented, api);
    assert!(
        routes()
            .iter()
            .filter(|s| s.is_api() && s.auth != Auth::Public)
            .all(|s| s.doc.is_some()),
        "every /api/v1 route is documented"
    );
}

/// A valid body for the route, so that the only reason to refuse it is access.
async fn body_for(w: &World, spec: &RouteSpec, inst: Uuid, n: usize) -> Option<Value> {
    let unique = format!(
        "{}{n}",
        Uuid::new_v4().simple().to_string().get(..8).unwrap()
    );
    match (spec.method.as_str(), spec.path) {
        ("POST", "/api/v1/institutions") => Some(json!({
            "slug": format!("x-{unique}"), "acronym": "X", "name_es": "Instituto X", "name_en": "X Institute",
            "sector": "energy", "level": "federal", "criticality": "other"
        })),
        ("PUT", "/api/v1/institutions/{id}") => {
            let i = repo::get_institution(w.db(), inst).await.ok()?;
            Some(json!({
                "slug": i.slug, "acronym": i.acronym, "name_es": i.name_es, "name_en": i.name_en,
                "sector": i.sector, "subsector": i.subsector, "level": i.level, "criticality": i.criticality,
                "website": format!("https://www.{unique}.gob.mx")
            }))
        }
        ("PUT", "/api/v1/institutions/{id}/officers/{role}") => Some(
            json!({"name": "Ana Pérez López", "email": "ana@ejemplo.gob.mx", "named_on": "2026-11-01"}),
        ),
        ("POST", "/api/v1/institutions/{id}/contacts") => {
            Some(json!({"kind": "csirt", "name": "CSIRT", "email": "csirt@ejemplo.gob.mx"}))
        }
        ("POST", "/api/v1/institutions/{id}/exposure/suppressions") => Some(
            json!({"identifier": "accessible-http", "cidr": "10.0.0.0/8", "port": 8080, "reason": "Portal público aceptado"}),
        ),
        ("PUT", "/api/v1/institutions/{id}/exposure/digest") => Some(json!({"cadence": "weekly"})),
        ("POST", "/api/v1/institutions/{id}/networks") => {
            Some(json!({"kind": "domain", "value": format!("{unique}.ejemplo.gob.mx")}))
        }
        ("POST", "/api/v1/users") => Some(json!({
            "email": format!("u{unique}@ejemplo.gob.mx"), "name": "Usuario", "role": "crisis_member",
            "password": "una frase larga de prueba"
        })),
        ("POST", "/api/v1/tokens") => Some(json!({"name": "t"})),
        ("POST", "/api/v1/incidents") => Some(incident_json(inst)),
        ("POST", "/api/v1/institutions/{id}/software") => {
            Some(json!({"vendor": "apache", "product": "http_server", "version": "2.4.49"}))
        }
        ("POST", "/api/v1/institutions/{id}/assets") => {
            Some(json!({"name": "Servidor", "kind": "server", "criticality": "high", "ipv6": true}))
        }
        ("POST", "/api/v1/institutions/{id}/services") => {
            Some(json!({"name": "Portal", "url": "https://www.ejemplo.gob.mx"}))
        }
        ("POST", "/api/v1/institutions/{id}/seals") => {
            Some(json!({"document_name": "oficio.pdf", "document_sha256": "ab".repeat(32)}))
        }
        ("POST", "/api/v1/notices") => Some(json!({
            "recipient_institution_id": inst, "kind": "advisory",
            "subject": "Aviso", "body": "Actualice sus servidores."
        })),
        ("POST", "/api/v1/notices/{notice_id}/answer") => Some(json!({"accept": true})),
        ("POST", "/api/v1/incidents/import") => Some(json!([incident_json(inst)])),
        ("POST", "/api/v1/incidents/import/misp") => {
            // An event as this platform exports it (PyMISP reads the same form).
            let id = new_incident(w, inst).await;
            let r = Call::get(format!("/api/v1/incidents/{id}/misp"))
                .token(Some(&w.tokens["coordinator"]))
                .send(&w.app)
                .await;
            Some(r.json())
        }
        ("POST", "/api/v1/incidents/{incident_id}/triage") => Some(json!({})),
        ("POST", "/api/v1/incidents/{incident_id}/phase") => Some(json!({"phase": "recuperacion"})),
        ("POST", "/api/v1/incidents/{incident_id}/close") => {
            Some(json!({"resolution": "Contenido y recuperado"}))
        }
        ("POST", "/api/v1/incidents/{incident_id}/severity") => {
            Some(json!({"level": "alto", "reason": "Afecta a un servicio esencial"}))
        }
        ("POST", "/api/v1/incidents/{incident_id}/entries") => {
            Some(json!({"kind": "comment", "body": "Se aislaron los equipos"}))
        }
        ("POST", "/api/v1/incidents/{incident_id}/tasks") => {
            Some(json!({"title": "Revisar bitácoras"}))
        }
        ("POST", "/api/v1/incidents/{incident_id}/tasks/{task_id}") => {
            Some(json!({"status": "done"}))
        }
        ("POST", "/api/v1/institutions/{id}/webhooks") | ("POST", "/api/v1/webhooks") => Some(
            json!({"url": "https://soc.example.gob.mx/hooks", "events": ["incident.reported"]}),
        ),
        ("POST", "/api/v1/incidents/{incident_id}/recipients") => {
            Some(json!({"institution_id": w.other}))
        }
        ("POST", "/api/v1/incidents/{incident_id}/links") => {
            let other = new_incident(w, inst).await;
            Some(json!({"related_id": other, "relation": "related"}))
        }
        ("POST", "/api/v1/baselines") => Some(json!({"version": format!("v-{unique}")})),
        ("PUT", "/api/v1/baselines/{version_id}/measures/{measure_id}") => Some(json!({
            "title_es": "Responsables y plan", "title_en": "Officers and plan"
        })),
        ("POST", "/api/v1/baselines/{version_id}/status") => Some(json!({
            "status": "consultation", "closes_on": "2099-12-31"
        })),
        ("POST", "/api/v1/baselines/{version_id}/comments") => {
            Some(json!({"measure_id": "gob-1", "body": "Comentario"}))
        }
        ("POST", "/api/v1/baselines/{version_id}/comments/{comment_id}/reply") => {
            Some(json!({"reply": "Respuesta"}))
        }
        ("POST", "/api/v1/ncaf") => Some(json!({"year": free_ncaf_year(w).await})),
        ("PUT", "/api/v1/ncaf/{ncaf_id}/objectives/{objective_id}") => {
            Some(json!({"answers": {"o1-l1-a": "yes", "o1-l1-b": null}}))
        }
        ("POST", "/api/v1/campaigns") => Some(json!({
            "title": "Ronda", "version_id": shipped_version(w).await, "due_on": "2099-12-31",
            "institutions": [inst]
        })),
        ("PUT", "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}") => {
            Some(json!({"status": "implemented", "maturity": 3}))
        }
        (
            "PUT",
            "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict",
        ) => Some(json!({"verdict": "accepted"})),
        ("POST", "/api/v1/institutions/{id}/assessments/{assessment_id}/plan") => Some(json!({})),
        ("PUT", "/api/v1/institutions/{id}/assessments/{assessment_id}/plan/{item_id}") => {
            Some(json!({"status": "done", "owner": "TI"}))
        }
        ("POST", "/api/v1/institutions/{id}/projects") => {
            Some(json!({"name": format!("Proyecto {unique}"), "kind": "cloud_migration"}))
        }
        ("PUT", "/api/v1/institutions/{id}/projects/{project_id}") => {
            Some(json!({"name": "Nube", "kind": "cloud_migration", "status": "in_progress"}))
        }
        ("POST", "/api/v1/institutions/{id}/subject-assessments") => Some(json!({
            "subject_kind": "project", "subject_id": new_project(w, inst).await, "questionnaire": "cloud"
        })),
        (
            "PUT",
            "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}",
        ) => Some(json!({"status": "partial", "maturity": 2})),
        (
            "POST",
            "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/decision",
        ) => Some(json!({"decision": "approved"})),
        ("POST", "/api/v1/incidents/{incident_id}/submissions") => {
            Some(json!({"stage": "initial-report"}))
        }
        _ => None,
    }
}

fn form_for(spec: &RouteSpec, n: usize, inst: Uuid) -> Option<Vec<(String, String)>> {
    let unique = format!("{}{n}", &Uuid::new_v4().simple().to_string()[..8]);
    let pairs: Vec<(&str, String)> = match spec.path {
        "/institutions" => vec![
            ("slug", format!("p-{unique}")),
            ("acronym", "P".into()),
            ("name_es", "Instituto P".into()),
            ("name_en", "P Institute".into()),
            ("sector", "energy".into()),
            ("subsector", String::new()),
            ("level", "federal".into()),
            ("criticality", "other".into()),
            ("website", String::new()),
        ],
        "/institutions/{id}/exposure/suppressions" => vec![
            ("identifier", "scan_http".into()),
            ("cidr", String::new()),
            ("port", "443".into()),
            ("reason", "Aceptado".into()),
            ("expires_on", String::new()),
        ],
        "/institutions/{id}/exposure/digest" => vec![("cadence", "daily".into())],
        "/institutions/{id}/assets" => vec![
            ("name", "Portal".into()),
            ("kind", "server".into()),
            ("address", "201.144.10.5".into()),
            ("ipv6", "true".into()),
            ("internet_facing", "auto".into()),
            ("criticality", "high".into()),
        ],
        "/institutions/{id}/networks" => vec![
            ("kind", "domain".into()),
            ("value", format!("{unique}.ejemplo.gob.mx")),
        ],
        "/institutions/{id}/contacts" => vec![
            ("kind", "noc".into()),
            ("name", "NOC".into()),
            ("email", "noc@ejemplo.gob.mx".into()),
            ("phone", String::new()),
        ],
        "/account/totp" => vec![
            ("secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()),
            ("code", "000000".into()),
        ],
        "/account/tokens" => vec![("name", "t".into())],
        "/login/totp" => vec![("code", "123456".into())],
        "/incidents" => vec![
            ("institution", inst.to_string()),
            ("title", "Correo de phishing".into()),
            ("description", "Campaña dirigida al personal".into()),
            ("detected_at", "2026-11-01T09:00".into()),
            ("aware_at", "2026-11-01T09:30".into()),
            ("classification", "fraud|phishing".into()),
            ("tlp", "TLP:AMBER".into()),
            ("pap", "PAP:AMBER".into()),
            ("functional_impact", "no-impact".into()),
            ("information_impact", "none".into()),
            ("recoverability", "regular".into()),
            ("people_affected", "10".into()),
            ("institutions_affected", "1".into()),
            ("observables", "domain phish.example.net".into()),
        ],
        "/incidents/{incident_id}/submissions" => vec![("stage", "initial-report".into())],
        "/notices" => vec![
            ("recipient", inst.to_string()),
            ("kind", "advisory".into()),
            ("subject", "Aviso".into()),
            ("body", "Actualice sus servidores.".into()),
        ],
        "/notices/{notice_id}/answer" => vec![("decision", "accept".into())],
        "/incidents/{incident_id}/work" => vec![
            ("action", "comment".into()),
            ("text", "Se aislaron los equipos".into()),
        ],
        "/account/password" => vec![
            ("current", "not the password".into()),
            ("new", "otra frase larga y nueva".into()),
        ],
        "/institutions/{id}" => vec![
            ("slug", format!("e-{unique}")),
            ("acronym", "E".into()),
            ("name_es", "Editada".into()),
            ("name_en", "Edited".into()),
            ("sector", "energy".into()),
            ("subsector", String::new()),
            ("level", "federal".into()),
            ("criticality", "other".into()),
            ("website", String::new()),
        ],
        "/baselines" => vec![("version", format!("p-{unique}")), ("title", String::new())],
        "/baselines/{version_id}/status" => vec![
            ("status", "consultation".into()),
            ("closes_on", "2099-12-31".into()),
        ],
        "/baselines/{version_id}/measures/{measure_id}" => vec![
            ("title_es", "Responsables".into()),
            ("title_en", "Officers".into()),
            ("statement_es", String::new()),
            ("statement_en", String::new()),
        ],
        "/baselines/{version_id}/comments" => {
            vec![
                ("measure_id", "gob-1".into()),
                ("body", "Comentario".into()),
            ]
        }
        "/baselines/{version_id}/comments/{comment_id}/reply" => {
            vec![("reply", "Respuesta".into())]
        }
        "/ncaf" => vec![("year", "2499".into()), ("edition", "2020".into())],
        "/ncaf/{ncaf_id}/objectives/{objective_id}" => {
            vec![("o1-l1-a", "no".into()), ("o1-l2-a", String::new())]
        }
        "/campaigns" => vec![
            ("title", "Ronda".into()),
            ("version_id", String::new()),
            ("due_on", "2099-12-31".into()),
            ("institutions", inst.to_string()),
        ],
        "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}" => vec![
            ("status", "partial".into()),
            ("maturity", "2".into()),
            ("reason", String::new()),
            ("comment", String::new()),
            ("evidence", String::new()),
        ],
        "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict" => {
            vec![("verdict", "rejected".into()), ("comment", String::new())]
        }
        "/institutions/{id}/assessments/{assessment_id}/plan" => vec![("due_on", String::new())],
        "/institutions/{id}/assessments/{assessment_id}/plan/{item_id}" => vec![
            ("owner", "TI".into()),
            ("due_on", String::new()),
            ("status", "in_progress".into()),
        ],
        "/institutions/{id}/projects" => vec![
            ("name", format!("Proyecto {unique}")),
            ("kind", "digital_transformation".into()),
            ("planned_live_on", "2099-01-31".into()),
        ],
        "/institutions/{id}/projects/{project_id}" => vec![
            ("name", "Nube".into()),
            ("kind", "cloud_migration".into()),
            ("status", "live".into()),
            ("went_live_on", String::new()),
        ],
        "/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}" => {
            vec![("status", "implemented".into()), ("maturity", "3".into())]
        }
        "/institutions/{id}/subject-assessments/{subject_assessment_id}/decision" => vec![
            ("decision", "returned".into()),
            ("reason", "Falta la base legal".into()),
        ],
        "/institutions/{id}/officers" => vec![
            ("role", "officer".into()),
            ("name", "Luis Pérez".into()),
            ("email", "luis@ejemplo.gob.mx".into()),
            ("phone", String::new()),
            ("named_on", "2026-10-01".into()),
        ],
        "/users" => vec![
            ("email", format!("u{unique}@ejemplo.gob.mx")),
            ("name", "Nueva".into()),
            ("role", "crisis_member".into()),
            ("institution", String::new()),
            ("password", "una frase larga de prueba".into()),
        ],
        _ => vec![],
    };
    (spec.method == Method::POST && !spec.is_api())
        .then(|| pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// Fills the path's parameters: `{id}` is the target institution, child ids are fresh
/// records of that institution (or the caller's own token), so deletions find something.
async fn path_for(w: &World, spec: &RouteSpec, inst: Uuid, role: &str, n: usize) -> String {
    let mut path = spec
        .path
        .replace("{id}", &inst.to_string())
        .replace("{role}", "head");
    if path.contains("{contact_id}") {
        let d = ContactDraft {
            kind: "other".into(),
            name: "tmp".into(),
            email: "tmp@ejemplo.gob.mx".into(),
            phone: String::new(),
        };
        let id = match repo::add_contact(w.db(), &Actor::system(), inst, &d).await {
            Ok(c) => c.id,
            Err(_) => Uuid::new_v4(),
        };
        path = path.replace("{contact_id}", &id.to_string());
    }
    if path.contains("{network_id}") {
        let value = format!(
            "n{n}-{}.ejemplo.gob.mx",
            &Uuid::new_v4().simple().to_string()[..6]
        );
        let id = match repo::add_network(
            w.db(),
            &Actor::system(),
            inst,
            NetworkKind::Domain,
            &value,
            "manual",
        )
        .await
        {
            Ok(net) => net.id,
            Err(_) => Uuid::new_v4(),
        };
        path = path.replace("{network_id}", &id.to_string());
    }
    if path.contains("{entry_id}") {
        path = path.replace("{entry_id}", &w.anchored_entry(inst).await.id.to_string());
    }
    if path.contains("{software_id}") {
        let row = centinela_store::inventory::NewSoftware {
            vendor: "v".into(),
            product: "p".into(),
            ..Default::default()
        };
        let id = match centinela_store::inventory::add_software(
            w.db(),
            &Actor::system(),
            inst,
            &[row],
            "test",
        )
        .await
        {
            Ok(mut v) => v.remove(0).id,
            Err(_) => Uuid::new_v4(),
        };
        path = path.replace("{software_id}", &id.to_string());
    }
    if path.contains("{suppression_id}") {
        let d = centinela_core::exposure::SuppressionDraft {
            identifier: "accessible-http".into(),
            reason: "tmp".into(),
            ..Default::default()
        };
        let id =
            match centinela_store::exposure::create_suppression(w.db(), &Actor::system(), inst, &d)
                .await
            {
                Ok(s) => s.id,
                Err(_) => Uuid::new_v4(),
            };
        path = path.replace("{suppression_id}", &id.to_string());
    }
    if path.contains("{report_id}") {
        let r = centinela_store::exposure::create_report(
            w.db(),
            &Actor::system(),
            Uuid::new_v4(),
            "x.csv",
            "scan_http",
            "00",
            1,
        )
        .await
        .unwrap();
        path = path.replace("{report_id}", &r.id.to_string());
    }
    if path.contains("{webhook_id}") {
        let hook = centinela_store::webhooks::create(
            w.db(),
            &Actor::system(),
            &centinela_store::webhooks::NewWebhook {
                institution_id: spec
                    .path
                    .starts_with("/api/v1/institutions/")
                    .then_some(inst),
                url: "https://soc.example.gob.mx/hooks".into(),
                secret: "s".into(),
                events: vec!["incident.reported".into()],
            },
        )
        .await
        .unwrap();
        path = path.replace("{webhook_id}", &hook.id.to_string());
    }
    if path.contains("{incident_id}") {
        let id = new_incident(w, inst).await;
        if path.contains("{evidence_id}") {
            let row = centinela_store::incidents::get(w.db(), id).await.unwrap();
            let new = stored_evidence(
                w,
                row.institution_id,
                centinela_store::evidence::Subject::Incident,
                id.to_string(),
            );
            let file =
                centinela_store::incident_work::add_evidence(w.db(), &Actor::system(), &row, &new)
                    .await
                    .unwrap();
            path = path.replace("{evidence_id}", &file.id.to_string());
        }
        if path.contains("{institution_id}") {
            let row = centinela_store::incidents::get(w.db(), id).await.unwrap();
            centinela_store::incident_work::share(w.db(), &Actor::system(), &row, w.other)
                .await
                .unwrap();
            path = path.replace("{institution_id}", &w.other.to_string());
        }
        if spec.path.ends_with("/receipt") {
            w.anchored_entry(inst).await;
        }
        if path.contains("{task_id}") {
            let row = centinela_store::incidents::get(w.db(), id).await.unwrap();
            let task = centinela_store::incident_work::add_task(
                w.db(),
                &Actor::system(),
                &row,
                &centinela_store::incident_work::NewTask {
                    title: "t".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            path = path.replace("{task_id}", &task.id.to_string());
        }
        path = path.replace("{incident_id}", &id.to_string());
    }
    if path.contains("{seal_id}") {
        let seal = centinela_web::api::trust::make_seal(
            &w.state,
            &Actor::system(),
            inst,
            "oficio.pdf",
            [7; 32],
        )
        .await
        .unwrap();
        w.anchored_entry(inst).await;
        path = path.replace("{seal_id}", &seal.id.to_string());
    }
    if path.contains("{notice_id}") {
        let req = centinela_web::api::trust::NoticeRequest {
            recipient_institution_id: inst,
            kind: "advisory".into(),
            subject: "Aviso".into(),
            body: "Actualice sus servidores.".into(),
            incident_id: None,
        };
        let notice =
            centinela_web::api::trust::send(&w.state, &Actor::system(), None, &req, "advisory")
                .await
                .unwrap();
        w.anchored_entry(inst).await;
        path = path
            .replace("{notice_id}", &notice.id.to_string())
            .replace("{event}", "submission");
    }
    path = project_fixtures(w, spec, inst, path).await;
    path = assessment_fixtures(w, spec, inst, path).await;
    path = ncaf_fixtures(w, spec, path).await;
    if path.contains("{token_id}") {
        let token = &w.tokens[role];
        let user = centinela_store::accounts::token_lookup(w.db(), token)
            .await
            .unwrap()
            .unwrap()
            .1;
        let (_, t) = centinela_store::accounts::create_token(
            w.db(),
            &Actor::system(),
            user.id,
            "victim",
            false,
            None,
        )
        .await
        .unwrap();
        path = path.replace("{token_id}", &t.id.to_string());
    }
    path
}

/// A fresh incident of `inst`, as reported through the API would store it.
async fn new_incident(w: &World, inst: Uuid) -> Uuid {
    let draft: incidents::incident::IncidentDraft =
        serde_json::from_value(incident_json(inst)).unwrap();
    let new = centinela_store::incidents::NewIncident {
        institution_id: inst,
        protocol_id: "mx-apf-2025".into(),
        protocol_version: "2025.1".into(),
        title: draft.title.clone(),
        tlp: "TLP:AMBER".into(),
        level: "bajo".into(),
        significant: false,
        class: "fraud".into(),
        kind: "phishing".into(),
        detected_at: draft.detected_at,
        aware_at: draft.aware_at,
        draft: serde_json::to_string(&draft).unwrap(),
        assessment: "{}".into(),
        reported_at: None,
    };
    let row = centinela_store::incidents::create(w.db(), &Actor::system(), "T", &new)
        .await
        .unwrap();
    row.id
}

async fn shipped_version(w: &World) -> Uuid {
    assessments::list_versions(w.db())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.version == "0.1.0")
        .unwrap()
        .id
}

/// The lowest year from 2000 without a national self-assessment (fixtures use 2500 and up).
async fn free_ncaf_year(w: &World) -> i64 {
    let taken: Vec<i64> = centinela_store::ncaf::list(w.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.year)
        .collect();
    (2000..2500).find(|y| !taken.contains(y)).unwrap()
}

/// A fresh national self-assessment in a free year from 2500 up.
async fn ncaf_year(w: &World) -> Uuid {
    loop {
        let year = 2500 + (Uuid::new_v4().as_u128() % 500) as i64;
        if let Ok(a) =
            centinela_store::ncaf::create(w.db(), &Actor::system(), year, "2020", &[]).await
        {
            return a.id;
        }
    }
}

/// Years of the national self-assessment for its routes (`/compare` gets two in its query).
async fn ncaf_fixtures(w: &World, spec: &RouteSpec, mut path: String) -> String {
    if path.contains("{ncaf_id}") {
        path = path
            .replace("{ncaf_id}", &ncaf_year(w).await.to_string())
            .replace("{objective_id}", "o1");
    }
    if spec.path.ends_with("/ncaf/compare") {
        path = format!(
            "{path}?before={}&after={}",
            ncaf_year(w).await,
            ncaf_year(w).await
        );
    }
    path
}

/// Fresh baseline versions, comments, campaigns, assessments (with answers to judge and gaps
/// to plan) and plan items for the assessment routes.
async fn assessment_fixtures(w: &World, spec: &RouteSpec, inst: Uuid, mut path: String) -> String {
    let actor = Actor::system();
    if path.contains("{version_id}") {
        let needs_consultation = spec.path.contains("/comments");
        let needs_draft = needs_consultation
            || spec.path.contains("/status")
            || spec.path.contains("/measures/")
            || spec.path.ends_with("/diff");
        let id = if needs_draft {
            let d = api_assess::VersionDraft {
                version: format!("t-{}", &Uuid::new_v4().simple().to_string()[..10]),
                ..Default::default()
            };
            let v = api_assess::new_draft(w.db(), &actor, &d).await.unwrap();
            if needs_consultation {
                let s = api_assess::StatusChange {
                    status: "consultation".into(),
                    closes_on: Some("2099-12-31".into()),
                    ..Default::default()
                };
                api_assess::change_status(w.db(), &actor, v.id, &s)
                    .await
                    .unwrap();
            }
            v.id
        } else {
            shipped_version(w).await
        };
        if path.contains("{comment_id}") {
            let c = assessments::add_comment(
                w.db(),
                &actor,
                id,
                "gob-1",
                "¿Y el presupuesto?",
                api_assess::today(),
            )
            .await
            .unwrap();
            path = path.replace("{comment_id}", &c.id.to_string());
        }
        path = path.replace("{version_id}", &id.to_string());
    }
    path = path.replace("{measure_id}", "gob-1");
    if path.contains("{campaign_id}") || path.contains("{assessment_id}") {
        let d = api_assess::CampaignDraft {
            title: "Ronda de prueba".into(),
            version_id: shipped_version(w).await.to_string(),
            due_on: "2099-12-31".into(),
            institutions: vec![inst.to_string()],
        };
        let c = api_assess::start_campaign(w.db(), &actor, &d)
            .await
            .unwrap();
        path = path.replace("{campaign_id}", &c.id.to_string());
        let a = assessments::list_assessments(w.db(), &Scope::All, Some(c.id), Some(inst))
            .await
            .unwrap()
            .remove(0)
            .id;
        for (measure, status) in [("gob-1", "implemented"), ("pro-1", "not_implemented")] {
            let n = assessments::NewAnswer {
                measure_id: measure.into(),
                status: status.into(),
                reason: String::new(),
                maturity: Some(1),
                comment: String::new(),
                evidence: "[]".into(),
            };
            assessments::save_answer(w.db(), &actor, inst, a, &n)
                .await
                .unwrap();
        }
        if path.contains("{evidence_id}") {
            let new = stored_evidence(
                w,
                inst,
                centinela_store::evidence::Subject::Assessment,
                format!("{a}/gob-1"),
            );
            let file = assessments::add_evidence(w.db(), &actor, inst, a, "gob-1", &new)
                .await
                .unwrap();
            path = path.replace("{evidence_id}", &file.id.to_string());
        }
        if spec.path.ends_with("/receipt") {
            w.anchored_entry(inst).await;
        }
        if path.contains("{item_id}") {
            let items = assessments::add_plan_items(
                w.db(),
                &actor,
                inst,
                a,
                &[("pro-1".into(), "PRO-1".into(), 3000)],
                None,
            )
            .await
            .unwrap();
            path = path.replace("{item_id}", &items[0].id.to_string());
        }
        path = path.replace("{assessment_id}", &a.to_string());
    }
    path
}

/// A fresh ICT project of `inst` (a random id when the institution does not exist).
async fn new_project(w: &World, inst: Uuid) -> Uuid {
    let f = centinela_store::projects::ProjectFields {
        name: "Proyecto".into(),
        kind: "cloud_migration".into(),
        status: "planned".into(),
        ..Default::default()
    };
    match centinela_store::projects::create_project(w.db(), &Actor::system(), inst, &f).await {
        Ok(p) => p.id,
        Err(_) => Uuid::new_v4(),
    }
}

/// Fresh projects and subject assessments (a PIA of a new project): answered in full for
/// submitting, and submitted for a decision.
async fn project_fixtures(w: &World, spec: &RouteSpec, inst: Uuid, mut path: String) -> String {
    use centinela_store::projects as store;
    let actor = Actor::system();
    if path.contains("{project_id}") {
        path = path.replace("{project_id}", &new_project(w, inst).await.to_string());
    }
    if path.contains("{subject_assessment_id}") {
        let d = centinela_web::api::projects::SubjectDraft {
            subject_kind: "project".into(),
            subject_id: new_project(w, inst).await.to_string(),
            questionnaire: "pia".into(),
        };
        let a = centinela_web::api::projects::start_subject(w.db(), &actor, inst, &d)
            .await
            .unwrap();
        let measures = store::measures(w.db(), a.id).await.unwrap();
        let full = spec.path.ends_with("/submit") || spec.path.ends_with("/decision");
        for m in measures.iter().take(if full { measures.len() } else { 1 }) {
            let n = assessments::NewAnswer {
                measure_id: m.measure_id.clone(),
                status: "implemented".into(),
                reason: String::new(),
                maturity: Some(3),
                comment: String::new(),
                evidence: "[]".into(),
            };
            store::save_answer(w.db(), &actor, inst, a.id, &n)
                .await
                .unwrap();
        }
        if spec.path.ends_with("/decision") {
            store::submit(w.db(), &actor, inst, a.id).await.unwrap();
        }
        if path.contains("{evidence_id}") {
            let new = stored_evidence(
                w,
                inst,
                centinela_store::evidence::Subject::SubjectAssessment,
                format!("{}/{}", a.id, measures[0].measure_id),
            );
            let file =
                store::add_evidence(w.db(), &actor, inst, a.id, &measures[0].measure_id, &new)
                    .await
                    .unwrap();
            path = path.replace("{evidence_id}", &file.id.to_string());
            if spec.path.ends_with("/receipt") {
                w.anchored_entry(inst).await;
            }
        }
        path = path
            .replace("{subject_assessment_id}", &a.id.to_string())
            .replace("{measure_id}", &measures[0].measure_id);
    }
    path
}

/// A small file kept where the server keeps evidence, described for recording.
fn stored_evidence(
    w: &World,
    institution: Uuid,
    subject: centinela_store::evidence::Subject,
    subject_id: String,
) -> centinela_store::evidence::NewEvidence {
    let bytes = format!("evidence {}", Uuid::new_v4());
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(bytes.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let dir = w.log_dir.join("files").join("evidence").join(&sha[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&sha), &bytes).unwrap();
    centinela_store::evidence::NewEvidence {
        institution_id: institution,
        subject,
        subject_id,
        file_name: "e.txt".into(),
        media_type: "text/plain".into(),
        size: bytes.len() as i64,
        sha256: sha,
        tlp: "TLP:AMBER".into(),
        description: String::new(),
        effective_on: None,
        expires_on: None,
    }
}

/// A valid CSV for the import routes (networks unique per call, so none is skipped).
fn import_csv(path: &str, n: usize) -> Option<String> {
    Some(match path {
        "/api/v1/institutions/{id}/software/import" => {
            "vendor,product,version\nnginx,nginx,1.24.0\n".to_string()
        }
        "/api/v1/institutions/{id}/assets/import" | "/institutions/{id}/inventory/import" => {
            "name,kind,address,ipv6,criticality\nPortal,server,portal.gob.mx,true,high\n"
                .to_string()
        }
        "/api/v1/institutions/{id}/services/import" => {
            "name,url,personal_data,payments\nTrámites,https://tramites.gob.mx,true,false\n"
                .to_string()
        }
        "/api/v1/institutions/{id}/networks/import" | "/institutions/{id}/networks/import" => {
            format!(
                "kind,value\ndomain,n{n}-{}.ejemplo.gob.mx\n",
                Uuid::new_v4().simple()
            )
        }
        _ => return None,
    })
}

async fn other_institution_fingerprint(w: &World) -> (Value, usize) {
    let i = repo::get_institution(w.db(), w.other).await.unwrap();
    let nets = repo::list_networks(w.db(), w.other, Page::new(Some(200), None))
        .await
        .unwrap()
        .0;
    let contacts = repo::list_contacts(w.db(), w.other, Page::new(Some(200), None))
        .await
        .unwrap()
        .0;
    let officers = repo::list_officers(w.db(), w.other).await.unwrap();
    let (audit, _) = audit::list(
        w.db(),
        &Scope::Only(vec![w.other]),
        None,
        Page::new(Some(200), None),
    )
    .await
    .unwrap();
    (
        json!({"i": i, "nets": nets, "contacts": contacts, "officers": officers}),
        audit.len(),
    )
}

// The matrix is split in four so that each part, with its own seeded worlds, stays well
// within the test timeout as routes are added; nextest runs the parts side by side.
#[tokio::test]
async fn access_matrix_part_1() {
    access_matrix(0, 4).await;
}

#[tokio::test]
async fn access_matrix_part_2() {
    access_matrix(1, 4).await;
}

#[tokio::test]
async fn access_matrix_part_3() {
    access_matrix(2, 4).await;
}

#[tokio::test]
async fn access_matrix_part_4() {
    access_matrix(3, 4).await;
}

/// The fictional 20-objective NCAF edition (uploads in the matrix rename it per call).
const NCAF_TEST_EDITION: &str = include_str!("../../assess/tests/fixtures/ncaf-test-2.0.json");

/// Every `of`-th route of the table, starting at `shard`, × every role × institution.
async fn access_matrix(shard: usize, of: usize) {
    for w in worlds().await {
        let mut n = 0;
        let mut failures = vec![];
        for spec in routes()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % of == shard)
            .map(|(_, s)| s)
        {
            if spec.auth == Auth::Public {
                continue;
            }
            let targets: Vec<(bool, Uuid)> = match spec.owner {
                Owner::PathId => vec![(true, w.own), (false, w.other)],
                Owner::None => vec![(true, w.own)],
            };
            for role in ROLES {
                for (own, inst) in &targets {
                    n += 1;
                    let token = w.tokens.get(role).map(String::as_str);
                    let path = path_for(
                        &w,
                        &spec,
                        *inst,
                        if role == "anonymous" {
                            "coordinator"
                        } else {
                            role
                        },
                        n,
                    )
                    .await;
                    let mut call = Call::new(spec.method.clone(), path.clone()).token(token);
                    if let Some(csv) = import_csv(spec.path, n) {
                        call = if spec.path.starts_with("/api/") {
                            call.raw(csv, "text/csv")
                        } else {
                            call.multipart(&[("table", "assets")], "import.csv", &csv)
                        };
                    } else if spec.path.ends_with("/ncaf/editions") && spec.method == Method::POST {
                        // A fresh edition id per call, so each coordinator upload is a 201.
                        let file = NCAF_TEST_EDITION.replacen(
                            "\"test-2.0\"",
                            &format!("\"access-{n}\""),
                            1,
                        );
                        call = if spec.is_api() {
                            call.raw(file, "application/json")
                        } else {
                            call.multipart(&[], "edition.json", &file)
                        };
                    } else if spec.path == "/institutions/{id}/seals" {
                        call = call.multipart(&[], "oficio.pdf", "contenido del oficio");
                    } else if spec.path.ends_with("/evidence") {
                        call = call.multipart(&[("description", "x")], "e.txt", "contenido");
                    } else if centinela_web::security::UPLOAD_PATHS.contains(&spec.path) {
                        call =
                            call.multipart(&[("report", "scan_http")], "report.csv", SAMPLE_REPORT);
                    } else if spec.path == "/institutions/{id}/subject-assessments" {
                        let subject = new_project(&w, *inst).await.to_string();
                        call = call.form(&[
                            ("subject_kind", "project"),
                            ("subject_id", subject.as_str()),
                            ("questionnaire", "pia"),
                        ]);
                    } else if let Some(b) = body_for(&w, &spec, *inst, n).await {
                        call = call.json(&b);
                    } else if let Some(f) = form_for(&spec, n, *inst) {
                        let pairs: Vec<(&str, &str)> =
                            f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        call = call.form(&pairs);
                    }
                    let before = if !own {
                        Some(other_institution_fingerprint(&w).await)
                    } else {
                        None
                    };
                    let reply = if spec.path == "/api/v1/events" {
                        call.send_head(&w.app).await
                    } else {
                        call.send(&w.app).await
                    };
                    let got = reply.status.as_u16();
                    let expected = if role == "anonymous" {
                        if spec.is_api() { 401 } else { 303 }
                    } else {
                        expectation(&spec, role, *own).unwrap()
                    };
                    if got != expected {
                        failures.push(format!(
                            "{} {path} as {role} ({}): got {got}, expected {expected}: {}",
                            spec.method,
                            if *own { "own" } else { "other" },
                            &reply.body.chars().take(200).collect::<String>()
                        ));
                    }
                    // Another institution's records never come back to those who may not see them.
                    if !own && matches!(role, "officer" | "ro" | "auditor" | "anonymous") {
                        assert!(
                            !reply.body.contains(&w.other.to_string()),
                            "{}: {path} as {role} leaked the other institution",
                            w.t.label
                        );
                        if let Some(before) = before {
                            assert_eq!(
                                other_institution_fingerprint(&w).await,
                                before,
                                "{}: {} {path} as {role} changed another institution",
                                w.t.label,
                                spec.method
                            );
                        }
                    }
                    if spec.is_api() && got >= 400 && spec.path != "/api/v1/events" {
                        let v = reply.json();
                        assert!(
                            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
                            "{path}: error shape {v}"
                        );
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} mismatches:\n{}",
            w.t.label,
            failures.len(),
            failures.join("\n")
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn lists_are_scoped_to_what_the_caller_sees() {
    for w in worlds().await {
        let other = w.other.to_string();
        for (role, list) in [
            ("officer", "/api/v1/institutions?limit=200"),
            ("ro", "/api/v1/users?limit=200"),
            ("auditor", "/api/v1/audit?limit=200"),
            ("officer", "/api/v1/dashboard"),
            ("auditor", "/institutions"),
        ] {
            let r = Call::get(list)
                .token(Some(&w.tokens[role]))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{list} as {role}");
            assert!(
                !r.body.contains(&other) && !r.body.contains("PEMEX"),
                "{}: {list} as {role} shows PEMEX",
                w.t.label
            );
        }
        let officer = Call::get("/api/v1/institutions")
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await
            .json();
        assert_eq!(officer["total"], 1);
        let auditor = Call::get("/api/v1/institutions")
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await
            .json();
        assert_eq!(auditor["total"], 3);
        let coordinator = Call::get("/api/v1/institutions?limit=200")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await
            .json();
        assert!(coordinator["total"].as_i64().unwrap() >= 40);
        assert!(coordinator["items"].to_string().contains(&other));
        // Auditors asking for another institution's trail by id: as if it did not exist.
        let r = Call::get(format!("/api/v1/audit?institution={other}"))
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn missing_records_are_404_for_everyone() {
    for w in worlds().await {
        let missing = Uuid::new_v4();
        for path in [
            format!("/api/v1/institutions/{missing}"),
            format!("/api/v1/institutions/{missing}/officers"),
            format!("/api/v1/institutions/{missing}/networks"),
            format!("/api/v1/institutions/{missing}/contacts"),
            format!("/institutions/{missing}"),
            "/api/v1/institutions/not-a-uuid".to_string(),
            "/api/v1/nowhere".to_string(),
        ] {
            for role in ["coordinator", "officer", "auditor"] {
                let r = Call::get(&path)
                    .token(Some(&w.tokens[role]))
                    .send(&w.app)
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path} as {role}");
            }
        }
        let r = Call::new(
            Method::DELETE,
            format!("/api/v1/institutions/{}/networks/{missing}", w.own),
        )
        .token(Some(&w.tokens["officer"]))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A network of another institution cannot be deleted through one's own institution.
        let theirs = repo::list_networks(w.db(), w.other, Page::default())
            .await
            .unwrap()
            .0[0]
            .id;
        let r = Call::new(
            Method::DELETE,
            format!("/api/v1/institutions/{}/networks/{theirs}", w.own),
        )
        .token(Some(&w.tokens["officer"]))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(
            repo::list_networks(w.db(), w.other, Page::default())
                .await
                .unwrap()
                .0
                .iter()
                .any(|n| n.id == theirs)
        );
        w.cleanup().await;
    }
}
