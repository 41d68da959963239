//! `seed-demo`: a populated portal for a newcomer — a manager, two partners, and customers that
//! are active, pending with a valid link, and pending with an expired link.

use anyhow::Context;
use sqlx::PgPool;
use time::Duration;

use crate::accounts::model::{AccountId, AccountInfo, Email, Role};
use crate::accounts::{self, store as account_store, NewAccount};
use crate::activation;
use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::config::Config;

/// Printed for the newcomer; only ever set on demo accounts.
pub const DEMO_PASSWORD: &str = "Demo-Portal-2026";
const MANAGER_EMAIL: &str = "manager@demo.yeastar.example";

struct Person<'a> {
    email: &'a str,
    first: &'a str,
    last: &'a str,
    company: &'a str,
    country: &'a str,
    city: &'a str,
}

const PARTNERS: [Person<'static>; 2] = [
    Person {
        email: "partner@northwind.example",
        first: "Nora",
        last: "Winters",
        company: "Northwind Telecom",
        country: "DE",
        city: "Hamburg",
    },
    Person {
        email: "partner@bluesky.example",
        first: "Ben",
        last: "Sky",
        company: "BlueSky Networks",
        country: "GB",
        city: "Leeds",
    },
];

/// (partner index, customer, state) — "active", "pending" (valid link) or "expired".
const CUSTOMERS: [(usize, Person<'static>, &str); 8] = [
    (
        0,
        Person {
            email: "it@acme-logistics.example",
            first: "Alice",
            last: "Martin",
            company: "Acme Logistics",
            country: "DE",
            city: "Bremen",
        },
        "active",
    ),
    (
        0,
        Person {
            email: "office@fjord-dental.example",
            first: "Lars",
            last: "Berg",
            company: "Fjord Dental",
            country: "NO",
            city: "Bergen",
        },
        "active",
    ),
    (
        0,
        Person {
            email: "admin@rivera-legal.example",
            first: "Sofia",
            last: "Rivera",
            company: "Rivera Legal",
            country: "ES",
            city: "Madrid",
        },
        "active",
    ),
    (
        0,
        Person {
            email: "ops@kite-hotels.example",
            first: "Hana",
            last: "Sato",
            company: "Kite Hotels",
            country: "JP",
            city: "Osaka",
        },
        "pending",
    ),
    (
        0,
        Person {
            email: "it@old-mill.example",
            first: "Tom",
            last: "Baker",
            company: "Old Mill Bakery",
            country: "GB",
            city: "York",
        },
        "expired",
    ),
    (
        1,
        Person {
            email: "it@harbour-clinic.example",
            first: "Grace",
            last: "Obi",
            company: "Harbour Clinic",
            country: "IE",
            city: "Cork",
        },
        "active",
    ),
    (
        1,
        Person {
            email: "hello@pixel-studio.example",
            first: "Marc",
            last: "Dubois",
            company: "Pixel Studio",
            country: "FR",
            city: "Lyon",
        },
        "pending",
    ),
    (
        1,
        Person {
            email: "team@greenfield.example",
            first: "Ivy",
            last: "Chen",
            company: "Greenfield Farms",
            country: "NZ",
            city: "Hamilton",
        },
        "expired",
    ),
];

fn info(p: &Person<'_>) -> AccountInfo {
    AccountInfo {
        first_name: p.first.into(),
        last_name: p.last.into(),
        company: p.company.into(),
        phone: "+49 40 1234567".into(),
        country: Some(p.country.into()),
        address: "1 Example Street".into(),
        city: p.city.into(),
        state: String::new(),
        postcode: "10001".into(),
    }
}

async fn add(
    pool: &PgPool,
    config: &Config,
    hasher: &PasswordHasher,
    clock: &Clock,
    new: NewAccount,
    state: &str,
) -> anyhow::Result<(AccountId, String)> {
    let now = match state {
        // Created three days ago, so its 48-hour link has expired.
        "expired" => clock.now() - Duration::days(3),
        _ => clock.now(),
    };
    let created = accounts::create_pending_account(pool, new, config.public_base(), now)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if state == "active" {
        let token = created
            .activation_link
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let hash = hasher.hash(DEMO_PASSWORD.to_owned()).await?;
        activation::activate(pool, token, &hash, clock.now()).await?;
    }
    Ok((created.id, created.activation_link))
}

pub async fn seed(pool: &PgPool, config: &Config, clock: &Clock) -> anyhow::Result<()> {
    if account_store::find_by_email(pool, MANAGER_EMAIL)
        .await?
        .is_some()
    {
        println!("The demo data is already there (sign in as {MANAGER_EMAIL} / {DEMO_PASSWORD}).");
        return Ok(());
    }
    let hasher = PasswordHasher::new()?;
    let email = |e: &str| {
        Email::parse(e)
            .map_err(anyhow::Error::msg)
            .context("demo email")
    };
    let (manager_id, _) = add(
        pool,
        config,
        &hasher,
        clock,
        NewAccount {
            role: Role::Manager,
            email: email(MANAGER_EMAIL)?,
            info: AccountInfo {
                company: "Yeastar".into(),
                ..info(&Person {
                    email: "",
                    first: "Morgan",
                    last: "Lee",
                    company: "",
                    country: "CN",
                    city: "Xiamen",
                })
            },
            manager_id: None,
            partner_id: None,
            created_by: None,
            profile_png: None,
            invited_by: "Yeastar".into(),
            client_ip: None,
        },
        "active",
    )
    .await?;
    let mut partner_ids = Vec::new();
    for partner in &PARTNERS {
        let (id, _) = add(
            pool,
            config,
            &hasher,
            clock,
            NewAccount {
                role: Role::Partner,
                email: email(partner.email)?,
                info: info(partner),
                manager_id: Some(manager_id),
                partner_id: None,
                created_by: Some(manager_id),
                profile_png: None,
                invited_by: "Yeastar (your account manager Morgan Lee)".into(),
                client_ip: None,
            },
            "active",
        )
        .await?;
        partner_ids.push(id);
    }
    let mut pending_links = Vec::new();
    for (partner, customer, state) in &CUSTOMERS {
        let (_, link) = add(
            pool,
            config,
            &hasher,
            clock,
            NewAccount {
                role: Role::Customer,
                email: email(customer.email)?,
                info: info(customer),
                manager_id: None,
                partner_id: Some(partner_ids[*partner]),
                created_by: Some(partner_ids[*partner]),
                profile_png: None,
                invited_by: format!("{} (your Yeastar partner)", PARTNERS[*partner].company),
                client_ip: None,
            },
            state,
        )
        .await?;
        if *state == "pending" {
            pending_links.push((customer.email, link));
        }
    }
    println!("Demo data created. Every active demo account uses the password {DEMO_PASSWORD}");
    println!();
    println!("  account manager  {MANAGER_EMAIL}");
    for partner in &PARTNERS {
        println!(
            "  partner          {}  ({})",
            partner.email, partner.company
        );
    }
    for (_, customer, state) in &CUSTOMERS {
        println!("  customer         {}  ({state})", customer.email);
    }
    println!();
    println!("Pending customers can activate with these links (valid for 48 hours):");
    for (email, link) in pending_links {
        println!("  {email}: {link}");
    }
    Ok(())
}
