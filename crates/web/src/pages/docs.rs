//! The API documentation page, rendered on the server from the route table (no external
//! script: the strict CSP stays intact).

use crate::auth::Ctx;
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::pages::{Nav, render};
use crate::routes::routes;
use askama::Template;
use axum::response::{IntoResponse, Response};

pub struct Op {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub query: String,
    pub body: String,
    pub ok: String,
    pub anchor: String,
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage {
    t: Tr,
    nav: Nav,
    ops: Vec<Op>,
}

pub async fn page(ctx: Ctx) -> Result<Response, ApiError> {
    let ops = routes()
        .into_iter()
        .filter_map(|s| {
            let d = s.doc?;
            Some(Op {
                method: s.method.to_string(),
                path: s.path.to_string(),
                summary: d.summary.to_string(),
                query: d.query.join(", "),
                body: d.body.unwrap_or("").to_string(),
                ok: match d.ok.1 {
                    Some(schema) => format!("{} {schema}", d.ok.0),
                    None => d.ok.0.to_string(),
                },
                anchor: format!(
                    "{}-{}",
                    s.method.as_str().to_lowercase(),
                    s.path.replace(['/', '{', '}'], "-")
                ),
            })
        })
        .collect();
    Ok(render(&DocsPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/api/docs"),
        ops,
    })?
    .into_response())
}
