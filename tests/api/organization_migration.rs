//! The migration that turns each single-account partner into an organization, run on a database
//! that holds the previous schema's data: every existing row keeps working and each partner
//! becomes its organization's Owner.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::earlier_schema::{database_before, insert_accounts, EarlierAccount};
use crate::helpers::spawn_app_over;
use crate::smtp::SmtpSink;

/// The first migration of partner organizations; everything before it is the previous schema.
const ORGANIZATIONS: i64 = 20261207000011;

/// A database at the schema just before organizations, holding a manager, a partner with a
/// customer and an audit entry, and a customer approved as a partner.
async fn previous_schema_with_data(name: &str) -> [Uuid; 4] {
    let mut conn = database_before(name, ORGANIZATIONS).await;
    let [manager, partner, customer, reseller] = [(); 4].map(|_| Uuid::new_v4());
    let account = |id, role, email, first_name, company| EarlierAccount {
        id,
        role,
        email,
        first_name,
        company,
        ..EarlierAccount::default()
    };
    insert_accounts(
        &mut conn,
        &[
            account(manager, "manager", "manager@old.test", "Mona", "Yeastar"),
            EarlierAccount {
                manager_id: Some(manager),
                ..account(
                    partner,
                    "partner",
                    "partner@old.test",
                    "Paul",
                    "Old Partner Ltd",
                )
            },
            EarlierAccount {
                partner_id: Some(partner),
                ..account(
                    customer,
                    "customer",
                    "customer@old.test",
                    "Cara",
                    "Client GmbH",
                )
            },
            EarlierAccount {
                manager_id: Some(manager),
                partner_id: Some(partner),
                partner_access: true,
                ..account(
                    reseller,
                    "customer",
                    "reseller@old.test",
                    "Rita",
                    "Resell AG",
                )
            },
        ],
    )
    .await;
    sqlx::query(
        "insert into audit_log (id, at, actor_id, action, target_id, partner_id, details) \
         values ($1, now(), $2, 'customer.updated', $3, $2, '{\"changes\": {}}')",
    )
    .bind(Uuid::new_v4())
    .bind(partner)
    .bind(customer)
    .execute(&mut conn)
    .await
    .unwrap();
    [manager, partner, customer, reseller]
}

#[tokio::test]
async fn single_account_partners_become_the_owners_of_their_organizations() {
    let name = format!("yp_test_{}", Uuid::new_v4().simple());
    let [_, partner, customer, reseller] = previous_schema_with_data(&name).await;
    let app = spawn_app_over(name, SmtpSink::start().await, |_| {}).await;

    let owners: Vec<(Uuid, Uuid)> =
        sqlx::query_as("select id, owner_id from organizations order by created_at, id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut expected = vec![(partner, partner), (reseller, reseller)];
    expected.sort();
    let mut owners_sorted = owners.clone();
    owners_sorted.sort();
    assert_eq!(
        owners_sorted, expected,
        "each partner founds one organization"
    );
    let members: Vec<(Uuid, Option<Uuid>, Vec<String>)> =
        sqlx::query_as("select id, organization_id, permissions from accounts where id = any($1)")
            .bind(vec![partner, customer, reseller])
            .fetch_all(&app.db)
            .await
            .unwrap();
    for (id, organization, permissions) in members {
        if id == customer {
            assert_eq!(
                (organization, permissions.len()),
                (None, 0),
                "a customer joins none"
            );
        } else {
            assert_eq!(organization, Some(id));
            assert_eq!(permissions.len(), 6, "the Owner holds every permission");
        }
    }

    // The partner signs in as before and finds its customers, its log and itself as Owner.
    let browser = app.signed_in_as("partner@old.test").await;
    let (status, list) = app.get_html(&browser, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("customer@old.test") && list.contains("reseller@old.test"));
    let (_, audit) = app.get_html(&browser, "/partner/audit").await;
    assert!(
        audit.contains("Paul Old"),
        "the old entry still names its actor"
    );
    let (_, colleagues) = app.get_html(&browser, "/partner/colleagues").await;
    assert!(colleagues.contains("partner@old.test") && colleagues.contains(">Owner</span>"));
    // A colleague can join the migrated organization, and the approved customer's portal works.
    app.add_colleague(&browser, "new@old.test", &["customers"])
        .await;
    let reseller_browser = app.signed_in_as("reseller@old.test").await;
    let (status, _) = app.get_html(&reseller_browser, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK);
    let manager = app.signed_in_as("manager@old.test").await;
    let (_, partners) = app.get_html(&manager, "/manager/partners").await;
    assert_eq!(partners.matches("data-label=\"Company\"").count(), 2);
}
