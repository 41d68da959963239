//! Every setting of the portal, from the command line or the environment (12-factor).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use ipnet::IpNet;

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

/// A list of CIDR ranges, e.g. `10.0.0.0/8,192.0.2.7` (a bare address is just that address).
/// Empty entries are ignored, so `TRUSTED_PROXIES=` means none.
#[derive(Debug, Clone, Default)]
pub struct IpRanges(pub Vec<IpNet>);

impl std::str::FromStr for IpRanges {
    type Err = String;
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!("`{entry}` is neither a CIDR range (10.0.0.0/8) nor an IP address")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// The development default for `SECRET_KEY`; accepted only on a loopback address.
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

    /// Key for secrets at rest (TOTP secrets), at least 32 bytes (e.g. `openssl rand -hex 32`).
    /// Required unless BIND_ADDR is a loopback address, where a development default is used.
    #[arg(long, env = "SECRET_KEY", default_value = DEV_SECRET_KEY, hide_default_value = true)]
    pub secret_key: Secret,

    /// The key being rotated out: secrets sealed with it still open, and are re-sealed with
    /// SECRET_KEY when next used.
    #[arg(long, env = "SECRET_KEY_PREVIOUS")]
    pub secret_key_previous: Option<Secret>,

    /// Reverse proxies whose X-Forwarded-For is believed, as comma-separated CIDR ranges or
    /// addresses (e.g. 10.0.0.0/8,192.0.2.7). Empty: the TCP peer is the client.
    #[arg(
        long,
        env = "TRUSTED_PROXIES",
        default_value = "",
        hide_default_value = true
    )]
    pub trusted_proxies: IpRanges,

    /// Mark cookies Secure and use the __Host- prefix (turn on behind TLS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: i64,

    /// Hours after sign-in at which a session ends, however active.
    #[arg(long, env = "SESSION_ABSOLUTE_HOURS", default_value_t = 12)]
    pub session_absolute_hours: i64,

    /// Maximum connections in the database pool (default: twice this machine's cores, plus one).
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = default_pool_size())]
    pub database_max_connections: u32,

    /// Run the scheduled jobs (trial expiry, reminders, renewals) in this process; safe to run
    /// in every instance at once.
    #[arg(long, env = "SCHEDULED_JOBS", default_value_t = true, action = clap::ArgAction::Set)]
    pub scheduled_jobs: bool,

    /// Run the email outbox worker in this process.
    #[arg(long, env = "MAIL_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub mail_worker: bool,

    /// Seconds between SIGTERM and closing the listener, while /readyz and page views answer 503
    /// (a load balancer moves them elsewhere) and forms are still served (Ctrl-C skips it).
    #[arg(long, env = "SHUTDOWN_DRAIN_SECONDS", default_value_t = 5)]
    pub shutdown_drain_seconds: u64,

    /// Seconds in-flight requests get to finish once the listener is closed.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 30)]
    pub shutdown_timeout_seconds: u64,

    /// Serve Prometheus metrics at /metrics on this address (e.g. 127.0.0.1:9100), apart from
    /// the public port; it has no authentication, so keep it on loopback or a private network.
    /// Unset: no metrics.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Log lines on stderr as plain text or as one JSON object a line (with the request id).
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object a line, carrying the request span's fields.
    Json,
}

/// The shortest `SECRET_KEY` accepted outside loopback (256 bits of hex or base64 is longer).
pub const MIN_SECRET_KEY_BYTES: usize = 32;

impl Config {
    pub fn uses_dev_secret_key(&self) -> bool {
        self.secret_key.expose() == DEV_SECRET_KEY
    }

    /// Refuses a missing, development or short `SECRET_KEY` unless the server is reachable only
    /// from this machine (loopback), so `scripts/run.sh` works with no configuration while a
    /// reachable server never seals TOTP secrets with a key printed in the source.
    pub fn check_secret_key(&self) -> anyhow::Result<()> {
        let key = self.secret_key.expose();
        let weak = if self.uses_dev_secret_key() {
            Some("is not set (or is the development default)")
        } else if key.len() < MIN_SECRET_KEY_BYTES {
            Some("is too short")
        } else {
            None
        };
        match weak {
            Some(_) if self.bind_addr.ip().is_loopback() => {
                tracing::warn!(
                    "SECRET_KEY is weak; accepted only because BIND_ADDR {} is loopback",
                    self.bind_addr
                );
                Ok(())
            }
            Some(problem) => Err(anyhow::anyhow!(
                "SECRET_KEY {problem}: outside loopback (BIND_ADDR {}) it must be a random \
                 value of at least {MIN_SECRET_KEY_BYTES} bytes, e.g. `openssl rand -hex 32`",
                self.bind_addr
            )),
            None => Ok(()),
        }
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// The pool's default size: twice the cores, plus one (PostgreSQL's own advice for a database on
/// SSD). A request holds a connection only for its statements, so a few connections serve many
/// requests; more only make PostgreSQL's backends take turns on the same cores. Measured on two
/// cores at 16 concurrent requests against 20 connections (`benches/README.md`): the customer list
/// 4,800 → 5,600 pages/s, p99 6.7 → 4.9 ms; manager activations p99 11 → 8 ms.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    u32::try_from(cores * 2 + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn metrics_are_off_and_logs_are_text_unless_asked_for() {
        // clap falls back to the environment for an option not given: skip where it sets these.
        if std::env::var_os("METRICS_ADDR").is_some() || std::env::var_os("LOG_FORMAT").is_some() {
            return;
        }
        let config = Probe::try_parse_from(["portal"]).unwrap().config;
        assert_eq!(config.metrics_addr, None);
        assert_eq!(config.log_format, LogFormat::Text);
        let args = [
            "portal",
            "--metrics-addr",
            "127.0.0.1:9100",
            "--log-format",
            "json",
        ];
        let config = Probe::try_parse_from(args).unwrap().config;
        assert_eq!(config.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(Probe::try_parse_from(["portal", "--log-format", "yaml"]).is_err());
    }

    #[test]
    fn trusted_proxies_parse_as_a_comma_separated_list_of_ranges() {
        let ranges: IpRanges = " 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32".parse().unwrap();
        let shown: Vec<String> = ranges.0.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"]);
        assert!("".parse::<IpRanges>().unwrap().0.is_empty());
        assert!(" , ".parse::<IpRanges>().unwrap().0.is_empty());
        let err = "10.0.0.0/8,proxy.internal".parse::<IpRanges>().unwrap_err();
        assert!(err.contains("`proxy.internal`"), "{err}");
    }
}
