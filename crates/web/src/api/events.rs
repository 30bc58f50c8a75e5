//! Server-sent events: every change the caller may see, as it is committed, on any replica.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::ApiError;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use futures_util::Stream;
use std::convert::Infallible;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

pub async fn stream(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let principal = ctx.principal()?.clone();
    let events = BroadcastStream::new(state.bus.subscribe()).filter_map(move |e| {
        let e = e.ok()?;
        // An event is shown only to those who may read the institution it is about.
        let visible = match e.institution_id {
            Some(owner) => {
                may(
                    &principal,
                    Action::Read,
                    &Resource::owned(ResourceKind::Institution, owner),
                ) == Decision::Allow
            }
            None => principal.visible_institutions().is_none(),
        };
        visible.then(|| {
            Ok(SseEvent::default()
                .id(e.id.to_string())
                .event(e.topic.clone())
                .data(e.payload.clone()))
        })
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
