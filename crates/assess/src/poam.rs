//! OSCAL `plan-of-action-and-milestones` output: the remediation plan built from a gap list.
//!
//! Each plan item becomes a `poam-item` linked to a `finding` (the unmet measure, state
//! `not-satisfied`) and to a `risk` whose `status` and `deadline` carry the item's status and
//! due date in OSCAL's own vocabulary, so other OSCAL tools can read them. OSCAL has no plain
//! "owner" field on a POA&M item short of a full party/role model, so the owner travels as a
//! prop in our namespace (and in the risk's remediation description), together with our
//! status and due date as props.

use serde_json::{Map, Value, json};

use crate::assessment_results::{check_datetime, metadata, prop, target, uuid};
use crate::error::AssessError;
use crate::score::{Gap, ImplementationStatus};

/// Where a remediation item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemStatus {
    Open,
    InProgress,
    Completed,
    /// The institution accepts the risk instead of fixing it.
    RiskAccepted,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "in-progress",
            ItemStatus::Completed => "completed",
            ItemStatus::RiskAccepted => "risk-accepted",
        }
    }

    /// OSCAL `risk.status` (open, investigating, remediating, deviation-requested,
    /// deviation-approved, closed).
    fn risk_status(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::InProgress => "remediating",
            ItemStatus::Completed => "closed",
            ItemStatus::RiskAccepted => "deviation-approved",
        }
    }
}

/// One remediation item: a gap with an owner, a due date and a status.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    pub control_id: String,
    pub title: String,
    pub description: String,
    pub status_found: ImplementationStatus,
    pub owner: Option<String>,
    /// RFC 3339 date-time with offset.
    pub due: Option<String>,
    pub status: ItemStatus,
}

impl PlanItem {
    /// An open item for a gap from [`crate::score::gaps`], titled by the caller (usually the
    /// control's title in the user's language).
    pub fn from_gap(gap: &Gap, title: &str) -> PlanItem {
        PlanItem {
            control_id: gap.id.clone(),
            title: title.to_string(),
            description: format!("Close the gap on {} ({})", gap.id, gap.group),
            status_found: gap.status.clone(),
            owner: None,
            due: None,
            status: ItemStatus::Open,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoamInput<'a> {
    pub title: String,
    pub version: String,
    pub last_modified: String,
    pub institution_id: String,
    /// Scheme of `system-id` (our URI for institution ids).
    pub id_scheme: String,
    pub items: &'a [PlanItem],
}

/// Builds `{"plan-of-action-and-milestones": {...}}`. OSCAL requires at least one item.
pub fn poam(input: &PoamInput<'_>) -> Result<Value, AssessError> {
    check_datetime("last-modified", &input.last_modified)?;
    if input.items.is_empty() {
        return Err(AssessError::Export(
            "a plan of action needs at least one item".into(),
        ));
    }
    let (mut items, mut findings, mut risks) = (Vec::new(), Vec::new(), Vec::new());
    for item in input.items {
        if let Some(due) = &item.due {
            check_datetime(&format!("{}: due", item.control_id), due)?;
        }
        let finding_uuid = uuid();
        findings.push(json!({
            "uuid": finding_uuid,
            "title": format!("{}: {}", item.control_id, item.title),
            "description": item.description,
            "target": target(&item.control_id, &item.status_found),
        }));
        let risk_uuid = uuid();
        let mut risk = Map::new();
        risk.insert("uuid".into(), json!(risk_uuid));
        risk.insert("title".into(), json!(item.title));
        risk.insert("description".into(), json!(item.description));
        risk.insert(
            "statement".into(),
            json!(format!(
                "Measure {} is not fully implemented.",
                item.control_id
            )),
        );
        risk.insert("status".into(), json!(item.status.risk_status()));
        if let Some(due) = &item.due {
            risk.insert("deadline".into(), json!(due));
        }
        let owner = item.owner.as_deref().unwrap_or("unassigned");
        risk.insert(
            "remediations".into(),
            json!([{
                "uuid": uuid(),
                "lifecycle": "planned",
                "title": item.title,
                "description": format!("{} (owner: {owner})", item.description),
            }]),
        );
        risks.push(Value::Object(risk));

        let mut props = vec![
            prop("control-id", &item.control_id),
            prop("status", item.status.as_str()),
        ];
        if let Some(o) = &item.owner {
            props.push(prop("owner", o));
        }
        if let Some(d) = &item.due {
            props.push(prop("due-date", d));
        }
        items.push(json!({
            "uuid": uuid(),
            "title": item.title,
            "description": item.description,
            "props": props,
            "related-findings": [{ "finding-uuid": finding_uuid }],
            "related-risks": [{ "risk-uuid": risk_uuid }],
        }));
    }
    Ok(json!({
        "plan-of-action-and-milestones": {
            "uuid": uuid(),
            "metadata": metadata(&input.title, &input.last_modified, &input.version),
            "system-id": { "identifier-type": input.id_scheme, "id": input.institution_id },
            "risks": risks,
            "findings": findings,
            "poam-items": items,
        }
    }))
}
