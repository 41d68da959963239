//! What operators watch: the log format (text or JSON on stderr), and every Prometheus metric's
//! name, labels and recorder, so call sites record with one named function and never spell a
//! metric's name.
//!
//! Metrics are process-global (the `metrics` crate has one recorder per process). The recorder
//! is installed once, by the first app built with `METRICS_ADDR`; every later app in the same
//! process (the test binary starts many) shares it. Until then each recording below is a
//! no-op, so a server without `METRICS_ADDR` pays nothing.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub const HTTP_REQUESTS: &str = "portal_http_requests_total";
pub const HTTP_DURATION: &str = "portal_http_request_duration_seconds";
pub const DB_POOL_IN_USE: &str = "portal_db_pool_connections_in_use";
pub const DB_POOL_IDLE: &str = "portal_db_pool_connections_idle";
pub const DB_POOL_MAX: &str = "portal_db_pool_connections_max";
pub const DB_POOL_ACQUIRE: &str = "portal_db_pool_acquire_seconds";
pub const OUTBOX_PENDING: &str = "portal_outbox_pending";
pub const OUTBOX_OLDEST_AGE: &str = "portal_outbox_oldest_pending_age_seconds";
pub const JOB_FAILURES_OPEN: &str = "portal_job_failures_open";
pub const JOB_ITEMS: &str = "portal_job_items_total";
pub const JOB_ITEM_FAILURES: &str = "portal_job_item_failures_total";
pub const EMAILS: &str = "portal_emails_total";
pub const SIGN_INS: &str = "portal_sign_ins_total";
pub const HEARTBEATS: &str = "portal_heartbeats_total";
pub const ARGON2_WAITING: &str = "portal_argon2_waiting";
pub const ARGON2_RUNNING: &str = "portal_argon2_running";
pub const SCRAPE_DB_ERRORS: &str = "portal_scrape_database_errors_total";

/// From 1 ms to 10 s: a page answers in a few ms, a sign-in (argon2) in tens to hundreds, and
/// anything near the top is a problem worth its own bucket.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The recorder's histograms are drained into their buckets by an upkeep call; the exporter
/// leaves scheduling it to us when we serve `/metrics` ourselves.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Logs on stderr (stdout carries the CLI's own output, e.g. activation links), filtered by
/// `RUST_LOG`. JSON puts each line's request span (`request_id`, `method`, `path`) beside its
/// fields, so a log pipeline can join the lines of one request.
pub fn init_logging(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init(),
    }
}

/// The installed Prometheus recorder: renders the text format, one scrape at a time.
#[derive(Clone)]
pub struct Recorder {
    handle: PrometheusHandle,
    /// Gauges read from the database are set just before rendering; serialising scrapes keeps
    /// one app's values from being replaced by another's in between (apps sharing a process).
    scraping: Arc<tokio::sync::Mutex<()>>,
}

impl Recorder {
    /// `refresh` (setting the gauges that are read at scrape time), then the text format.
    pub async fn scrape(&self, refresh: impl std::future::Future<Output = ()>) -> String {
        let _one_at_a_time = self.scraping.lock().await;
        refresh.await;
        self.handle.render()
    }
}

static RECORDER: OnceLock<Result<Recorder, String>> = OnceLock::new();

/// The process's recorder, installed on first use.
pub fn recorder() -> anyhow::Result<Recorder> {
    RECORDER
        .get_or_init(install)
        .clone()
        .map_err(|err| anyhow::anyhow!("could not install the metrics recorder: {err}"))
}

fn install() -> Result<Recorder, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &LATENCY_BUCKETS)
        .and_then(|builder| builder.install_recorder())
        .map_err(|err| err.to_string())?;
    describe();
    let upkeep = handle.clone();
    // A thread, not a task: the recorder outlives any one runtime (tests start one per test).
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkeep.run_upkeep();
        })
        .map_err(|err| err.to_string())?;
    Ok(Recorder {
        handle,
        scraping: Arc::new(tokio::sync::Mutex::new(())),
    })
}

/// The `# HELP` line of each metric.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by route pattern, method and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        "Time to the response's headers, by route pattern, method and status"
    );
    describe_gauge!(DB_POOL_IN_USE, "Database connections lent out");
    describe_gauge!(DB_POOL_IDLE, "Database connections open and idle");
    describe_gauge!(
        DB_POOL_MAX,
        "DATABASE_MAX_CONNECTIONS: the most the pool opens"
    );
    describe_gauge!(
        DB_POOL_ACQUIRE,
        "How long this scrape waited for a database connection"
    );
    describe_gauge!(
        OUTBOX_PENDING,
        "Emails waiting to be delivered (whole database)"
    );
    describe_gauge!(
        OUTBOX_OLDEST_AGE,
        "Age of the oldest email waiting to be delivered, 0 when none"
    );
    describe_gauge!(
        JOB_FAILURES_OPEN,
        "Scheduled-job items failing and not yet resolved, by job (whole database)"
    );
    describe_counter!(
        JOB_ITEMS,
        "Scheduled-job items handled by this instance, by job"
    );
    describe_counter!(
        JOB_ITEM_FAILURES,
        "Scheduled-job items whose work failed here (recorded, retried later), by job"
    );
    describe_counter!(
        EMAILS,
        "Email delivery attempts by this instance, by outcome (sent, retried, failed)"
    );
    describe_counter!(
        SIGN_INS,
        "Sign-in attempts by step (password, second_factor) and outcome"
    );
    describe_counter!(
        HEARTBEATS,
        "PBX heartbeats, by outcome (accepted, refused) and HTTP status"
    );
    describe_gauge!(
        ARGON2_WAITING,
        "Password hashes and checks waiting for a core"
    );
    describe_gauge!(ARGON2_RUNNING, "Password hashes and checks running");
    describe_counter!(
        SCRAPE_DB_ERRORS,
        "Scrapes that could not read the database gauges (they keep their last values)"
    );
}

