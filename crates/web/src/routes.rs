//! The route table: every route with the resource kind and action it touches, who may call
//! it, and its API documentation. The router, the access check, the OpenAPI description and
//! the access-matrix tests are all built from this one table, so a new route cannot escape
//! the policy.

use crate::auth::{self, Ctx};
use crate::error::ApiError;
use crate::{AppState, api, assets, pages, transparency, tsa};
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use axum::{RequestExt, Router};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use uuid::Uuid;

/// Who may call a route at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone, signed in or not.
    Public,
    /// A signed-in user who has passed the second factor.
    User,
    /// A signed-in user still owing the second factor (the TOTP step and logout).
    Partial,
}

/// Whether the `{id}` path parameter names the institution that owns the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    None,
    PathId,
}

/// API documentation for a route (absent for pages).
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    pub tag: &'static str,
    pub summary: &'static str,
    pub query: &'static [&'static str],
    pub body: Option<&'static str>,
    /// Success status and schema (`None` for an empty body).
    pub ok: (u16, Option<&'static str>),
}

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub kind: ResourceKind,
    pub action: Action,
    pub auth: Auth,
    pub owner: Owner,
    pub doc: Option<Doc>,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/v1/")
    }
}

macro_rules! route {
    ($method:ident $path:literal, $handler:expr, $kind:ident, $action:ident, $auth:ident, $owner:ident, $doc:expr) => {
        (
            RouteSpec {
                method: Method::$method,
                path: $path,
                kind: ResourceKind::$kind,
                action: Action::$action,
                auth: Auth::$auth,
                owner: Owner::$owner,
                doc: $doc,
            },
            on(MethodFilter::$method, $handler),
        )
    };
}

const fn doc(
    tag: &'static str,
    summary: &'static str,
    query: &'static [&'static str],
    body: Option<&'static str>,
    ok: (u16, Option<&'static str>),
) -> Option<Doc> {
    Some(Doc {
        tag,
        summary,
        query,
        body,
        ok,
    })
}

const PAGE: &[&str] = &["limit", "offset"];

