//! The daemon's HTTP listener (`http.listen`, axum) and its Unix socket
//! (see [`super::socket`]): the admin API behind `kefu handoff` and `kefu
//! shop` while the daemon holds the store, and a liveness probe. Over
//! HTTP, admin calls need `Authorization: Bearer <http.admin_token>`
//! (without a configured token they are all refused), and after
//! [`MAX_FAILED_TRIES`] wrong tokens in a minute every call is refused for
//! the rest of it; over the socket its permissions decide. Every request
//! has [`REQUEST_TIMEOUT`].

use super::{ActRequest, Admin as _, AdminError};
use crate::config::Secret;
use crate::store::Store;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What the handlers work with.
#[derive(Clone)]
pub struct AdminState {
    /// The daemon's store.
    pub store: Store,
    /// The operators' desk (its group gets copies of actions).
    pub desk: Option<Arc<crate::desk::Desk>>,
    /// The satisfaction survey, sent when an operator closes.
    pub survey: Option<Arc<crate::outcomes::Survey>>,
    /// Sends what an action wrote, now (the daemon's outbox).
    pub outbox: Arc<dyn Outbox>,
    /// The token admin calls must carry.
    pub token: Secret,
    /// The shop's data directory (for `kefu learn check`).
    pub data: std::path::PathBuf,
    /// Whether the daemon can serve (store, model, channels).
    pub ready: Arc<dyn Fn() -> Readiness + Send + Sync>,
    /// Served on the Unix socket: its permissions let the caller in.
    pub local: bool,
    /// When wrong tokens were given, in the last minute.
    pub failures: Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

/// What the admin API needs of the daemon's outbox, handed in as it is
/// handed readiness: the admin layer sits beside the daemon, not on it.
pub trait Outbox: Send + Sync {
    /// Send what an action wrote (channel, outbox key), in order, now.
    fn send(&self, written: Vec<(kefu_channels::ChannelKind, String)>);
    /// Replies queued or being sent.
    fn queued(&self) -> usize;
}

/// Wrong tokens in a minute after which every HTTP admin call is refused
/// for the rest of it (the socket still serves).
pub const MAX_FAILED_TRIES: usize = 10;

/// How long one request may take, slow clients included.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What `GET /readyz` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    /// The store answers.
    pub store: bool,
    /// The model is loaded (or its server configured).
    pub model: bool,
    /// Each enabled channel is connected to its platform.
    pub channels: std::collections::BTreeMap<String, bool>,
}

impl Readiness {
    /// Everything is up.
    pub fn ready(&self) -> bool {
        self.store && self.model && self.channels.values().all(|up| *up)
    }
}

/// `?id=…`
#[derive(Deserialize)]
struct IdQuery {
    id: String,
}

/// An error as the API answers it: a status and a sentence.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        let status = match e {
            AdminError::NotFound(_) => StatusCode::NOT_FOUND,
            AdminError::Refused(_) => StatusCode::CONFLICT,
            AdminError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(status, e.to_string())
    }
}

/// The routes.
pub fn router(state: AdminState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/admin/stats", get(stats))
        .route("/admin/learn", get(learn_list).post(learn_decide))
        .route("/admin/digest", get(digest))
        .route("/admin/learn/check", get(learn_check))
        .route("/admin/handoffs", get(handoffs))
        .route("/admin/conversation", get(conversation))
        .route("/admin/act", post(act))
        .route("/admin/shop/order", get(order))
        .route("/admin/shop/user", get(user))
        .with_state(state)
}

/// Serve `router` on `listener` (TCP or the Unix socket) until `stop`.
pub async fn serve<L>(listener: L, state: AdminState, stop: CancellationToken)
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let app = router(state).layer(axum::middleware::from_fn(time_limit));
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
    {
        tracing::error!("the admin listener failed: {e}");
    }
}

/// Answer 408 to a request that takes longer than [`REQUEST_TIMEOUT`].
async fn time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError(
            StatusCode::REQUEST_TIMEOUT,
            "the request took too long".into(),
        )
        .into_response(),
    }
}

/// Refuse a call without the right token (over HTTP).
fn authorize(state: &AdminState, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.local {
        return Ok(());
    }
    let now = std::time::Instant::now();
    let mut failures = state.failures.lock().unwrap_or_else(|e| e.into_inner());
    failures.retain(|at| now.duration_since(*at) < std::time::Duration::from_secs(60));
    if failures.len() >= MAX_FAILED_TRIES {
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            "too many wrong admin tokens in the last minute; try again later".into(),
        ));
    }
    if state.token.is_empty() {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "the admin API is off: set http.admin_token (KEFU__HTTP__ADMIN_TOKEN)".into(),
        ));
    }
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(
        given.trim().as_bytes(),
        state.token.expose().trim().as_bytes(),
    ) {
        failures.push(now);
        tracing::warn!("admin API: a call with a wrong or missing token was refused");
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "wrong or missing admin token (Authorization: Bearer …)".into(),
        ));
    }
    Ok(())
}