/// One answered HTTP request. `route` is the route's pattern (`/partner/customers/{id}`), never
/// the raw path, so ids do not multiply the series.
pub fn http_request(route: String, method: &str, status: u16, elapsed: Duration) {
    let method = match method {
        "GET" | "POST" | "HEAD" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method.to_owned(),
        // Any other word a client sends would be a new series.
        _ => "other".to_owned(),
    };
    let status = status.to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
}

/// The pool as it stands: connections open (`size`, lent out or idle), idle, and the most.
pub fn db_pool(size: u32, idle: usize, max: u32) {
    let idle = idle as f64;
    gauge!(DB_POOL_IN_USE).set((f64::from(size) - idle).max(0.0));
    gauge!(DB_POOL_IDLE).set(idle);
    gauge!(DB_POOL_MAX).set(f64::from(max));
}

/// sqlx 0.8 does not count the tasks waiting for a connection, so a scrape measures the wait
/// itself: how long its own acquire took (near 0 unless the pool is exhausted).
pub fn db_acquire(waited: Duration) {
    gauge!(DB_POOL_ACQUIRE).set(waited.as_secs_f64());
}

/// The outbox: emails waiting, and how long the oldest has waited.
pub fn outbox(pending: i64, oldest_age: Duration) {
    gauge!(OUTBOX_PENDING).set(pending as f64);
    gauge!(OUTBOX_OLDEST_AGE).set(oldest_age.as_secs_f64());
}

/// Open job failures by job. A job missing from `open` has none: its gauge goes back to 0
/// rather than keeping its last count.
pub fn job_failures_open(open: &[(String, i64)]) {
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for job in seen.iter() {
        if !open.iter().any(|(name, _)| name == job) {
            gauge!(JOB_FAILURES_OPEN, "job" => job.clone()).set(0.0);
        }
    }
    for (job, count) in open {
        gauge!(JOB_FAILURES_OPEN, "job" => job.clone()).set(*count as f64);
        if !seen.contains(job) {
            seen.push(job.clone());
        }
    }
}

/// The database gauges could not be read for a scrape.
pub fn scrape_db_error() {
    counter!(SCRAPE_DB_ERRORS).increment(1);
}

/// One scheduled-job item handled (`ok`) or failed.
pub fn job_item(job: &'static str, ok: bool) {
    counter!(JOB_ITEMS, "job" => job).increment(1);
    if !ok {
        counter!(JOB_ITEM_FAILURES, "job" => job).increment(1);
    }
}

/// What became of one email delivery attempt.
#[derive(Debug, Clone, Copy)]
pub enum EmailOutcome {
    Sent,
    /// Failed for now; tried again later.
    Retried,
    /// Refused for good.
    Failed,
}

pub fn email(outcome: EmailOutcome) {
    let outcome = match outcome {
        EmailOutcome::Sent => "sent",
        EmailOutcome::Retried => "retried",
        EmailOutcome::Failed => "failed",
    };
    counter!(EMAILS, "outcome" => outcome).increment(1);
}

/// The step of signing in an attempt was at.
#[derive(Debug, Clone, Copy)]
pub enum SignInStep {
    Password,
    SecondFactor,
}

/// How a sign-in attempt ended.
#[derive(Debug, Clone, Copy)]
pub enum SignInOutcome {
    /// Signed in.
    Success,
    /// The password was right; the second factor is asked for next.
    SecondFactorRequired,
    /// Wrong password or code, or an account that may not sign in.
    Failure,
    /// Refused unchecked: too many failures for the account or the address.
    Throttled,
}

pub fn sign_in(step: SignInStep, outcome: SignInOutcome) {
    let step = match step {
        SignInStep::Password => "password",
        SignInStep::SecondFactor => "second_factor",
    };
    let outcome = match outcome {
        SignInOutcome::Success => "success",
        SignInOutcome::SecondFactorRequired => "second_factor_required",
        SignInOutcome::Failure => "failure",
        SignInOutcome::Throttled => "throttled",
    };
    counter!(SIGN_INS, "step" => step, "outcome" => outcome).increment(1);
}

/// A heartbeat answered with `status`: 200 is accepted, any other status is the reason it was
/// refused (the API gives each reason its own status).
pub fn heartbeat(status: u16) {
    let outcome = if status == 200 { "accepted" } else { "refused" };
    counter!(HEARTBEATS, "outcome" => outcome, "status" => status.to_string()).increment(1);
}

/// Counts one argon2 operation in a gauge for as long as it is held.
///
/// It keeps the gauge it counted up, and counts that one down: looked up again at the end, the
/// gauge could belong to a recorder installed in between (the decrement then lands where no
/// increment did, and the gauge reads -1; seen in the test process, where apps with and without
/// a metrics listener start side by side).
#[must_use = "the operation is counted until this is dropped"]
pub struct InFlight(metrics::Gauge);

impl InFlight {
    fn start(name: &'static str) -> Self {
        let gauge = gauge!(name);
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// A password hash or check waiting for a permit (one per core).
pub fn argon2_waiting() -> InFlight {
    InFlight::start(ARGON2_WAITING)
}

/// A password hash or check running.
pub fn argon2_running() -> InFlight {
    InFlight::start(ARGON2_RUNNING)
}
