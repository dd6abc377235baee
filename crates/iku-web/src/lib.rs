//! The iku server, HTTP and pages only: liveness (`/health`), readiness (`/ready`: the
//! database answers), Prometheus metrics on a listener of their own (so they can be kept off
//! the network the users reach), logins and sessions over HTTP (`login`, `session`,
//! `oidc`), the JSON API (`api`, `writes`) and the pages (`ui`). Every use case is the
//! application layer's (`iku_app`), reached through the scoped handle the user's role gives,
//! on a blocking thread (`AppState::blocking`); nothing here touches storage.

mod api;
/// The answer to a person's request for their data as a file of its own (HTML).
pub use ui::person_data::standalone as person_export_html;
mod digest;
pub mod error;
mod limits;
mod login;
mod oidc;
mod ratelimit;
mod server;
mod session;
mod state;
mod ui;
mod writes;

pub use oidc::OidcConfig;
pub use session::{COOKIE, CSRF_HEADER};
pub use state::ServerConfig;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tokio::net::TcpListener;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
}

/// Counters for the metrics listener.
#[derive(Default)]
pub(crate) struct Metrics {
    health: AtomicU64,
    ready: AtomicU64,
    not_ready: AtomicU64,
}

/// One stable error shape: a code for programs, a message for people, no details (those go
/// to the log, never to the client).
fn error(status: StatusCode, code: &'static str, message: &'static str) -> Response {
    let body = serde_json::json!({ "code": code, "message": message });
    (status, axum::Json(body)).into_response()
}

async fn health(State(state): State<state::Shared>) -> &'static str {
    state.metrics.health.fetch_add(1, Ordering::Relaxed);
    "ok\n"
}

async fn ready(State(state): State<state::Shared>) -> Response {
    let answered = state.blocking(|app| app.ready()).await;
    match answered {
        Ok(true) => {
            state.metrics.ready.fetch_add(1, Ordering::Relaxed);
            "ready\n".into_response()
        }
        Ok(false) => {
            state.metrics.not_ready.fetch_add(1, Ordering::Relaxed);
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "starting",
                "the server is reading the register; ask again in a moment",
            );
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
            response
        }
        _ => {
            state.metrics.not_ready.fetch_add(1, Ordering::Relaxed);
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database does not answer",
            )
        }
    }
}

async fn metrics(State(state): State<state::Shared>) -> String {
    let m = &state.metrics;
    format!(
        "# HELP iku_health_requests_total Liveness checks answered.\n# TYPE iku_health_requests_total counter\niku_health_requests_total {}\n\
         # HELP iku_ready_requests_total Readiness checks, by result.\n# TYPE iku_ready_requests_total counter\n\
         iku_ready_requests_total{{result=\"ready\"}} {}\niku_ready_requests_total{{result=\"not_ready\"}} {}\n",
        m.health.load(Ordering::Relaxed),
        m.ready.load(Ordering::Relaxed),
        m.not_ready.load(Ordering::Relaxed),
    )
}

/// The addresses the server actually listens on (a port 0 asked for becomes a real one).
pub struct Bound {
    pub app: SocketAddr,
    pub metrics: SocketAddr,
}

/// The OpenAPI document of the JSON API, served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("../api/openapi.json");

/// Every route of the application: (method, path). A test holds the OpenAPI document to it,
/// and it to the router.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/login"),
    ("POST", "/api/login/enrol"),
    ("GET", "/api/oidc/login"),
    ("GET", "/api/oidc/callback"),
    ("POST", "/api/logout"),
    ("GET", "/api/session"),
    ("POST", "/api/password"),
    ("GET", "/api/cases"),
    ("GET", "/api/cases/{person}"),
    ("GET", "/api/cases/{person}/journal"),
    ("POST", "/api/search"),
    ("POST", "/api/cases/{person}/break-the-glass"),
    ("PUT", "/api/cases/{person}/assignment"),
    ("POST", "/api/cases/{person}/events"),
    ("POST", "/api/applications"),
    ("GET", "/api/reviews/{kind}/{year}"),
    ("GET", "/api/audit"),
    ("GET", "/api/accounts"),
];

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}

/// The application's routes (what `serve` listens with; tests call it directly).
pub fn router(config: ServerConfig) -> Router {
    routes(shared(config))
}

fn shared(config: ServerConfig) -> state::Shared {
    Arc::new(state::AppState::new(config))
}

