//! Every setting of the portal, from the command line or the environment (12-factor).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// A string that must never be printed (logs, `Debug`, panics).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// The development default for `SECRET_KEY`; the server warns when it is in use.
pub const DEV_SECRET_KEY: &str = "dev-only-secret-key-change-me-in-production";

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/yeastar_portal";

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL connection string; the database is created if it does not exist.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: Secret,

    /// Address the HTTP server listens on (port 0 picks a free port).
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind_addr: SocketAddr,

    /// Base URL of links in emails (activation, password reset).
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,

    /// SMTP server for outgoing mail, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host.
    /// Unset: emails are written as .eml files to MAIL_DIR and activation links are logged.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<Secret>,

    /// Sender address of every email.
    #[arg(
        long,
        env = "MAIL_FROM",
        default_value = "Yeastar Portal <no-reply@portal.example.com>"
    )]
    pub mail_from: String,

    /// Folder of the file outbox used when SMTP_URL is unset.
    #[arg(long, env = "MAIL_DIR", default_value = "target/mail")]
    pub mail_dir: PathBuf,

    /// Key for secrets at rest (TOTP secrets). Has an insecure development default.
    #[arg(long, env = "SECRET_KEY", default_value = DEV_SECRET_KEY, hide_default_value = true)]
    pub secret_key: Secret,

    /// Mark cookies Secure and use the __Host- prefix (turn on behind TLS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Hours after sign-in at which a session ends, however active.
    #[arg(long, env = "SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: i64,

    /// Maximum connections in the database pool.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 20)]
    pub database_max_connections: u32,

    /// Run the scheduled jobs (trial expiry, reminders, renewals) in this process; safe to run
    /// in every instance at once.
    #[arg(long, env = "SCHEDULED_JOBS", default_value_t = true, action = clap::ArgAction::Set)]
    pub scheduled_jobs: bool,

    /// Run the email outbox worker in this process.
    #[arg(long, env = "MAIL_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub mail_worker: bool,
}

impl Config {
    pub fn uses_dev_secret_key(&self) -> bool {
        self.secret_key.expose() == DEV_SECRET_KEY
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}
