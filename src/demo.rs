//! `seed-demo`: a populated portal for a newcomer — a manager, two partners, and customers that
//! are active, pending with a valid link, and pending with an expired link.

use anyhow::Context;
use sqlx::PgPool;
use time::Duration;

use crate::accounts::model::{AccountId, AccountInfo, Email, Role};
use crate::accounts::permission::{codes, TEMPLATES};
use crate::accounts::store as account_store;
use crate::activation;
use crate::activation::invite::{self, NewAccount};
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

/// Northwind's colleagues: (email, first, last, role template), all active.
pub const COLLEAGUES: [(&str, &str, &str, &str); 3] = [
    ("sales-team@northwind.example", "Sam", "Seller", "sales"),
    ("purchasing@northwind.example", "Pia", "Buyer", "purchasing"),
    ("support@northwind.example", "Sven", "Helper", "support"),
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

/// What every demo account is added with.
struct Seeder<'a> {
    pool: &'a PgPool,
    config: &'a Config,
    hasher: PasswordHasher,
    clock: &'a Clock,
}

impl Seeder<'_> {
    /// Adds the account as its creator would; `state` "active" activates it with the demo
    /// password, "expired" dates it three days back. Returns its id and activation link.
    async fn add(&self, new: NewAccount, state: &str) -> anyhow::Result<(AccountId, String)> {
        let now = match state {
            // Created three days ago, so its 48-hour link has expired.
            "expired" => self.clock.now() - Duration::days(3),
            _ => self.clock.now(),
        };
        let created =
            invite::create_pending_account(self.pool, new, self.config.public_base(), now)
                .await
                .map_err(|err| anyhow::anyhow!("{err}"))?;
        if state == "active" {
            let token = created
                .activation_link
                .rsplit('/')
                .next()
                .unwrap_or_default();
            let hash = self.hasher.hash(DEMO_PASSWORD.to_owned()).await?;
            activation::activate(self.pool, token, &hash, self.clock.now()).await?;
        }
        Ok((created.id, created.activation_link))
    }

    async fn manager(&self) -> anyhow::Result<AccountId> {
        let info = AccountInfo {
            company: "Yeastar".into(),
            ..info(&Person {
                email: "",
                first: "Morgan",
                last: "Lee",
                company: "",
                country: "CN",
                city: "Xiamen",
            })
        };
        let new = new_account(Role::Manager, MANAGER_EMAIL, info, "Yeastar".into())?;
        Ok(self.add(new, "active").await?.0)
    }

    async fn partners(&self, manager_id: AccountId) -> anyhow::Result<Vec<AccountId>> {
        let mut partner_ids = Vec::new();
        for partner in &PARTNERS {
            let invited_by = "Yeastar (your account manager Morgan Lee)".into();
            let new = NewAccount {
                manager_id: Some(manager_id),
                created_by: Some(manager_id),
                ..new_account(Role::Partner, partner.email, info(partner), invited_by)?
            };
            partner_ids.push(self.add(new, "active").await?.0);
        }
        Ok(partner_ids)
    }

    /// Adds the first partner's colleagues, each with its role template's permissions.
    async fn colleagues(&self, owner_id: AccountId) -> anyhow::Result<()> {
        let owner = account_store::find_by_id(self.pool, owner_id)
            .await?
            .context("the demo partner")?;
        for (email, first, last, template) in COLLEAGUES {
            let permissions = TEMPLATES
                .iter()
                .find(|t| t.code == template)
                .map_or(&[][..], |t| t.permissions);
            let person = Person {
                email,
                first,
                last,
                company: PARTNERS[0].company,
                country: PARTNERS[0].country,
                city: PARTNERS[0].city,
            };
            let new = NewAccount {
                client_ip: None,
                ..NewAccount::colleague_of(
                    &owner,
                    Email::parse(email).map_err(anyhow::Error::msg)?,
                    info(&person),
                    codes(permissions),
                    "",
                )
            };
            self.add(new, "active").await?;
        }
        Ok(())
    }

    /// Adds every customer; returns the activation links of those left pending.
    async fn customers(
        &self,
        partner_ids: &[AccountId],
    ) -> anyhow::Result<Vec<(&'static str, String)>> {
        let mut pending_links = Vec::new();
        for (partner, customer, state) in &CUSTOMERS {
            let invited_by = format!("{} (your Yeastar partner)", PARTNERS[*partner].company);
            let new = NewAccount {
                partner_id: Some(partner_ids[*partner]),
                created_by: Some(partner_ids[*partner]),
                ..new_account(Role::Customer, customer.email, info(customer), invited_by)?
            };
            let (_, link) = self.add(new, state).await?;
            if *state == "pending" {
                pending_links.push((customer.email, link));
            }
        }
        Ok(pending_links)
    }
}

/// A demo account of `role` with no manager, partner or creator yet.
fn new_account(
    role: Role,
    email: &str,
    info: AccountInfo,
    invited_by: String,
) -> anyhow::Result<NewAccount> {
    Ok(NewAccount {
        role,
        email: Email::parse(email)
            .map_err(anyhow::Error::msg)
            .context("demo email")?,
        info,
        manager_id: None,
        partner_id: None,
        organization: None,
        created_by: None,
        profile_png: None,
        invited_by,
        client_ip: None,
    })
}

pub async fn seed(pool: &PgPool, config: &Config, clock: &Clock) -> anyhow::Result<()> {
    if account_store::find_by_email(pool, MANAGER_EMAIL)
        .await?
        .is_some()
    {
        println!("The demo data is already there (sign in as {MANAGER_EMAIL} / {DEMO_PASSWORD}).");
        return Ok(());
    }
    let seeder = Seeder {
        pool,
        config,
        hasher: PasswordHasher::new()?,
        clock,
    };
    let manager_id = seeder.manager().await?;
    let partner_ids = seeder.partners(manager_id).await?;
    seeder.colleagues(partner_ids[0]).await?;
    let pending_links = seeder.customers(&partner_ids).await?;
    print_summary(&pending_links);
    Ok(())
}

fn print_summary(pending_links: &[(&str, String)]) {
    println!("Demo data created. Every active demo account uses the password {DEMO_PASSWORD}");
    println!();
    println!("  account manager  {MANAGER_EMAIL}");
    for partner in &PARTNERS {
        println!(
            "  partner          {}  ({})",
            partner.email, partner.company
        );
    }
    for (email, _, _, template) in COLLEAGUES {
        println!("  colleague        {email}  (Northwind Telecom, {template})");
    }
    for (_, customer, state) in &CUSTOMERS {
        println!("  customer         {}  ({state})", customer.email);
    }
    println!();
    println!("Pending customers can activate with these links (valid for 48 hours):");
    for (email, link) in pending_links {
        println!("  {email}: {link}");
    }
}

#[cfg(test)]
mod tests {
    use crate::accounts::model::FieldErrors;
    use crate::auth::password::check_new_password;

    #[test]
    fn the_demo_password_passes_the_password_policy() {
        let mut errors = FieldErrors::default();
        check_new_password(
            super::DEMO_PASSWORD,
            super::DEMO_PASSWORD,
            &["ann@example.com", "Ann", "Lee"],
            &mut errors,
        );
        assert!(errors.is_empty(), "{:?}", errors.get("password"));
    }
}
