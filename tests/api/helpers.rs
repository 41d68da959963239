//! `spawn_app`: the real server on a port of its own, over its own fresh PostgreSQL database
//! (dropped afterwards), sending mail to a real SMTP listener; plus the steps a user takes.

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use reqwest::{redirect, Client, Response, StatusCode};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;
use yeastar_portal::app::{mail_worker, App};
use yeastar_portal::clock::Clock;
use yeastar_portal::config::{Config, Secret};
use yeastar_portal::mail::worker::Worker;
use yeastar_portal::subscriptions::jobs;

pub use self::account_steps::{add_customer_form, add_named_customer_form};
pub use self::pages::{assert_refused_with, assert_says, csrf_token, hidden_fields, location};
pub use self::purchase_steps::buy;
use crate::smtp::SmtpSink;

// Accounts: created, activated, partners and their customers, signed in; the Add Partner form.
mod account_steps;
// Partner organizations: adding a colleague, activating it, signing it in.
mod colleague_steps;
// Sign-in security steps (2FA setup, sessions, bursts, the reset queue): more `TestApp` methods.
mod auth_steps;
// Reading list pages: columns, Next page links, every row across the pages.
pub mod list_pages;
// scripts/cluster.sh over the test's database: instances behind nginx.
pub mod cluster_script;
// More instances over the same database, as a cluster runs them.
pub mod instances;
// What a page or redirect says: location, hidden fields, CSRF token, messages.
mod pages;
// Capturing log lines, for tests that check what the operator is told.
pub mod logs;
// The partner's purchase form, reviewed and confirmed.
pub mod purchase_steps;
// Changes to a subscription: the change form, its review and its confirmation.
mod subscription_steps;

pub const PASSWORD: &str = "Sunrise over Xiamen 42";

/// One form post of a burst: the client sending it, the path and the fields.
pub type FormPost = (Client, String, Vec<(String, String)>);
pub const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

pub struct TestApp {
    pub address: String,
    /// `http://` and the metrics listener's address, when `metrics_addr` is set.
    pub metrics: Option<String>,
    pub db: PgPool,
    pub db_name: String,
    pub clock: Clock,
    pub smtp: SmtpSink,
    pub config: Config,
    server: tokio::task::JoinHandle<()>,
}

pub fn test_config(db_name: &str, smtp_url: Option<String>) -> Config {
    Config {
        database_url: Secret::new(format!("{SERVER}/{db_name}")),
        bind_addr: "127.0.0.1:0".parse().unwrap(),
        public_url: "http://placeholder".into(),
        smtp_url: smtp_url.map(Secret::new),
        mail_from: "Yeastar Portal <no-reply@portal.test>".into(),
        mail_dir: PathBuf::from("target/test-mail"),
        secret_key: Secret::new("test-secret-key-test-secret-key-0123456789"),
        secret_key_previous: None,
        trusted_proxies: Default::default(),
        cookie_secure: false,
        session_idle_minutes: 30,
        session_absolute_hours: 12,
        database_max_connections: 5,
        // Tests drain the outbox explicitly, so they decide when mail goes out.
        mail_worker: false,
        // Tests run the scheduled jobs themselves, with the injected clock.
        scheduled_jobs: false,
        shutdown_drain_seconds: 0,
        shutdown_timeout_seconds: 30,
        metrics_addr: None,
        log_format: Default::default(),
    }
}

/// The server with its SMTP sink already listening.
pub async fn spawn_app() -> TestApp {
    let smtp = SmtpSink::start().await;
    spawn_app_with_smtp(smtp).await
}

pub async fn spawn_app_with_smtp(smtp: SmtpSink) -> TestApp {
    spawn_app_configured(smtp, |_| {}).await
}

/// The server with some configuration changed (e.g. `COOKIE_SECURE`).
pub async fn spawn_app_configured(smtp: SmtpSink, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db_name = format!("yp_test_{}", Uuid::new_v4().simple());
    spawn_app_over(db_name, smtp, adjust).await
}

/// The server over the database `db_name`, created and migrated when it does not exist yet, or
/// migrated onwards from where it stands (the migration tests prepare an older schema first).
pub async fn spawn_app_over(
    db_name: String,
    smtp: SmtpSink,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = test_config(&db_name, Some(smtp.url()));
    adjust(&mut config);
    let clock = Clock::system();
    let (address, metrics, db, server) = start(&mut config, &clock).await;
    TestApp {
        address,
        metrics,
        db,
        db_name,
        clock,
        smtp,
        config,
        server,
    }
}

