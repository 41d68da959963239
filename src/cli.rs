//! The operator command line: one binary serves the portal and bootstraps accounts.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::accounts::model::{AccountInfo, AccountStatus, Email, Role};
use crate::accounts::store as account_store;
use crate::activation::invite::{self, CreateAccountError, NewAccount};
use crate::app::{shutdown_signal, App};
use crate::clock::Clock;
use crate::config::Config;
use crate::format::datetime_utc;

#[derive(Debug, Parser)]
#[command(
    name = "yeastar-portal",
    version,
    about = "Yeastar Partner Portal, Customer Portal and Account Manager console",
    long_about = "Yeastar Partner Portal, Customer Portal and Account Manager console.\n\n\
        Every option can also be set with the environment variable shown next to it."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default): applies pending migrations first.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Create an account manager (pending) and print the activation link.
    CreateManager {
        /// The manager's email address (Yeastar ID).
        email: String,
        /// Full name, e.g. "Ada Lovelace".
        #[arg(long)]
        name: String,
    },
    /// Create a partner (pending), assigned to an account manager, and print the activation link.
    CreatePartner {
        /// The partner's email address (Yeastar ID).
        email: String,
        /// The partner's company name.
        #[arg(long)]
        company: String,
        /// Email of the account manager the partner is assigned to.
        #[arg(long)]
        manager: String,
        /// Contact person, e.g. "Grace Hopper" (defaults to the company name).
        #[arg(long)]
        name: Option<String>,
        /// ISO 3166 alpha-2 country code, e.g. DE.
        #[arg(long)]
        country: Option<String>,
    },
    /// After a SECRET_KEY rotation: re-seal every stored TOTP secret under SECRET_KEY (opening
    /// with SECRET_KEY_PREVIOUS), so the previous key can be removed.
    ResealSecrets,
    /// Fill the database with a demo manager, two partners and customers in every state.
    SeedDemo,
    /// Play a Cloud PBX: send heartbeats to the portal with the instance's token.
    SimulatePbx {
        /// The PBX token shown once in Central Management ("Issue a token").
        #[arg(long, env = "PBX_TOKEN")]
        token: String,
        /// The portal's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Seconds between heartbeats.
        #[arg(long, default_value_t = 30)]
        interval: u64,
        /// Heartbeats to send (0: until stopped with Ctrl-C).
        #[arg(long, default_value_t = 0)]
        beats: u64,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => App::build(config).await?.run_until(shutdown_signal()).await,
        Command::Migrate => {
            crate::db::prepare(config.database_url.expose(), 2).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::ResealSecrets => reseal_secrets(&config).await,
        Command::CreateManager { email, name } => create_manager(&config, &email, &name).await,
        Command::CreatePartner {
            email,
            company,
            manager,
            name,
            country,
        } => {
            let partner = NewPartner {
                email,
                company,
                manager,
                name,
                country,
            };
            create_partner(&config, partner).await
        }
        Command::SimulatePbx {
            token,
            url,
            interval,
            beats,
        } => crate::simulator::run(&url, &token, interval, beats).await,
        Command::SeedDemo => {
            let pool = crate::db::prepare(config.database_url.expose(), 2).await?;
            crate::demo::seed(&pool, &config, &Clock::system()).await
        }
    }
}

async fn reseal_secrets(config: &Config) -> anyhow::Result<()> {
    let pool = crate::db::prepare(config.database_url.expose(), 2).await?;
    let secrets = crate::app::secret_box(config);
    let done = crate::auth::two_factor::reseal_all(&pool, &secrets).await?;
    println!(
        "TOTP secrets: {} re-sealed, {} already under SECRET_KEY, {} unreadable.",
        done.resealed, done.current, done.unreadable
    );
    if done.unreadable > 0 {
        bail!("{} TOTP secrets open with neither SECRET_KEY nor SECRET_KEY_PREVIOUS; keep the key they were sealed with", done.unreadable);
    }
    Ok(())
}