/// Every route of the application.
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    vec![
        // ---- operations and public documents ----
        route!(GET "/healthz", api::ops::healthz, Reference, Read, Public, None, None),
        route!(GET "/metrics", api::ops::metrics, Reference, Read, Public, None, None),
        route!(GET "/api/v1/openapi.json", api::ops::openapi, Reference, Read, Public, None, None),
        route!(GET "/api/docs", pages::docs::page, Reference, Read, Public, None, None),
        route!(GET "/static/{*path}", assets::serve, Reference, Read, Public, None, None),
        route!(GET "/log/{*path}", transparency::serve_log, Reference, Read, Public, None, None),
        route!(POST "/tsa", tsa::timestamp, Reference, Read, Public, None, None),
        route!(GET "/tsa/certificate", tsa::certificate, Reference, Read, Public, None, None),
        route!(GET "/seals/roots.pem", api::trust::roots, Reference, Read, Public, None, None),
        // ---- API ----
        route!(GET "/api/v1/me", api::accounts::me, OwnAccount, Read, User, None,
            doc("accounts", "The caller's account and role", &[], None, (200, Some("Me")))),
        route!(GET "/api/v1/sectors", api::reference::sectors, Reference, Read, User, None,
            doc("reference", "Sectors and subsectors", &[], None, (200, Some("SectorList")))),
        route!(GET "/api/v1/dashboard", api::reference::dashboard, Dashboard, Read, User, None,
            doc("reference", "Dashboard figures for the institutions the caller sees", &[], None, (200, Some("Dashboard")))),
        route!(GET "/api/v1/institutions", api::constituency::list_institutions, Institution, List, User, None,
            doc("institutions", "List institutions the caller may see", &["q", "sector", "criticality", "level", "limit", "offset"], None, (200, Some("InstitutionPage")))),
        route!(POST "/api/v1/institutions", api::constituency::create_institution, Institution, Create, User, None,
            doc("institutions", "Register an institution (coordinators)", &[], Some("InstitutionDraft"), (201, Some("Institution")))),
        route!(GET "/api/v1/institutions/{id}", api::constituency::get_institution, Institution, Read, User, PathId,
            doc("institutions", "One institution", &[], None, (200, Some("Institution")))),
        route!(PUT "/api/v1/institutions/{id}", api::constituency::update_institution, Institution, Update, User, PathId,
            doc("institutions", "Replace an institution's details (officers may not change its classification)", &[], Some("InstitutionDraft"), (200, Some("Institution")))),
        route!(GET "/api/v1/institutions/{id}/officers", api::constituency::list_officers, Officer, Read, User, PathId,
            doc("institutions", "The institution's named officers", &[], None, (200, Some("OfficerList")))),
        route!(PUT "/api/v1/institutions/{id}/officers/{role}", api::constituency::set_officer, Officer, Update, User, PathId,
            doc("institutions", "Name the head of cybersecurity (head) or the cybersecurity officer (officer)", &[], Some("OfficerDraft"), (200, Some("Officer")))),
        route!(GET "/api/v1/institutions/{id}/contacts", api::constituency::list_contacts, Contact, List, User, PathId,
            doc("institutions", "The institution's contacts", PAGE, None, (200, Some("ContactPage")))),
        route!(POST "/api/v1/institutions/{id}/contacts", api::constituency::add_contact, Contact, Create, User, PathId,
            doc("institutions", "Add a contact", &[], Some("ContactDraft"), (201, Some("Contact")))),
        route!(DELETE "/api/v1/institutions/{id}/contacts/{contact_id}", api::constituency::delete_contact, Contact, Delete, User, PathId,
            doc("institutions", "Remove a contact", &[], None, (204, None))),
        route!(GET "/api/v1/institutions/{id}/networks", api::constituency::list_networks, Network, List, User, PathId,
            doc("institutions", "Networks the institution owns (prefixes, ASNs, domains)", PAGE, None, (200, Some("NetworkPage")))),
        route!(POST "/api/v1/institutions/{id}/networks", api::constituency::add_network, Network, Create, User, PathId,
            doc("institutions", "Register a network", &[], Some("NetworkDraft"), (201, Some("Network")))),
        route!(DELETE "/api/v1/institutions/{id}/networks/{network_id}", api::constituency::delete_network, Network, Delete, User, PathId,
            doc("institutions", "Remove a network", &[], None, (204, None))),
        route!(POST "/api/v1/institutions/{id}/networks/import", api::constituency::import_networks, Network, Create, User, PathId,
            doc("institutions", "Import networks from CSV (kind,value); stored as source=import, never over a network the institution already holds, and routing prefers another institution's manual entry; all rows or none unless partial=true; errors name the line", &["partial"], Some("NetworkImport"), (201, Some("ImportResult")))),
        route!(GET "/api/v1/institutions/{id}/networks.csv", api::constituency::export_networks, Network, List, User, PathId,
            doc("institutions", "The institution's networks as CSV (kind,value,source)", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/software", api::inventory::list_software, Inventory, List, User, PathId,
            doc("inventory", "Software in the institution's inventory", &[], None, (200, Some("SoftwareList")))),
        route!(POST "/api/v1/institutions/{id}/software", api::inventory::add_software, Inventory, Create, User, PathId,
            doc("inventory", "Add a software item (CPE 2.3 and/or purl for vulnerability matching)", &[], Some("SoftwareDraft"), (201, Some("Software")))),
        route!(DELETE "/api/v1/institutions/{id}/software/{software_id}", api::inventory::delete_software, Inventory, Delete, User, PathId,
            doc("inventory", "Remove a software item", &[], None, (204, None))),
        route!(POST "/api/v1/institutions/{id}/software/import", api::inventory::import_software, Inventory, Create, User, PathId,
            doc("inventory", "Import software from CSV (vendor,product,version,cpe,purl,licence) or a CycloneDX JSON SBOM; all rows or none unless partial=true; errors name the line", &["partial"], Some("SoftwareImport"), (201, Some("ImportResult")))),
        route!(GET "/api/v1/institutions/{id}/software.csv", api::inventory::export_software, Inventory, List, User, PathId,
            doc("inventory", "The institution's software as CSV", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/vulnerabilities", api::inventory::vulnerabilities, Inventory, List, User, PathId,
            doc("inventory", "Vulnerable software (NVD CPE ranges and KEV), KEV entries first with their due dates", &[], None, (200, Some("VulnerableSoftwareList")))),
        route!(GET "/api/v1/institutions/{id}/assets", api::inventory::list_assets, Inventory, List, User, PathId,
            doc("inventory", "Assets (hosts and systems)", &[], None, (200, Some("AssetList")))),
        route!(POST "/api/v1/institutions/{id}/assets", api::inventory::add_asset, Inventory, Create, User, PathId,
            doc("inventory", "Add an asset", &[], Some("AssetDraft"), (201, Some("Asset")))),
        route!(POST "/api/v1/institutions/{id}/assets/import", api::inventory::import_assets, Inventory, Create, User, PathId,
            doc("inventory", "Import assets from CSV (name,kind,address,ipv6,criticality,internet_facing; an empty or absent internet_facing is true exactly when address is a public IP address); all rows or none unless partial=true; errors name the line", &["partial"], Some("AssetImport"), (201, Some("ImportResult")))),
        route!(GET "/api/v1/institutions/{id}/assets.csv", api::inventory::export_assets, Inventory, List, User, PathId,
            doc("inventory", "The institution's assets as CSV (the import's columns)", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/services", api::inventory::list_services, Inventory, List, User, PathId,
            doc("inventory", "Digital public services", &[], None, (200, Some("ServiceList")))),
        route!(POST "/api/v1/institutions/{id}/services", api::inventory::add_service, Inventory, Create, User, PathId,
            doc("inventory", "Register a digital public service", &[], Some("ServiceDraft"), (201, Some("Service")))),
        route!(POST "/api/v1/institutions/{id}/services/import", api::inventory::import_services, Inventory, Create, User, PathId,
            doc("inventory", "Import digital services from CSV (name,url,personal_data,payments); all rows or none unless partial=true; errors name the line", &["partial"], Some("ServiceImport"), (201, Some("ImportResult")))),
        route!(GET "/api/v1/institutions/{id}/services.csv", api::inventory::export_services, Inventory, List, User, PathId,
            doc("inventory", "The institution's digital services as CSV (the import's columns)", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/projects", api::projects::list_projects, Inventory, List, User, PathId,
            doc("projects", "The institution's ICT projects", &[], None, (200, Some("ProjectList")))),
        route!(POST "/api/v1/institutions/{id}/projects", api::projects::create_project, Inventory, Create, User, PathId,
            doc("projects", "Register an ICT project (kind digital_transformation, cloud_migration or other; status planned when absent; a live project's went-live date is today when absent and never before its registration)", &[], Some("ProjectDraft"), (201, Some("Project")))),
        route!(PUT "/api/v1/institutions/{id}/projects/{project_id}", api::projects::update_project, Inventory, Update, User, PathId,
            doc("projects", "Replace an ICT project's details and status", &[], Some("ProjectDraft"), (200, Some("Project")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments", api::projects::list_subjects, Assessment, List, User, PathId,
            doc("projects", "The institution's assessments of its digital services and ICT projects", &[], None, (200, Some("SubjectAssessmentList")))),
        route!(POST "/api/v1/institutions/{id}/subject-assessments", api::projects::create_subject, Assessment, Create, User, PathId,
            doc("projects", "Start an assessment of a digital service (pia) or an ICT project (pia or cloud) with the shipped questionnaire; one per subject and questionnaire", &[], Some("SubjectAssessmentDraft"), (201, Some("SubjectAssessment")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}", api::projects::get_subject, Assessment, Read, User, PathId,
            doc("projects", "A subject assessment: measures and answers, progress, compliance and maturity, gaps by weight, review status", &[], None, (200, Some("SubjectAssessmentDetail")))),
        route!(PUT "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}", api::projects::save_subject_answer, Assessment, Update, User, PathId,
            doc("projects", "Answer a question or measure while the assessment is a draft or returned", &[], Some("AnswerDraft"), (200, Some("Answer")))),
        route!(POST "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/submit", api::projects::submit_subject, Assessment, Update, User, PathId,
            doc("projects", "Submit the assessment for review (every measure answered)", &[], None, (200, Some("SubjectAssessment")))),
        route!(POST "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/decision", api::projects::review_subject, AssessmentVerdict, Update, User, PathId,
            doc("projects", "Approve a submitted assessment or return it with a reason (coordinators and auditors; never the submitter)", &[], Some("SubjectDecision"), (200, Some("SubjectAssessment")))),
        route!(POST "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/infer", api::answer_inference::infer_subject_route, Assessment, Update, User, PathId,
            doc("projects", "Fill the unanswered measures (draft or returned) with answers inferred from the institution's campaign assessments (shared CSF 2.0 / SP 800-53 ids, OLIR mappings), marked with their provenance; also done when the assessment starts", &[], None, (200, Some("InferOutcome")))),
        route!(POST "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence", api::evidence::upload_for_subject, Assessment, Update, User, PathId,
            doc("projects", "Attach an evidence file to a measure of a subject assessment while it is a draft or returned (multipart: file, optional description, effective_on, expires_on); kept by SHA-256 and anchored in the transparency log; each upload is a new revision", &[], Some("EvidenceUpload"), (201, Some("EvidenceFile")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence", api::evidence::list_for_subject, Assessment, Read, User, PathId,
            doc("projects", "Every evidence file of the subject assessment (subject_id names the measure), oldest first", &[], None, (200, Some("EvidenceList")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence/{evidence_id}", api::evidence::download_for_subject, Assessment, Read, User, PathId,
            doc("projects", "Download an evidence file of a subject assessment (always as an attachment)", &[], None, (200, Some("Binary")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/evidence/{evidence_id}/receipt", api::evidence::receipt_for_subject, Assessment, Read, User, PathId,
            doc("projects", "The transparency-log receipt of a subject assessment's evidence file (its audit entry states the file's SHA-256)", &[], None, (200, Some("AuditReceipt")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/export.csv", api::projects::export_subject_csv, Assessment, Read, User, PathId,
            doc("projects", "The subject assessment as CSV, one row per measure (the campaign export's columns)", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/export.xlsx", api::projects::export_subject_xlsx, Assessment, Read, User, PathId,
            doc("projects", "The subject assessment as an XLSX workbook: answers and scores per group", &[], None, (200, Some("Xlsx")))),
        route!(GET "/api/v1/institutions/{id}/subject-assessments/{subject_assessment_id}/oscal/assessment-results", api::projects::export_subject_results, Assessment, Read, User, PathId,
            doc("projects", "The subject assessment as OSCAL assessment-results JSON against its stored questionnaire", &[], None, (200, Some("JsonDocument")))),
        route!(GET "/api/v1/projects/oversight", api::projects::oversight, Inventory, List, User, None,
            doc("projects", "ICT projects live or past their planned go-live date without both assessments approved (and which is missing), and digital services handling personal data without an approved PIA, over the institutions the caller sees", &["sector"], None, (200, Some("ProjectOversight")))),
        route!(GET "/api/v1/inventory/kpis", api::inventory::kpis, Inventory, List, User, None,
            doc("inventory", "Inventory KPIs (assets reachable over IPv6 against the 50 % national target, open-source share, complete inventories), in total and per sector, for the institutions the caller sees", &[], None, (200, Some("InventoryKpis")))),
        route!(GET "/api/v1/users", api::accounts::list_users, User, List, User, None,
            doc("accounts", "Users the caller may see", PAGE, None, (200, Some("UserPage")))),
        route!(POST "/api/v1/users", api::accounts::create_user, User, Create, User, None,
            doc("accounts", "Create an account (administrators)", &[], Some("UserDraft"), (201, Some("User")))),
        route!(GET "/api/v1/audit", api::accounts::audit_trail, AuditTrail, List, User, None,
            doc("audit", "Audit trail, newest first", &["institution", "limit", "offset"], None, (200, Some("AuditPage")))),
        route!(GET "/api/v1/audit/{entry_id}/receipt", transparency::audit_receipt, AuditTrail, Read, User, None,
            doc("audit", "An audit entry with its transparency-log receipt (C2SP tlog-proof), checkable offline", &[], None, (200, Some("AuditReceipt")))),
        route!(POST "/api/v1/feeds/reports", api::feeds::upload_report, FeedReport, Create, User, None,
            doc("feeds", "Upload a third-party report (Shadowserver-style CSV) for routing to owners", &[], Some("ReportUpload"), (201, Some("FeedReport")))),
        route!(GET "/api/v1/feeds/reports", api::feeds::list_reports, FeedReport, List, User, None,
            doc("feeds", "Uploaded reports and their processing state", PAGE, None, (200, Some("FeedReportPage")))),
        route!(GET "/api/v1/feeds/reports/{report_id}", api::feeds::get_report, FeedReport, Read, User, None,
            doc("feeds", "One uploaded report with its routing summary", &[], None, (200, Some("FeedReport")))),
        route!(GET "/api/v1/institutions/{id}/exposure", api::feeds::institution_exposure, Exposure, List, User, PathId,
            doc("feeds", "Exposure findings routed to the institution, newest first", &["type", "identifier", "limit", "offset"], None, (200, Some("ExposurePage")))),
        route!(GET "/api/v1/institutions/{id}/exposure/suppressions", api::feeds::list_suppressions, Exposure, List, User, PathId,
            doc("feeds", "The institution's suppression rules for accepted findings, each marked active or expired", &[], None, (200, Some("SuppressionList")))),
        route!(POST "/api/v1/institutions/{id}/exposure/suppressions", api::feeds::create_suppression, Exposure, Create, User, PathId,
            doc("feeds", "Record a rule silencing accepted findings (identifier or report type, optional prefix and port, reason, optional last day)", &[], Some("SuppressionDraft"), (201, Some("Suppression")))),
        route!(DELETE "/api/v1/institutions/{id}/exposure/suppressions/{suppression_id}", api::feeds::delete_suppression, Exposure, Delete, User, PathId,
            doc("feeds", "Remove a suppression rule", &[], None, (204, None))),
        route!(GET "/api/v1/institutions/{id}/exposure/digest", api::feeds::get_digest, Exposure, Read, User, PathId,
            doc("feeds", "How often the institution's officers receive the exposure digest by e-mail", &[], None, (200, Some("DigestSetting")))),
        route!(PUT "/api/v1/institutions/{id}/exposure/digest", api::feeds::set_digest, Exposure, Update, User, PathId,
            doc("feeds", "Choose the exposure digest cadence: off, daily or weekly", &[], Some("DigestRequest"), (200, Some("DigestSetting")))),
        route!(GET "/api/v1/exposure/summary", api::feeds::summary, Exposure, List, User, None,
            doc("feeds", "Findings by sector and identifier for the institutions the caller sees", &[], None, (200, Some("ExposureSummary")))),
        route!(GET "/api/v1/exposure/overview", api::feeds::overview, Exposure, List, User, None,
            doc("feeds", "Findings by sector, by classification type and by both, and a weekly trend over the last 12 weeks (new and active findings), for the institutions the caller sees", &[], None, (200, Some("ExposureOverview")))),
        route!(GET "/api/v1/incidents", api::incidents::list, Incident, List, User, None,
            doc("incidents", "Incidents the caller may see (by institution and TLP), newest first, with their reporting clocks; total is exact up to 1,000 matches past the page (200 for a text search `q`), a lower bound beyond (then total_exact is false). Deep pages: follow `next` with `cursor` (total then counts from the cursor). `q` matches title, description and reference as a substring, ignoring case and accents (1–2 characters: title and reference only; at most 200 characters)", &["q", "institution", "sector", "class", "level", "state", "late", "from", "to", "limit", "offset", "cursor"], None, (200, Some("IncidentPage")))),
        route!(POST "/api/v1/incidents", api::incidents::create, Incident, Create, User, None,
            doc("incidents", "Report an incident under the national protocol; the severity is computed and explained", &[], Some("IncidentDraft"), (201, Some("Incident")))),
        route!(POST "/api/v1/incidents/import", api::incident_import::import, Incident, Create, User, None,
            doc("incidents", "Bulk import of reports: a JSON array, JSON Lines or CSV (columns: reporter_institution, title, description, detected_at, aware_at, classifications as class:type;…, tlp, pap, functional_impact, information_impact, recoverability, people_affected, essential_service, institutions_affected, cross_border, observables as kind value;…). All or nothing unless partial=true; errors name the line", &["partial"], Some("IncidentImport"), (201, Some("IncidentImportResult")))),
        route!(POST "/api/v1/incidents/import/misp", api::incident_import::import_misp, Incident, Create, User, None,
            doc("incidents", "Import a MISP event (as PyMISP writes it) as a report of the caller's institution (or institution=)", &["institution"], Some("MispEvent"), (201, Some("Incident")))),
        route!(GET "/api/v1/incidents/stats", api::incidents::stats, Incident, List, User, None,
            doc("incidents", "National statistics over the incidents the caller may see: by month, class, severity and sector, time to report, timeline", &[], None, (200, Some("IncidentStats")))),
        route!(GET "/api/v1/incidents/stats.csv", api::incidents::stats_csv, Incident, List, User, None,
            doc("incidents", "The statistics as CSV (dimension, key, incidents)", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/incidents/{incident_id}", api::incidents::get, Incident, Read, User, None,
            doc("incidents", "One incident with its severity explanation, clocks and submitted stages", &[], None, (200, Some("Incident")))),
        route!(POST "/api/v1/incidents/{incident_id}/submissions", api::incidents::submit_stage, Incident, Update, User, None,
            doc("incidents", "Record that a reporting stage was submitted (e.g. notification, final report)", &[], Some("StageSubmission"), (200, Some("Incident")))),
        route!(GET "/api/v1/incidents/{incident_id}/stix", api::incidents::stix, Incident, Read, User, None,
            doc("incidents", "The incident as a STIX 2.1 bundle (observables above the caller's TLP left out)", &[], None, (200, Some("JsonDocument")))),
        route!(GET "/api/v1/incidents/{incident_id}/misp", api::incidents::misp, Incident, Read, User, None,
            doc("incidents", "The incident as a MISP event with taxonomy tags (observables above the caller's TLP left out)", &[], None, (200, Some("JsonDocument")))),
        route!(GET "/api/v1/incidents/{incident_id}/receipt", api::incidents::receipt, Incident, Read, User, None,
            doc("incidents", "The transparency-log receipt (C2SP tlog-proof) of the incident's latest version, checkable offline with centinela verify", &[], None, (200, Some("AuditReceipt")))),
        route!(GET "/api/v1/incidents/{incident_id}/work", api::incident_work::get_work, Incident, Read, User, None,
            doc("incidents", "The work on an incident: phase, triage, tasks, timeline and links", &[], None, (200, Some("IncidentWork")))),
        route!(POST "/api/v1/incidents/{incident_id}/triage", api::incident_work::triage_incident, Incident, Update, User, None,
            doc("incidents", "Triage (coordinators, once): enter the response phase and create the tasks of the playbooks for its classification", &[], Some("TriageRequest"), (200, Some("IncidentWork")))),
        route!(POST "/api/v1/incidents/{incident_id}/phase", api::incident_work::phase, Incident, Update, User, None,
            doc("incidents", "Move the incident to another phase of its protocol's lifecycle", &[], Some("PhaseRequest"), (200, Some("IncidentWork")))),
        route!(POST "/api/v1/incidents/{incident_id}/close", api::incident_work::close, Incident, Update, User, None,
            doc("incidents", "Close the incident with a resolution (once)", &[], Some("CloseRequest"), (200, Some("IncidentWork")))),
        route!(POST "/api/v1/incidents/{incident_id}/severity", api::incident_work::severity, Incident, Update, User, None,
            doc("incidents", "Override the computed severity (coordinators), with a recorded reason", &[], Some("SeverityOverrideRequest"), (200, Some("Incident")))),
        route!(POST "/api/v1/incidents/{incident_id}/entries", api::incident_work::entry, Incident, Update, User, None,
            doc("incidents", "Add a comment or a dated event to the timeline", &[], Some("TimelineEntryRequest"), (201, Some("TimelineEntry")))),
        route!(POST "/api/v1/incidents/{incident_id}/tasks", api::incident_work::task, Incident, Update, User, None,
            doc("incidents", "Add a task with an owner and a due date", &[], Some("TaskRequest"), (201, Some("Task")))),
        route!(POST "/api/v1/incidents/{incident_id}/tasks/{task_id}", api::incident_work::task_status, Incident, Update, User, None,
            doc("incidents", "Mark a task open, done or cancelled", &[], Some("TaskStatusRequest"), (200, Some("Task")))),
        route!(POST "/api/v1/incidents/{incident_id}/links", api::incident_work::link, Incident, Update, User, None,
            doc("incidents", "Link a related incident the caller may see", &[], Some("LinkRequest"), (201, Some("IncidentLink")))),
        route!(POST "/api/v1/incidents/{incident_id}/recipients", api::incident_work::share, Incident, Update, User, None,
            doc("incidents", "Share the incident with another institution (TLP AMBER recipient: its staff read, never change; never for TLP:RED)", &[], Some("ShareRequest"), (201, Some("Recipient")))),
        route!(DELETE "/api/v1/incidents/{incident_id}/recipients/{institution_id}", api::incident_work::unshare, Incident, Update, User, None,
            doc("incidents", "Stop sharing the incident with an institution", &[], None, (204, None))),
        route!(POST "/api/v1/incidents/{incident_id}/evidence", api::evidence::upload, Incident, Update, User, None,
            doc("incidents", "Attach an evidence file (multipart: file, optional tlp and description); kept by SHA-256 outside the database and anchored in the transparency log", &[], Some("EvidenceUpload"), (201, Some("EvidenceFile")))),
        route!(GET "/api/v1/incidents/{incident_id}/evidence", api::evidence::list, Incident, Read, User, None,
            doc("incidents", "The incident's evidence files the caller may see (each file has its own TLP label)", &[], None, (200, Some("EvidenceList")))),
        route!(GET "/api/v1/incidents/{incident_id}/evidence/{evidence_id}", api::evidence::download, Incident, Read, User, None,
            doc("incidents", "Download an evidence file (always as an attachment; X-Content-SHA256 gives its digest)", &[], None, (200, Some("Binary")))),
        route!(GET "/api/v1/incidents/{incident_id}/evidence/{evidence_id}/receipt", api::evidence::receipt, Incident, Read, User, None,
            doc("incidents", "The transparency-log receipt of an evidence file (its audit entry states the file's SHA-256): centinela verify RECEIPT --document FILE", &[], None, (200, Some("AuditReceipt")))),
        route!(GET "/api/v1/institutions/{id}/webhooks", api::webhooks::list_institution, Webhook, List, User, PathId,
            doc("webhooks", "The institution's signed webhooks (its own incidents: reported, severity changed, stage late)", &[], None, (200, Some("WebhookList")))),
        route!(POST "/api/v1/institutions/{id}/webhooks", api::webhooks::create_institution, Webhook, Create, User, PathId,
            doc("webhooks", "Subscribe a URL to the institution's incident events; the HMAC-SHA256 secret is returned once", &[], Some("WebhookRequest"), (201, Some("WebhookCreated")))),
        route!(DELETE "/api/v1/institutions/{id}/webhooks/{webhook_id}", api::webhooks::delete_institution, Webhook, Delete, User, PathId,
            doc("webhooks", "Remove a subscription", &[], None, (204, None))),
        route!(GET "/api/v1/institutions/{id}/webhooks/{webhook_id}/deliveries", api::webhooks::deliveries_institution, Webhook, Read, User, PathId,
            doc("webhooks", "The latest 100 deliveries of a subscription, with each outcome", &[], None, (200, Some("WebhookDeliveryList")))),
        route!(GET "/api/v1/webhooks", api::webhooks::list_national, Webhook, List, User, None,
            doc("webhooks", "National signed webhooks (coordinators): every incident a coordinator may read", &[], None, (200, Some("WebhookList")))),
        route!(POST "/api/v1/webhooks", api::webhooks::create_national, Webhook, Create, User, None,
            doc("webhooks", "Subscribe a URL to national incident events; the HMAC-SHA256 secret is returned once", &[], Some("WebhookRequest"), (201, Some("WebhookCreated")))),
        route!(DELETE "/api/v1/webhooks/{webhook_id}", api::webhooks::delete_national, Webhook, Delete, User, None,
            doc("webhooks", "Remove a national subscription", &[], None, (204, None))),
        route!(GET "/api/v1/webhooks/{webhook_id}/deliveries", api::webhooks::deliveries_national, Webhook, Read, User, None,
            doc("webhooks", "The latest 100 deliveries of a national subscription", &[], None, (200, Some("WebhookDeliveryList")))),
        route!(POST "/api/v1/institutions/{id}/seals", api::trust::seal_document, Seal, Create, User, PathId,
            doc("trust", "Seal a document in the institution's name (detached CAdES-B-T, time-stamped and logged); send only its SHA-256", &[], Some("SealRequest"), (201, Some("Seal")))),
        route!(GET "/api/v1/institutions/{id}/seals", api::trust::list_seals, Seal, List, User, PathId,
            doc("trust", "The institution's seals, newest first", &["limit", "offset"], None, (200, Some("SealList")))),
        route!(GET "/api/v1/seals/{seal_id}", api::trust::get_seal, Seal, Read, User, None,
            doc("trust", "One seal", &[], None, (200, Some("Seal")))),
        route!(GET "/api/v1/seals/{seal_id}/p7s", api::trust::seal_p7s, Seal, Read, User, None,
            doc("trust", "The seal as a .p7s file (DER), for openssl cms -verify -binary", &[], None, (200, Some("P7s")))),
        route!(GET "/api/v1/seals/{seal_id}/receipt", api::trust::seal_receipt, Seal, Read, User, None,
            doc("trust", "The seal's audit entry with its transparency-log receipt", &[], None, (200, Some("AuditReceipt")))),
        route!(POST "/api/v1/seals/verify", api::trust::verify_seal, Reference, Read, Public, None,
            doc("trust", "Verify a seal against a document's SHA-256, step by step (public)", &[], Some("SealVerifyRequest"), (200, Some("SealVerifyReport")))),
        route!(GET "/api/v1/notices", api::trust::list_notices, Notice, List, User, None,
            doc("trust", "Official notices sent to or by the institutions the caller sees, newest first", &["limit", "offset"], None, (200, Some("NoticeList")))),
        route!(POST "/api/v1/notices", api::trust::send_notice, Notice, Create, User, None,
            doc("trust", "Send an official notice to an institution, with sealed registered-delivery evidence (ETSI EN 319 522 events)", &[], Some("NoticeRequest"), (201, Some("NoticeView")))),
        route!(GET "/api/v1/notices/{notice_id}", api::trust::get_notice, Notice, Read, User, None,
            doc("trust", "One notice with its evidence; the recipient's first read is recorded as handover", &[], None, (200, Some("NoticeView")))),
        route!(POST "/api/v1/notices/{notice_id}/answer", api::trust::answer_notice, Notice, Update, User, None,
            doc("trust", "The recipient accepts or rejects the notice (sealed evidence either way)", &[], Some("NoticeAnswer"), (200, Some("NoticeView")))),
        route!(GET "/api/v1/notices/{notice_id}/evidence/{event}/p7s", api::trust::evidence_p7s, Notice, Read, User, None,
            doc("trust", "The seal of one piece of evidence (.p7s over its canonical text)", &[], None, (200, Some("P7s")))),
        route!(GET "/api/v1/notices/{notice_id}/evidence/{event}/text", api::trust::evidence_text, Notice, Read, User, None,
            doc("trust", "The canonical text of one piece of evidence (what the seal covers)", &[], None, (200, Some("Text")))),
        route!(GET "/api/v1/notices/{notice_id}/evidence/{event}/receipt", api::trust::evidence_receipt, Notice, Read, User, None,
            doc("trust", "The evidence's audit entry with its transparency-log receipt", &[], None, (200, Some("AuditReceipt")))),
        route!(GET "/api/v1/baselines", api::assessments::list_versions, Baseline, List, User, None,
            doc("baselines", "Versions of the national baseline (draft, consultation, adopted, mandatory)", &[], None, (200, Some("BaselineVersionList")))),
        route!(POST "/api/v1/baselines", api::assessments::create_version, Baseline, Create, User, None,
            doc("baselines", "Create a draft version, copied from another version or from uploaded OSCAL catalogs (es and en)", &[], Some("BaselineVersionDraft"), (201, Some("BaselineVersion")))),
        route!(GET "/api/v1/baselines/{version_id}", api::assessments::get_version, Baseline, Read, User, None,
            doc("baselines", "A version with its measures in both languages and its overlays", &[], None, (200, Some("BaselineVersionDetail")))),
        route!(PUT "/api/v1/baselines/{version_id}/measures/{measure_id}", api::assessments::edit_measure_route, Baseline, Update, User, None,
            doc("baselines", "Edit a measure's title and statement in a draft version", &[], Some("MeasureEdit"), (200, Some("BaselineVersionDetail")))),
        route!(POST "/api/v1/baselines/{version_id}/status", api::assessments::set_status, Baseline, Update, User, None,
            doc("baselines", "Move a version forward: consultation (with its period), adopted (with its effective date), mandatory", &[], Some("VersionStatusChange"), (200, Some("BaselineVersion")))),
        route!(GET "/api/v1/baselines/{version_id}/diff", api::assessments::version_diff, Baseline, Read, User, None,
            doc("baselines", "Measures added, removed and changed against another version (default: the one it was based on)", &["against"], None, (200, Some("BaselineDiff")))),
        route!(GET "/api/v1/baselines/{version_id}/comments", api::assessments::list_comments, BaselineComment, List, User, None,
            doc("baselines", "Consultation comments per measure with the coordinator's replies", &[], None, (200, Some("BaselineCommentList")))),
        route!(POST "/api/v1/baselines/{version_id}/comments", api::assessments::add_comment, BaselineComment, Create, User, None,
            doc("baselines", "Comment on a measure while the consultation is open", &[], Some("BaselineCommentDraft"), (201, Some("BaselineComment")))),
        route!(POST "/api/v1/baselines/{version_id}/comments/{comment_id}/reply", api::assessments::reply_comment, BaselineComment, Update, User, None,
            doc("baselines", "The coordinator's reply to a comment", &[], Some("BaselineCommentReply"), (200, Some("BaselineComment")))),
        route!(GET "/api/v1/campaigns", api::assessments::list_campaigns, Campaign, List, User, None,
            doc("assessments", "Assessment campaigns", &[], None, (200, Some("CampaignList")))),
        route!(POST "/api/v1/campaigns", api::assessments::create_campaign, Campaign, Create, User, None,
            doc("assessments", "Start a campaign: each institution (all, or a selection) gets an assessment of the baseline plus its sector overlay, with answers carried over from its previous assessment, then answers inferred from its other assessments for measures still unanswered", &[], Some("CampaignDraft"), (201, Some("Campaign")))),
        route!(GET "/api/v1/campaigns/trend", api::campaign_trend::get_trend, Campaign, List, User, None,
            doc("assessments", "Campaigns by due date with the national and per-sector progress, compliance and maturity over the institutions the caller sees", &[], None, (200, Some("CampaignTrend")))),
        route!(GET "/api/v1/ncaf", api::ncaf::list, NationalAssessment, List, User, None,
            doc("ncaf", "National capabilities self-assessments (one per year) with their overall figures", &[], None, (200, Some("NcafList")))),
        route!(POST "/api/v1/ncaf", api::ncaf::create, NationalAssessment, Create, User, None,
            doc("ncaf", "Open a year's national self-assessment against a framework edition (coordinators)", &[], Some("NcafDraft"), (201, Some("NcafAssessment")))),
        route!(GET "/api/v1/ncaf/editions", api::ncaf::list_editions, NationalAssessment, List, User, None,
            doc("ncaf", "Framework editions a year can be assessed against: shipped and uploaded", &[], None, (200, Some("NcafEditionList")))),
        route!(POST "/api/v1/ncaf/editions", api::ncaf::create_edition, NationalAssessment, Create, User, None,
            doc("ncaf", "Upload a framework edition (coordinators): the body is the edition file, validated (422 names the JSON path), 409 if its edition id exists, 413 over 1 MiB", &[], Some("NcafEditionFile"), (201, Some("NcafEdition")))),
        route!(GET "/api/v1/ncaf/compare", api::ncaf::get_comparison, NationalAssessment, Read, User, None,
            doc("ncaf", "Two years side by side: levels, coverage and deltas per objective, cluster and overall", &["before", "after"], None, (200, Some("NcafComparison")))),
        route!(GET "/api/v1/ncaf/{ncaf_id}", api::ncaf::get, NationalAssessment, Read, User, None,
            doc("ncaf", "A year's self-assessment: answers per indicator, maturity level and coverage per objective, means per cluster and overall", &[], None, (200, Some("Ncaf")))),
        route!(PUT "/api/v1/ncaf/{ncaf_id}/objectives/{objective_id}", api::ncaf::save_objective, NationalAssessment, Update, User, None,
            doc("ncaf", "Answer an objective's indicators (yes, no, not-applicable; null clears); returns the year rescored", &[], Some("NcafObjectiveDraft"), (200, Some("Ncaf")))),
        route!(GET "/api/v1/campaigns/{campaign_id}", api::assessments::get_campaign, Campaign, Read, User, None,
            doc("assessments", "A campaign and the assessments the caller may see", &[], None, (200, Some("CampaignDetail")))),
        route!(GET "/api/v1/campaigns/{campaign_id}/rollup", api::assessments::get_rollup, Campaign, Read, User, None,
            doc("assessments", "Roll-up over the institutions the caller sees: national, by sector, by level of government, and institutions x groups", &[], None, (200, Some("CampaignRollup")))),
        route!(GET "/api/v1/institutions/{id}/assessments", api::assessments::list_assessments, Assessment, List, User, PathId,
            doc("assessments", "The institution's assessments", &[], None, (200, Some("AssessmentList")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}", api::assessments::get_assessment, Assessment, Read, User, PathId,
            doc("assessments", "An assessment: measures and answers, progress, compliance and maturity (overall and per group), gaps by weight, remediation plan", &[], None, (200, Some("Assessment")))),
        route!(PUT "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}", api::assessments::save_answer, Assessment, Update, User, PathId,
            doc("assessments", "Answer a measure (status, reason when not applicable, maturity 0-5, comment, evidence links); clears any verdict", &[], Some("AnswerDraft"), (200, Some("Answer")))),
        route!(POST "/api/v1/institutions/{id}/assessments/{assessment_id}/infer", api::answer_inference::infer_route, Assessment, Update, User, PathId,
            doc("assessments", "Fill the unanswered measures with answers inferred from the institution's other assessments (shared CSF 2.0 / SP 800-53 ids, OLIR mappings), marked with their provenance and without verdicts; also lists sources whose evidence may serve measures left unanswered", &[], None, (200, Some("InferOutcome")))),
        route!(PUT "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict", api::assessments::set_verdict, AssessmentVerdict, Update, User, PathId,
            doc("assessments", "An auditor's verdict on an answer (accepted or rejected)", &[], Some("VerdictDraft"), (200, Some("Answer")))),
        route!(POST "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence", api::evidence::upload_for_answer, Assessment, Update, User, PathId,
            doc("assessments", "Attach an evidence file to a measure's answer (multipart: file, optional description, effective_on, expires_on); kept by SHA-256 and anchored in the transparency log; each upload is a new revision", &[], Some("EvidenceUpload"), (201, Some("EvidenceFile")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/evidence", api::evidence::list_for_assessment, Assessment, Read, User, PathId,
            doc("assessments", "Every evidence file of the assessment (subject_id names the measure), oldest first", &[], None, (200, Some("EvidenceList")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/evidence/{evidence_id}", api::evidence::download_for_assessment, Assessment, Read, User, PathId,
            doc("assessments", "Download an evidence file (always as an attachment)", &[], None, (200, Some("Binary")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/evidence/{evidence_id}/receipt", api::evidence::receipt_for_assessment, Assessment, Read, User, PathId,
            doc("assessments", "The transparency-log receipt of an evidence file (its audit entry states the file's SHA-256)", &[], None, (200, Some("AuditReceipt")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/receipt", api::assessments::answer_receipt, Assessment, Read, User, PathId,
            doc("assessments", "The transparency-log receipt of an answer's latest version (answer or verdict), checkable offline with centinela verify", &[], None, (200, Some("AuditReceipt")))),
        route!(POST "/api/v1/institutions/{id}/assessments/{assessment_id}/plan", api::assessments::create_plan, Assessment, Create, User, PathId,
            doc("assessments", "Turn the gap analysis into remediation plan items (one per unmet measure, heaviest first)", &[], Some("PlanDraft"), (201, Some("PlanItemList")))),
        route!(PUT "/api/v1/institutions/{id}/assessments/{assessment_id}/plan/{item_id}", api::assessments::update_plan_item, Assessment, Update, User, PathId,
            doc("assessments", "Set a plan item's owner, due date and status", &[], Some("PlanItemDraft"), (200, Some("PlanItem")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/export.csv", api::assessment_exports::export_csv, Assessment, Read, User, PathId,
            doc("assessments", "The assessment as CSV, one row per measure", &[], None, (200, Some("Csv")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/export.xlsx", api::assessment_exports::export_xlsx, Assessment, Read, User, PathId,
            doc("assessments", "The assessment as an XLSX workbook: answers, scores per group, remediation plan", &[], None, (200, Some("Xlsx")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/oscal/assessment-results", api::assessment_exports::export_results, Assessment, Read, User, PathId,
            doc("assessments", "The assessment as OSCAL assessment-results JSON", &[], None, (200, Some("JsonDocument")))),
        route!(GET "/api/v1/institutions/{id}/assessments/{assessment_id}/oscal/poam", api::assessment_exports::export_poam, Assessment, Read, User, PathId,
            doc("assessments", "The remediation plan (or the gaps) as an OSCAL plan-of-action-and-milestones", &[], None, (200, Some("JsonDocument")))),
        route!(GET "/api/v1/tokens", api::accounts::list_tokens, OwnAccount, List, User, None,
            doc("accounts", "The caller's API tokens", &[], None, (200, Some("TokenList")))),
        route!(POST "/api/v1/tokens", api::accounts::create_token, OwnAccount, Create, User, None,
            doc("accounts", "Create an API token; the secret is shown once", &[], Some("TokenDraft"), (201, Some("TokenCreated")))),
        route!(DELETE "/api/v1/tokens/{token_id}", api::accounts::revoke_token, OwnAccount, Delete, User, None,
            doc("accounts", "Revoke one of the caller's tokens", &[], None, (204, None))),
        route!(GET "/api/v1/events", api::events::stream, EventStream, Read, User, None,
            doc("events", "Server-sent events for changes the caller may see", &[], None, (200, Some("EventStream")))),
        // ---- pages ----
        route!(GET "/", pages::auth::home, Reference, Read, Public, None, None),
        route!(GET "/login", pages::auth::login_page, Reference, Read, Public, None, None),
        route!(POST "/login", pages::auth::login, Reference, Read, Public, None, None),
        route!(GET "/login/totp", pages::auth::totp_page, OwnAccount, Read, Partial, None, None),
        route!(POST "/login/totp", pages::auth::totp_submit, OwnAccount, Read, Partial, None, None),
        route!(POST "/logout", pages::auth::logout, OwnAccount, Read, Partial, None, None),
        route!(POST "/lang", pages::auth::switch_lang, Reference, Read, Public, None, None),
        route!(GET "/dashboard", pages::constituency::dashboard, Dashboard, Read, User, None, None),
        route!(GET "/institutions", pages::constituency::list, Institution, List, User, None, None),
        route!(GET "/institutions/new", pages::constituency::new_form, Institution, Create, User, None, None),
        route!(POST "/institutions", pages::constituency::create, Institution, Create, User, None, None),
        route!(GET "/institutions/{id}", pages::constituency::show, Institution, Read, User, PathId, None),
        route!(GET "/institutions/{id}/edit", pages::constituency::edit_form, Institution, Update, User, PathId, None),
        route!(POST "/institutions/{id}", pages::constituency::update, Institution, Update, User, PathId, None),
        route!(POST "/institutions/{id}/officers", pages::constituency::set_officer, Officer, Update, User, PathId, None),
        route!(POST "/institutions/{id}/networks", pages::constituency::add_network, Network, Create, User, PathId, None),
        route!(POST "/institutions/{id}/networks/{network_id}/delete", pages::constituency::delete_network, Network, Delete, User, PathId, None),
        route!(POST "/institutions/{id}/networks/import", pages::constituency::import_networks, Network, Create, User, PathId, None),
        route!(POST "/institutions/{id}/inventory/import", pages::constituency::import_inventory, Inventory, Create, User, PathId, None),
        route!(POST "/institutions/{id}/assets", pages::constituency::add_asset, Inventory, Create, User, PathId, None),
        route!(POST "/institutions/{id}/contacts", pages::constituency::add_contact, Contact, Create, User, PathId, None),
        route!(POST "/institutions/{id}/contacts/{contact_id}/delete", pages::constituency::delete_contact, Contact, Delete, User, PathId, None),
        route!(GET "/institutions/{id}/projects", pages::projects::institution, Inventory, List, User, PathId, None),
        route!(POST "/institutions/{id}/projects", pages::projects::create, Inventory, Create, User, PathId, None),
        route!(POST "/institutions/{id}/projects/{project_id}", pages::projects::update, Inventory, Update, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments", pages::projects::start, Assessment, Create, User, PathId, None),
        route!(GET "/institutions/{id}/subject-assessments/{subject_assessment_id}", pages::projects::assessment, Assessment, Read, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}", pages::projects::answer, Assessment, Update, User, PathId, None),
        route!(GET "/institutions/{id}/subject-assessments/{subject_assessment_id}/report", pages::projects::report, Assessment, Read, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments/{subject_assessment_id}/answers/{measure_id}/evidence", pages::projects::add_evidence, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments/{subject_assessment_id}/infer", pages::projects::infer, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments/{subject_assessment_id}/submit", pages::projects::submit, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/subject-assessments/{subject_assessment_id}/decision", pages::projects::decision, AssessmentVerdict, Update, User, PathId, None),
        route!(GET "/projects/oversight", pages::projects::oversight, Inventory, List, User, None, None),
        route!(GET "/users", pages::users::list, User, List, User, None, None),
        route!(POST "/users", pages::users::create, User, Create, User, None, None),
        route!(GET "/incidents", pages::incidents::list, Incident, List, User, None, None),
        route!(GET "/incidents/statistics", pages::incidents::statistics, Incident, List, User, None, None),
        route!(GET "/incidents/new", pages::incidents::new_form, Incident, Create, User, None, None),
        route!(POST "/incidents", pages::incidents::create, Incident, Create, User, None, None),
        route!(GET "/incidents/{incident_id}", pages::incidents::show, Incident, Read, User, None, None),
        route!(POST "/incidents/{incident_id}/submissions", pages::incidents::submit_stage, Incident, Update, User, None, None),
        route!(POST "/incidents/{incident_id}/work", pages::incidents::work, Incident, Update, User, None, None),
        route!(POST "/incidents/{incident_id}/evidence", pages::incidents::add_evidence, Incident, Update, User, None, None),
        route!(GET "/feeds", pages::feeds::page, FeedReport, List, User, None, None),
        route!(POST "/feeds/upload", pages::feeds::upload, FeedReport, Create, User, None, None),
        route!(GET "/seals/verify", pages::trust::verify_form, Reference, Read, Public, None, None),
        route!(POST "/seals/verify", pages::trust::verify, Reference, Read, Public, None, None),
        route!(GET "/institutions/{id}/seals", pages::trust::seals, Seal, List, User, PathId, None),
        route!(POST "/institutions/{id}/seals", pages::trust::seal, Seal, Create, User, PathId, None),
        route!(GET "/notices", pages::trust::notices, Notice, List, User, None, None),
        route!(POST "/notices", pages::trust::send, Notice, Create, User, None, None),
        route!(GET "/notices/{notice_id}", pages::trust::notice, Notice, Read, User, None, None),
        route!(POST "/notices/{notice_id}/answer", pages::trust::answer, Notice, Update, User, None, None),
        route!(GET "/exposure", pages::feeds::national, Exposure, List, User, None, None),
        route!(GET "/institutions/{id}/exposure", pages::exposure::institution, Exposure, List, User, PathId, None),
        route!(POST "/institutions/{id}/exposure/suppressions", pages::exposure::add_suppression, Exposure, Create, User, PathId, None),
        route!(POST "/institutions/{id}/exposure/suppressions/{suppression_id}/delete", pages::exposure::delete_suppression, Exposure, Delete, User, PathId, None),
        route!(POST "/institutions/{id}/exposure/digest", pages::exposure::set_digest, Exposure, Update, User, PathId, None),
        route!(GET "/baselines", pages::assessments::baselines, Baseline, List, User, None, None),
        route!(POST "/baselines", pages::assessments::create_version, Baseline, Create, User, None, None),
        route!(GET "/baselines/{version_id}", pages::assessments::version, Baseline, Read, User, None, None),
        route!(GET "/baselines/{version_id}/diff", pages::assessments::diff, Baseline, Read, User, None, None),
        route!(POST "/baselines/{version_id}/status", pages::assessments::set_status, Baseline, Update, User, None, None),
        route!(POST "/baselines/{version_id}/measures/{measure_id}", pages::assessments::edit_measure, Baseline, Update, User, None, None),
        route!(POST "/baselines/{version_id}/comments", pages::assessments::add_comment, BaselineComment, Create, User, None, None),
        route!(POST "/baselines/{version_id}/comments/{comment_id}/reply", pages::assessments::reply, BaselineComment, Update, User, None, None),
        route!(GET "/campaigns", pages::assessments::campaigns, Campaign, List, User, None, None),
        route!(POST "/campaigns", pages::assessments::create_campaign, Campaign, Create, User, None, None),
        route!(GET "/campaigns/trend", pages::ncaf::campaign_trend, Campaign, List, User, None, None),
        route!(GET "/ncaf", pages::ncaf::list, NationalAssessment, List, User, None, None),
        route!(POST "/ncaf", pages::ncaf::create, NationalAssessment, Create, User, None, None),
        route!(POST "/ncaf/editions", pages::ncaf::upload_edition, NationalAssessment, Create, User, None, None),
        route!(GET "/ncaf/compare", pages::ncaf::compare, NationalAssessment, Read, User, None, None),
        route!(GET "/ncaf/{ncaf_id}", pages::ncaf::year, NationalAssessment, Read, User, None, None),
        route!(POST "/ncaf/{ncaf_id}/objectives/{objective_id}", pages::ncaf::answer, NationalAssessment, Update, User, None, None),
        route!(GET "/campaigns/{campaign_id}", pages::assessments::campaign, Campaign, Read, User, None, None),
        route!(GET "/institutions/{id}/assessments/{assessment_id}", pages::assessments::assessment, Assessment, Read, User, PathId, None),
        route!(GET "/institutions/{id}/assessments/{assessment_id}/report", pages::assessments::report, Assessment, Read, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}", pages::assessments::answer, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/evidence", pages::assessments::add_evidence, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/answers/{measure_id}/verdict", pages::assessments::verdict, AssessmentVerdict, Update, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/infer", pages::assessments::infer, Assessment, Update, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/plan", pages::assessments::plan, Assessment, Create, User, PathId, None),
        route!(POST "/institutions/{id}/assessments/{assessment_id}/plan/{item_id}", pages::assessments::plan_item, Assessment, Update, User, PathId, None),
        route!(GET "/audit", pages::constituency::audit, AuditTrail, List, User, None, None),
        route!(GET "/account", pages::account::page, OwnAccount, Read, User, None, None),
        route!(POST "/account/totp", pages::account::enable_totp, OwnAccount, Update, User, None, None),
        route!(POST "/account/totp/disable", pages::account::disable_totp, OwnAccount, Update, User, None, None),
        route!(POST "/account/password", pages::account::change_password, OwnAccount, Update, User, None, None),
        route!(POST "/account/tokens", pages::account::create_token, OwnAccount, Create, User, None, None),
        route!(POST "/account/tokens/{token_id}/revoke", pages::account::revoke_token, OwnAccount, Delete, User, None, None),
    ]
}

/// The specs alone, for the OpenAPI description and the tests.
pub fn routes() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

pub fn spec_for(method: &Method, path: &str) -> Option<RouteSpec> {
    // The table is small; a linear scan per request costs less than the database round trip.
    SPECS.with(|specs| {
        specs
            .iter()
            .find(|s| s.method == *method && s.path == path)
            .cloned()
    })
}

thread_local! {
    static SPECS: Vec<RouteSpec> = routes();
}

pub fn router(state: AppState) -> Router {
    let mut r = Router::new();
    for (spec, handler) in table() {
        r = r.route(spec.path, handler);
    }
    r.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        authorize,
    ))
    .with_state(state)
}

/// Authenticates the caller and applies the access policy for the matched route, before any
/// handler runs. Fails closed: a route missing from the table is refused.
async fn authorize(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let Some(spec) = matched
        .as_ref()
        .and_then(|m| spec_for(req.method(), m.as_str()))
    else {
        return method_not_allowed(req.uri().clone()).await;
    };
    let mut res = match check(&state, &spec, &mut req).await {
        Ok(ctx) => {
            req.extensions_mut().insert(ctx);
            next.run(req).await
        }
        Err(r) => r,
    };
    if let Some(m) = matched {
        res.extensions_mut().insert(m);
    }
    res
}

/// 405 with `Allow` when the path exists with other methods, else 404.
pub async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    let allowed: Vec<String> = SPECS.with(|specs| {
        specs
            .iter()
            .filter(|s| template_matches(s.path, path))
            .map(|s| s.method.to_string())
            .collect()
    });
    if allowed.is_empty() {
        return ApiError::not_found().into_response();
    }
    let mut res = ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "err-method",
    )
    .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&allowed.join(", ")) {
        res.headers_mut().insert(axum::http::header::ALLOW, v);
    }
    res
}

/// Whether a concrete path fits a route template (`{x}` is one segment, `{*x}` the rest).
fn template_matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(seg), Some(_)) if seg.starts_with("{*") => return true,
            (Some(seg), Some(v)) if seg.starts_with('{') => {
                if v.is_empty() {
                    return false;
                }
            }
            (Some(seg), Some(v)) if seg == v => {}
            _ => return false,
        }
    }
}

async fn check(state: &AppState, spec: &RouteSpec, req: &mut Request) -> Result<Ctx, Response> {
    auth::check_origin(req).map_err(IntoResponse::into_response)?;
    let ctx = auth::authenticate(state, req.headers())
        .await
        .map_err(IntoResponse::into_response)?;
    let page = !spec.is_api() && spec.path != "/metrics";
    match (spec.auth, &ctx.principal) {
        (Auth::Public, _) => return Ok(ctx),
        (_, None) => {
            return Err(if page {
                auth::redirect_to_login(req.uri())
            } else {
                ApiError::unauthenticated().into_response()
            });
        }
        (Auth::User, Some(_)) if !ctx.mfa_ok => return Err(auth::redirect("/login/totp")),
        (Auth::User, Some(_)) if ctx.needs_totp_enrolment && !spec.path.starts_with("/account") => {
            return Err(if page {
                auth::redirect("/account")
            } else {
                ApiError::forbidden().arg("reason", "totp").into_response()
            });
        }
        _ => {}
    }
    let principal = ctx.principal.as_ref().expect("checked above");
    // Uploads are multipart and stream to disk: their handler checks the `_csrf` field, which
    // must come first.
    if ctx.via_session
        && !matches!(*req.method(), Method::GET | Method::HEAD)
        && !crate::security::is_upload_path(spec.path)
    {
        auth::check_csrf(req, &ctx)
            .await
            .map_err(IntoResponse::into_response)?;
    }
    let resource = match spec.owner {
        Owner::None => Resource::collection(spec.kind),
        Owner::PathId => {
            let params = req
                .extract_parts::<RawPathParams>()
                .await
                .map_err(|_| ApiError::not_found().into_response())?;
            let id = params
                .iter()
                .find(|(k, _)| *k == "id")
                .and_then(|(_, v)| Uuid::try_parse(v).ok())
                .ok_or_else(|| ApiError::not_found().into_response())?;
            Resource::owned(spec.kind, id)
        }
    };
    match may(principal, spec.action, &resource) {
        Decision::Allow => Ok(ctx),
        Decision::Hidden => {
            tracing::info!(user = %principal.user, route = spec.path, "denied (hidden)");
            Err(ApiError::not_found().into_response())
        }
        Decision::Forbidden => {
            tracing::info!(user = %principal.user, route = spec.path, "denied (forbidden)");
            Err(ApiError::forbidden().into_response())
        }
    }
}
