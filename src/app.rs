//! Building and running the portal: database, session store, router, background workers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_sessions::ExpiredDeletion;

use crate::auth::password::PasswordHasher;
use crate::auth::secretbox::SecretBox;
use crate::auth::session_store::PortalSessionStore;
use crate::clock::Clock;
use crate::config::{Config, Secret};
use crate::mail::transport::Transport;
use crate::mail::worker::Worker;
use crate::web::{self, state::AppState};

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    /// The `/metrics` listener and its router, when `METRICS_ADDR` is set.
    metrics: Option<(TcpListener, axum::Router)>,
    state: AppState,
    shutdown: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl App {
    /// Prepares the database, binds the listener (port 0 picks one) and starts the workers.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Clock::system()).await
    }

    pub async fn build_with_clock(config: Config, clock: Clock) -> anyhow::Result<Self> {
        Self::build_at_bound_address(config, clock, |_, _| {}).await
    }

    /// As `build_with_clock`, and once the listener is bound `on_bound` gets the address it got
    /// and may complete the configuration with it before anything reads it: a server on port 0
    /// learns its port only then, and its links must name it. The listener is kept, so nothing
    /// else can take the port in between.
    pub async fn build_at_bound_address(
        mut config: Config,
        clock: Clock,
        on_bound: impl FnOnce(SocketAddr, &mut Config),
    ) -> anyhow::Result<Self> {
        // Before anything else, so a misconfigured server stops at once with the reason.
        config.check_secret_key()?;
        let (db, session_store) = open_database(&config).await?;
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("could not listen on {}", config.bind_addr))?;
        on_bound(listener.local_addr()?, &mut config);
        let state = app_state(db, config, clock).await?;
        let metrics = metrics_listener(&state).await?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let workers = start_workers(&state, &session_store, &shutdown_rx)?;
        let router = web::router(state.clone(), session_store);
        Ok(Self {
            listener,
            router,
            metrics,
            state,
            shutdown,
            workers,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `/metrics` is served (port 0 in `METRICS_ADDR` is the port it got); `None` when
    /// metrics are off.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        let (listener, _) = self.metrics.as_ref()?;
        listener.local_addr().ok()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` resolves, then drains and stops: `/readyz` turns 503 at once; on
    /// SIGTERM, for `SHUTDOWN_DRAIN_SECONDS`, page views answer 503 (a proxy moves them to
    /// another instance) while forms are still served; then the listener closes, in-flight
    /// requests get `SHUTDOWN_TIMEOUT_SECONDS` to finish, and the metrics listener and the
    /// workers stop.
    pub async fn run_until(
        self,
        signal: impl Future<Output = Stop> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr(), "portal listening");
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let closing = Arc::new(tokio::sync::Notify::new());
        let drain = drain_then_close(
            signal,
            self.state.draining.clone(),
            Duration::from_secs(self.state.config.shutdown_drain_seconds),
            closing.clone(),
        );
        let deadline = Duration::from_secs(self.state.config.shutdown_timeout_seconds);
        let shutdown = self.shutdown;
        let portal = async {
            // Without TCP_NODELAY a response written in several pieces (a static file, a
            // compressed page) waits for the client's delayed ACK: ~40 ms stalls.
            let listener = self.listener.tap_io(|stream| {
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::debug!(%error, "TCP_NODELAY not set on a connection");
                }
            });
            let server = axum::serve(listener, service).with_graceful_shutdown(drain);
            let served = tokio::select! {
                served = server => served.context("server error"),
                () = async { closing.notified().await; tokio::time::sleep(deadline).await } => {
                    tracing::warn!(seconds = deadline.as_secs(),
                        "requests still in flight at the shutdown timeout; closing them");
                    Ok(())
                }
            };
            let _ = shutdown.send(true);
            served
        };
        // Joined rather than spawned: when this future is dropped, the metrics listener goes too.
        let (portal, metrics) = tokio::join!(portal, serve_metrics(self.metrics, &shutdown));
        portal?;
        metrics?;
        for worker in self.workers {
            let _ = worker.await;
        }
        tracing::info!("portal stopped");
        Ok(())
    }
}

/// Why the server stops: an operator's Ctrl-C stops at once, a SIGTERM (an orchestrator, a
/// rolling restart) drains first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
}

/// Resolves when the listener should close: after `signal`, marking the server draining and, on
/// SIGTERM, serving on for `drain`. Tells `closing` when it resolves.
async fn drain_then_close(
    signal: impl Future<Output = Stop>,
    draining: crate::web::drain::Draining,
    drain: Duration,
    closing: Arc<tokio::sync::Notify>,
) {
    let stop = signal.await;
    draining.start();
    if stop == Stop::Terminate && !drain.is_zero() {
        tracing::info!(
            seconds = drain.as_secs(),
            "draining: /readyz answers 503, requests are still served"
        );
        tokio::time::sleep(drain).await;
    }
    tracing::info!("closing the listener; finishing requests in flight");
    closing.notify_one();
}

/// The database, migrated (the session table included), and the session store over it.
async fn open_database(config: &Config) -> anyhow::Result<(sqlx::PgPool, PortalSessionStore)> {
    let db = crate::db::prepare(
        config.database_url.expose(),
        config.database_max_connections,
    )
    .await?;
    // A console page's navigation counts come with the signed-in account, in the same
    // statement as the session.
    let also = crate::inbox::loaded_with_account("a");
    let session_store = PortalSessionStore::loading_also(db.clone(), &also);
    Ok((db, session_store))
}

/// The `/metrics` listener when `METRICS_ADDR` is set, bound now so its port is known at once,
/// with the process's recorder (installed by the first app that asks).
async fn metrics_listener(state: &AppState) -> anyhow::Result<Option<(TcpListener, axum::Router)>> {
    let Some(addr) = state.config.metrics_addr else {
        return Ok(None);
    };
    let recorder = crate::telemetry::recorder()?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("could not listen on METRICS_ADDR {addr}"))?;
    let router = web::observe::metrics_router(state.clone(), recorder);
    Ok(Some((listener, router)))
}

/// Serves `/metrics` until `shutdown` turns true (the portal has stopped taking requests).
async fn serve_metrics(
    metrics: Option<(TcpListener, axum::Router)>,
    shutdown: &watch::Sender<bool>,
) -> anyhow::Result<()> {
    let Some((listener, router)) = metrics else {
        return Ok(());
    };
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "metrics listening");
    }
    let mut stop = shutdown.subscribe();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
        .context("metrics server error")
}

/// What every request shares: the pool, the configuration, the hasher, the keys, the catalog.
async fn app_state(db: sqlx::PgPool, config: Config, clock: Clock) -> anyhow::Result<AppState> {
    let hasher = tokio::task::spawn_blocking(PasswordHasher::new).await??;
    let secrets = secret_box(&config);
    let catalog = Arc::new(crate::catalog::load(&db).await?);
    Ok(AppState {
        db,
        config: Arc::new(config),
        clock,
        hasher,
        secrets,
        catalog,
        draining: Default::default(),
    })
}

/// The background work as configured (mail, the reset queue, scheduled jobs) and the expired
/// sessions' deletion; each stops when `shutdown` changes.
fn start_workers(
    state: &AppState,
    session_store: &PortalSessionStore,
    shutdown: &watch::Receiver<bool>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut workers = Vec::new();
    if state.config.mail_worker {
        let worker = mail_worker(&state.config, state.db.clone(), state.clock.clone())?;
        workers.push(tokio::spawn(worker.run(shutdown.clone())));
        workers.push(tokio::spawn(crate::auth::password_reset::sweep_queue(
            state.db.clone(),
            state.config.public_base().to_owned(),
            state.clock.clone(),
            shutdown.clone(),
        )));
    }
    if state.config.scheduled_jobs {
        workers.push(tokio::spawn(run_scheduled_jobs(
            state.clone(),
            shutdown.clone(),
        )));
    }
    workers.push(tokio::spawn(delete_expired_sessions(
        session_store.clone(),
        shutdown.clone(),
    )));
    Ok(workers)
}

/// Deletes expired web sessions every five minutes until shutdown.
async fn delete_expired_sessions(store: PortalSessionStore, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(err) = store.delete_expired().await {
            tracing::warn!(error = %err, "could not delete expired sessions");
        }
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(300)) => {}
        }
    }
}

/// Seals with `SECRET_KEY`, and also opens what `SECRET_KEY_PREVIOUS` sealed.
pub fn secret_box(config: &Config) -> SecretBox {
    let previous = config.secret_key_previous.as_ref().map(Secret::expose);
    SecretBox::new(config.secret_key.expose()).with_previous(previous)
}

/// The outbox worker as configured: SMTP when `SMTP_URL` is set, else the file outbox.
pub fn mail_worker(config: &Config, pool: sqlx::PgPool, clock: Clock) -> anyhow::Result<Worker> {
    let transport = match &config.smtp_url {
        Some(url) => Transport::smtp(url.expose())?,
        None => Transport::Files(config.mail_dir.clone()),
    };
    Ok(Worker {
        pool,
        transport,
        from: config.mail_from.clone(),
        clock,
    })
}

/// Runs the subscriptions' scheduled work every minute until shutdown.
async fn run_scheduled_jobs(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = state.clock.now();
        match crate::subscriptions::jobs::run_due(
            &state.db,
            &state.catalog,
            state.config.public_base(),
            now,
        )
        .await
        {
            Ok(report) if report != Default::default() => {
                tracing::info!(?report, "scheduled jobs ran")
            }
            Ok(_) => {}
            Err(err) => tracing::error!(error = format!("{err:#}"), "scheduled jobs failed"),
        }
        if let Err(err) = crate::pbx::heartbeat::check_offline(&state.db, now).await {
            tracing::error!(error = format!("{err:#}"), "offline check failed");
        }
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, saying which.
pub async fn shutdown_signal() -> Stop {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let stop = tokio::select! {
        () = ctrl_c => Stop::Interrupt,
        () = terminate => Stop::Terminate,
    };
    tracing::info!(?stop, "shutdown requested");
    stop
}

#[cfg(test)]
mod tests {
    //! The session statement a page runs (composed here from the store and the inbox) is the one
    //! the benchmark runs, and so is the licence row its licence lists read.

    /// The statements of a pgbench file under `benches/sql/`, comments left out.
    fn statements(file: &str) -> Vec<String> {
        let path = format!("{}/benches/sql/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|line| !line.starts_with("--") && !line.trim().is_empty())
            .map(|line| line.trim_end_matches(';').to_owned())
            .collect()
    }

    /// Collapses runs of white space, as the statement is written across lines in Rust.
    fn squeezed(sql: &str) -> String {
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_benchmark_runs_the_session_statement_the_server_runs() {
        let bench = statements("session.pgbench");
        let served =
            crate::auth::session_store::load_statement(&crate::inbox::loaded_with_account("a"))
                .replace("$1", ":session")
                .replace("$2", "now()");
        assert_eq!(bench.len(), 1);
        assert_eq!(squeezed(&bench[0]), squeezed(&served));
    }

    #[test]
    fn the_benchmark_reads_licences_as_the_licence_lists_do() {
        let row = squeezed(crate::licenses::LIST_ROW);
        for file in ["page-licences.pgbench", "page-dashboard.pgbench"] {
            let bench = squeezed(&statements(file).join(" "));
            assert!(bench.contains(&row), "{file} reads a licence as {row}");
        }
    }
}