async fn create_manager(config: &Config, email: &str, name: &str) -> anyhow::Result<()> {
    let pool = crate::db::prepare(config.database_url.expose(), 2).await?;
    let (first_name, last_name) = split_name(name)?;
    let info = info(first_name, last_name, "Yeastar", None)?;
    let created = create(&pool, config, Role::Manager, email, info, None, "Yeastar").await?;
    print_created("account manager", email, &created);
    Ok(())
}

/// The arguments of `create-partner`.
struct NewPartner {
    email: String,
    company: String,
    manager: String,
    name: Option<String>,
    country: Option<String>,
}

async fn create_partner(config: &Config, partner: NewPartner) -> anyhow::Result<()> {
    let NewPartner {
        email,
        company,
        manager,
        name,
        country,
    } = partner;
    let pool = crate::db::prepare(config.database_url.expose(), 2).await?;
    let manager_account = account_store::find_by_email(&pool, &manager)
        .await?
        .filter(|a| a.role == Role::Manager && a.status != AccountStatus::Removed)
        .with_context(|| format!("no account manager has the email {manager}"))?;
    let (first_name, last_name) = match &name {
        Some(name) => split_name(name)?,
        None => (company.trim().to_owned(), String::new()),
    };
    let info = info(first_name, last_name, &company, country)?;
    let invited_by = format!(
        "Yeastar (your account manager {})",
        manager_account.full_name()
    );
    let manager_id = Some(manager_account.id);
    let created = create(
        &pool,
        config,
        Role::Partner,
        &email,
        info,
        manager_id,
        &invited_by,
    )
    .await?;
    print_created("partner", &email, &created);
    Ok(())
}

fn split_name(name: &str) -> anyhow::Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() {
        bail!("--name must not be empty, e.g. --name \"Ada Lovelace\"");
    }
    Ok(match name.split_once(char::is_whitespace) {
        Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
        None => (name.to_owned(), String::new()),
    })
}

fn info(
    first_name: String,
    last_name: String,
    company: &str,
    country: Option<String>,
) -> anyhow::Result<AccountInfo> {
    let company = company.trim();
    if company.is_empty() {
        bail!("--company must not be empty");
    }
    let country = country.map(|c| c.trim().to_ascii_uppercase());
    if let Some(code) = &country {
        if !crate::countries::is_valid(code) {
            bail!("--country {code} is not an ISO 3166 alpha-2 code (e.g. DE, US, CN)");
        }
    }
    Ok(AccountInfo {
        first_name,
        last_name,
        company: company.to_owned(),
        phone: String::new(),
        country,
        address: String::new(),
        city: String::new(),
        state: String::new(),
        postcode: String::new(),
    })
}

/// A pending account added from the command line (no creator, no partner).
async fn create(
    pool: &sqlx::PgPool,
    config: &Config,
    role: Role,
    email: &str,
    info: AccountInfo,
    manager_id: Option<crate::accounts::model::AccountId>,
    invited_by: &str,
) -> anyhow::Result<invite::Created> {
    let email = Email::parse(email).map_err(|msg| anyhow::anyhow!("{email:?}: {msg}"))?;
    let result = invite::create_pending_account(
        pool,
        NewAccount {
            role,
            email: email.clone(),
            info,
            manager_id,
            partner_id: None,
            organization: None,
            created_by: None,
            profile_png: None,
            invited_by: invited_by.to_owned(),
            client_ip: None,
        },
        config.public_base(),
        Clock::system().now(),
    )
    .await;
    match result {
        Ok(created) => Ok(created),
        Err(CreateAccountError::EmailTaken) => {
            bail!(
                "an account with the email {} already exists",
                email.as_str()
            )
        }
        Err(CreateAccountError::Unexpected(err)) => Err(err),
    }
}

fn print_created(what: &str, email: &str, created: &invite::Created) {
    println!("Created {what} {email} (pending activation); the activation email is queued.");
    println!(
        "Activation link, valid until {}:",
        datetime_utc(created.expires_at)
    );
    println!("{}", created.activation_link);
}