/// Compare without stopping at the first difference, so timing tells
/// nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn local(state: &AdminState) -> super::Local {
    super::Local {
        store: state.store.clone(),
        group: group(state).map(str::to_string),
        data: state.data.clone(),
    }
}

fn group(state: &AdminState) -> Option<&str> {
    state.desk.as_deref().and_then(|d| d.group())
}

/// 200 when the daemon can serve, 503 (with what is down) when not.
async fn readyz(State(state): State<AdminState>) -> Response {
    let readiness = (state.ready)();
    let status = if readiness.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

/// The metrics in Prometheus's text format (open, like /healthz: bind
/// `http.listen` to loopback or a trusted network).
async fn metrics(State(state): State<AdminState>) -> Response {
    let metrics = &crate::metrics::METRICS;
    metrics.outbox_queue.set(state.outbox.queued() as i64);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        metrics.render(),
    )
        .into_response()
}

/// `?since=MS`
#[derive(Deserialize)]
struct SinceQuery {
    #[serde(default)]
    since: u64,
}

async fn digest(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(query): Query<SinceQuery>,
) -> Result<Json<String>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).digest(query.since).await?))
}

async fn learn_check(
    State(state): State<AdminState>,
    headers: HeaderMap,
) -> Result<Json<Vec<crate::learn::Check>>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).learn_check().await?))
}

async fn learn_list(
    State(state): State<AdminState>,
    headers: HeaderMap,
) -> Result<Json<Vec<crate::learn::Suggestion>>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).suggestions().await?))
}

async fn learn_decide(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Json(decision): Json<crate::learn::Decision>,
) -> Result<Json<Option<crate::knowledge::FaqEntry>>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).decide(&decision).await?))
}

async fn stats(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(query): Query<SinceQuery>,
) -> Result<Json<crate::stats::Stats>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).stats(query.since).await?))
}

async fn handoffs(
    State(state): State<AdminState>,
    headers: HeaderMap,
) -> Result<Json<Vec<super::Waiting>>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).list().await?))
}

async fn conversation(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(query): Query<IdQuery>,
) -> Result<Json<crate::store::Conversation>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).show(&query.id).await?))
}

async fn act(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Json(request): Json<ActRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&state, &headers)?;
    let survey = state.survey.as_deref();
    let written = super::act(&state.store, group(&state), survey, &request).await?;
    let sent = written.len();
    state.outbox.send(written);
    tracing::info!(conversation = %request.conversation, who = %request.who, "operator action from the admin API");
    Ok(Json(serde_json::json!({ "sent": sent })))
}

async fn order(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(query): Query<IdQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).shop("order", &query.id).await?))
}

async fn user(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(query): Query<IdQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&state, &headers)?;
    Ok(Json(local(&state).shop("user", &query.id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::{Admin, Local};

    /// Each kind of failure answers with its own status: what is not there
    /// 404, an action that does not apply 409.
    #[tokio::test]
    async fn what_is_not_there_is_404_and_what_does_not_apply_409() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local {
            store: Store::open(&dir.path().join("state")).unwrap(),
            group: None,
            data: dir.path().to_path_buf(),
        };
        let status = |e: AdminError| ApiError::from(e).0;
        let unknown = local.show("telegram:404").await.unwrap_err();
        assert_eq!(status(unknown), StatusCode::NOT_FOUND);
        let order = local.shop("order", "#W0000000").await.unwrap_err();
        assert_eq!(status(order), StatusCode::NOT_FOUND);
        let kind = local.shop("coupon", "x").await.unwrap_err();
        assert_eq!(status(kind), StatusCode::NOT_FOUND);
        let decision = crate::learn::Decision {
            conversation: "telegram:404".into(),
            approve: true,
            question: None,
            answer: None,
        };
        let suggestion = local.decide(&decision).await.unwrap_err();
        assert_eq!(status(suggestion), StatusCode::NOT_FOUND);
        // The store refuses an action on a conversation it does not hold,
        // as it refuses one that does not apply.
        let release = ActRequest {
            conversation: "telegram:404".into(),
            act: crate::desk::Act::Release(None),
            who: "ops".into(),
        };
        let refused = local.act(&release).await.unwrap_err();
        assert_eq!(status(refused), StatusCode::CONFLICT);
    }
}