fn routes(state: state::Shared) -> Router {
    Router::new()
        .route("/", get(ui::root))
        .route("/assets/iku.css", get(ui::style))
        .route("/{lang}/", get(ui::home))
        .route(
            "/{lang}/referral",
            get(ui::referral::form).post(ui::referral::submit),
        )
        .route("/{lang}/referral/done", get(ui::referral_done::done))
        .route("/{lang}/staff/", get(ui::inbox::inbox))
        .route(
            "/{lang}/staff/login",
            get(ui::staff::login_form).post(ui::staff::login),
        )
        .route("/{lang}/staff/enrol", post(ui::staff::enrol))
        .route("/{lang}/staff/cases", get(ui::cases::cases))
        .route(
            "/{lang}/staff/search",
            get(ui::search::page).post(ui::search::search),
        )
        .route("/{lang}/staff/cases/{person}", get(ui::case::case))
        .route("/{lang}/staff/deadlines", get(ui::deadlines::deadlines))
        .route("/{lang}/staff/work", get(ui::work::work))
        .route("/{lang}/staff/tasks", post(ui::tasks::make))
        .route("/{lang}/staff/tasks/{id}", post(ui::tasks::change))
        .route("/{lang}/staff/statistics", get(ui::statistics::page))
        .route("/{lang}/staff/admin", get(ui::accounts::accounts))
        .route("/{lang}/staff/admin/accounts", post(ui::accounts::add))
        .route(
            "/{lang}/staff/admin/accounts/{username}",
            get(ui::accounts::account).post(ui::account_actions::account_action),
        )
        .route("/{lang}/staff/audit", get(ui::audit_log::audit))
        .route(
            "/{lang}/staff/personal-data",
            get(ui::person_data::home).post(ui::person_data::find),
        )
        .route(
            "/{lang}/staff/personal-data/{person}",
            get(ui::person_data::export).post(ui::person_data::request),
        )
        .route(
            "/{lang}/staff/personal-data/{person}/restriction",
            post(ui::person_data::restriction),
        )
        .route(
            "/{lang}/staff/personal-data/{person}/documents/{id}",
            get(ui::person_data::document_file),
        )
        .route("/{lang}/staff/audit.csv", get(ui::audit_export::export))
        .route(
            "/{lang}/staff/statistics/review",
            get(ui::statistics::review),
        )
        .route(
            "/{lang}/staff/statistics/publish",
            post(ui::statistics::publish),
        )
        .route(
            "/{lang}/staff/statistics/publications/{id}/{part}",
            get(ui::statistics::publication),
        )
        .route(
            "/{lang}/staff/cases/{person}/decision",
            post(ui::decide::decide),
        )
        .route(
            "/{lang}/staff/cases/{person}/record",
            post(ui::case::record),
        )
        .route(
            "/{lang}/staff/cases/{person}/assignment",
            post(ui::routing::place),
        )
        .route(
            "/{lang}/staff/cases/{person}/duplicates",
            post(ui::duplicates::answer),
        )
        .route(
            "/{lang}/staff/cases/{person}/journal",
            post(ui::journal::write),
        )
        .route("/{lang}/staff/cases/{person}/plan", post(ui::plan::write))
        .route(
            "/{lang}/staff/cases/{person}/consent",
            post(ui::consent::withdraw),
        )
        .route(
            "/{lang}/staff/cases/{person}/documents",
            // The body is read whole, within the document's limit, before (`limits`).
            post(ui::document_upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/{lang}/staff/cases/{person}/documents/{id}",
            get(ui::document_download),
        )
        .route(
            "/{lang}/staff/cases/{person}/history",
            get(ui::history::history),
        )
        .route(
            "/{lang}/staff/cases/{person}/decisions/{application}/{doc}",
            get(ui::decision::decision),
        )
        .route(
            "/{lang}/staff/cases/{person}/removal/{doc}",
            get(ui::removal::removal),
        )
        .route(
            "/{lang}/staff/cases/{person}/reflection/{doc}",
            get(ui::reflection_notice::reflection_notice),
        )
        .route("/{lang}/staff/logout", post(ui::staff::logout))
        .route(
            "/{lang}/staff/password",
            get(ui::staff::password_form).post(ui::staff::password),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api/openapi.json", get(openapi))
        .route("/api/login", post(login::login))
        .route("/api/login/enrol", post(login::enrol))
        .route("/api/oidc/login", get(oidc::login))
        .route("/api/oidc/callback", get(oidc::callback))
        .route("/api/logout", post(login::logout))
        .route("/api/session", get(login::whoami))
        .route("/api/password", post(login::change_password))
        .route("/api/cases", get(api::cases))
        .route("/api/cases/{person}", get(api::case))
        .route("/api/cases/{person}/journal", get(api::journal))
        .route("/api/search", post(api::search))
        .route(
            "/api/cases/{person}/break-the-glass",
            post(api::break_the_glass),
        )
        .route("/api/cases/{person}/assignment", put(api::assign))
        .route("/api/cases/{person}/events", post(writes::case_event))
        .route("/api/applications", post(writes::application))
        .route("/api/reviews/{kind}/{year}", get(api::review))
        .route("/api/audit", get(api::audit))
        .route("/api/accounts", get(api::accounts))
        // The body is read whole first; the API's headers and error shape go on every
        // answer, a refused body's too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::read_body,
        ))
        .layer(axum::middleware::from_fn(limits::api_answers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::log_causes,
        ))
        .with_state(state)
}

/// Runs the server until ctrl-c or SIGTERM; `on_bound` hears the addresses once listening.
pub async fn serve(
    config: ServerConfig,
    app: SocketAddr,
    metrics_addr: SocketAddr,
    on_bound: impl FnOnce(&Bound),
) -> Result<(), ServeError> {
    let state = shared(config);
    let app_router = routes(state.clone());
    let metrics_router = Router::new()
        .route("/metrics", get(metrics))
        .with_state(state.clone());
    let listen = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Listen { addr, source })
    };
    let app_listener = listen(app).await?;
    let metrics_listener = listen(metrics_addr).await?;
    let local = |l: &TcpListener, asked: SocketAddr| l.local_addr().unwrap_or(asked);
    on_bound(&Bound {
        app: local(&app_listener, app),
        metrics: local(&metrics_listener, metrics_addr),
    });
    // The register held in memory is built while the server already answers (/ready says
    // when it can serve).
    let starting = state.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = starting.app.start() {
            starting.config.log.line(&format!("start: {e}"));
        }
    });
    if state.app.config().mail.is_some() {
        tokio::spawn(digest::daily(state.clone(), state.config.digest_at));
    }
    let limits = server::Limits {
        header_read_within: state.config.header_read_within,
        max_connections: state.config.max_connections,
    };
    let (a, m) = tokio::join!(
        server::run(app_listener, app_router, limits),
        server::run(metrics_listener, metrics_router, limits),
    );
    a.and(m).map_err(ServeError::Serve)
}
