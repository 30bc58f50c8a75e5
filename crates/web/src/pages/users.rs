//! Accounts: the list of users the caller may see, and (for administrators) a form to create
//! one. The same rules as `POST /api/v1/users` apply.

use crate::AppState;
use crate::api::accounts::{UserDraft, create_user_from_draft};
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiQuery};
use crate::i18n::Tr;
use crate::pages::{FormErrors, Nav, render, without_csrf};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::principal::Role;
use centinela_store::accounts::{self, User};
use centinela_store::constituency::{self as repo, Institution};
use centinela_store::{Page, Scope};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    t: Tr,
    nav: Nav,
    rows: Vec<User>,
    total: i64,
    acronyms: HashMap<Uuid, String>,
    can_create: bool,
    institutions: Vec<Institution>,
    roles: &'static [Role],
    form: UserForm,
    errors: FormErrors,
}

impl UsersPage {
    fn institution(&self, id: &Option<Uuid>) -> String {
        id.and_then(|i| self.acronyms.get(&i).cloned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    offset: Option<i64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    institution: String,
    #[serde(default)]
    password: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    offset: Option<i64>,
    form: UserForm,
    errors: FormErrors,
) -> Result<UsersPage, ApiError> {
    let p = ctx.principal()?;
    let (rows, total) =
        accounts::list_users(&state.db, &scope(p), Page::new(Some(200), offset)).await?;
    let (institutions, _) = repo::list_institutions(
        &state.db,
        &Scope::from_visible(p.visible_institutions()),
        &Default::default(),
        Page::new(Some(200), None),
    )
    .await?;
    Ok(UsersPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/users"),
        acronyms: institutions
            .iter()
            .map(|i| (i.id, i.acronym.clone()))
            .collect(),
        rows,
        total,
        can_create: may(p, Action::Create, &Resource::collection(ResourceKind::User))
            == Decision::Allow,
        institutions,
        roles: &Role::ALL,
        form: UserForm {
            password: String::new(),
            ..form
        },
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<Response, ApiError> {
    Ok(render(
        &page(
            &state,
            &ctx,
            q.offset,
            UserForm {
                role: "officer".into(),
                ..Default::default()
            },
            FormErrors::default(),
        )
        .await?,
    )?
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: UserForm = without_csrf(pairs)?;
    let draft = UserDraft {
        email: form.email.clone(),
        name: form.name.clone(),
        role: form.role.clone(),
        institution_id: Uuid::try_parse(form.institution.trim()).ok(),
        password: form.password.clone(),
        audits: vec![],
        locale: None,
    };
    match create_user_from_draft(&state, &ctx, draft).await {
        Ok(_) => Ok(redirect("/users")),
        Err(e)
            if e.status == StatusCode::UNPROCESSABLE_ENTITY || e.status == StatusCode::CONFLICT =>
        {
            let mut fields = e.fields.clone();
            if fields.is_empty() {
                fields.push(centinela_core::validate::FieldError::new(
                    "email",
                    "err-taken",
                ));
            }
            let errors = FormErrors::new(ctx.lang, &fields);
            let view = page(&state, &ctx, None, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}