/// Builds and runs the app on a free loopback port: the app binds port 0 and keeps the
/// listener, and `config` is completed with the address it got (links in emails name it).
async fn start(
    config: &mut Config,
    clock: &Clock,
) -> (String, Option<String>, PgPool, tokio::task::JoinHandle<()>) {
    config.bind_addr = "127.0.0.1:0".parse().unwrap();
    let app = App::build_at_bound_address(config.clone(), clock.clone(), |bound, config| {
        config.bind_addr = bound;
        config.public_url = format!("http://{bound}");
    })
    .await
    .expect("the app builds");
    config.clone_from(&app.state().config);
    let address = format!("http://{}", app.local_addr());
    let metrics = app.metrics_addr().map(|bound| format!("http://{bound}"));
    let db = app.state().db.clone();
    let server = tokio::spawn(async move {
        app.run_until(std::future::pending()).await.unwrap();
    });
    (address, metrics, db, server)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        drop_database(self.db_name.clone());
    }
}

/// Drops a test database, from sync code (a `Drop`): a thread with its own runtime.
fn drop_database(name: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            if let Ok(pool) = sqlx::PgPool::connect(&format!("{SERVER}/postgres")).await {
                let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&pool)
                    .await;
            }
        });
    })
    .join();
}

/// A browser-like client: keeps cookies, does not follow redirects (tests check them).
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// Stops the server and starts it again over the same database with some configuration
    /// changed (e.g. a rotated `SECRET_KEY`), as an operator's restart does.
    pub async fn restart_with(&mut self, adjust: impl FnOnce(&mut Config)) {
        self.server.abort();
        adjust(&mut self.config);
        let (address, metrics, db, server) = start(&mut self.config, &self.clock).await;
        (self.address, self.metrics, self.db, self.server) = (address, metrics, db, server);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn worker(&self) -> Worker {
        mail_worker(&self.config, self.db.clone(), self.clock.clone()).unwrap()
    }

    /// Delivers every due email to the SMTP sink.
    pub async fn drain_outbox(&self) -> usize {
        self.worker().drain().await.unwrap()
    }

    /// `GET path` as `client`.
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    /// The status of `GET path` as `client`.
    pub async fn status_of(&self, client: &Client, path: &str) -> StatusCode {
        self.get(client, path).await.status()
    }

    pub async fn get_html(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let response = self.get(client, path).await;
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    pub async fn csrf_for(&self, client: &Client, path: &str) -> String {
        let (status, html) = self.get_html(client, path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
        csrf_token(&html)
    }

    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts a multipart form (the Add Partner form, an upload) as `client`.
    pub async fn post_multipart(&self, client: &Client, path: &str, form: Form) -> Response {
        client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the login form; returns the response to the form post.
    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        let token = self.csrf_for(client, "/login").await;
        self.post_form(
            client,
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
                ("next", ""),
            ],
        )
        .await
    }

    /// Opens an activation link and sets the password through the form.
    pub async fn activate(&self, link: &str, password: &str) -> Response {
        let client = client();
        let path = link
            .strip_prefix(&self.address)
            .expect("the link points at this server");
        let token = self.csrf_for(&client, path).await;
        self.post_form(
            &client,
            path,
            &[
                ("csrf_token", &token),
                ("password", password),
                ("password_confirm", password),
            ],
        )
        .await
    }

    /// Subscribes through review and confirm; returns the confirm response.
    pub async fn subscribe(&self, browser: &Client, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf_for(browser, "/customer/subscribe").await;
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let review = self
            .post_form(browser, "/customer/subscribe/review", &form)
            .await;
        assert_eq!(review.status(), StatusCode::OK, "{fields:?}");
        let html = review.text().await.unwrap();
        let hidden = hidden_fields(&html, "/customer/subscribe/confirm");
        browser
            .post(self.url("/customer/subscribe/confirm"))
            .form(&hidden)
            .send()
            .await
            .unwrap()
    }

    /// Runs the subscriptions' scheduled jobs once, at the test clock's now.
    pub async fn run_jobs(&self) -> jobs::Report {
        let catalog = yeastar_portal::catalog::load(&self.db).await.unwrap();
        jobs::run_due(&self.db, &catalog, &self.address, self.now())
            .await
            .unwrap()
    }

    /// A digest of every row of every table in the app's schema (sessions live elsewhere), so
    /// a test can assert that a refused request wrote nothing at all.
    pub async fn database_fingerprint(&self) -> Vec<(String, String)> {
        let tables: Vec<String> = sqlx::query_scalar(
            "select table_name::text from information_schema.tables \
             where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
        )
        .fetch_all(&self.db)
        .await
        .unwrap();
        let mut digests = Vec::new();
        for table in tables {
            let digest: String = sqlx::query_scalar(&format!(
                "select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from \"{table}\" t"
            ))
            .fetch_one(&self.db)
            .await
            .unwrap();
            digests.push((table, digest));
        }
        digests
    }

    /// How many audit entries of `action` the log holds.
    pub async fn audit_count(&self, action: &str) -> i64 {
        sqlx::query_scalar("select count(*) from audit_log where action = $1")
            .bind(action)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The one value the query `sql` selects.
    pub async fn one<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
    {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.one(sql).await
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}

pub fn file_part(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap()
}

/// A real PNG image of the given size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
