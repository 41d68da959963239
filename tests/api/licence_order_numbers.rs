//! A licence keeps a copy of its order's number for its lists: the upgrade that adds the copy
//! fills it for licences issued before, a purchase writes it, and the database refuses a copy
//! that names any number but its own order's.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::earlier_schema::{database_before, insert_accounts, EarlierAccount};
use crate::helpers::{buy, spawn_app, spawn_app_over};
use crate::smtp::SmtpSink;

/// The migration that gives each licence its order's number.
const LICENCE_ORDER_NUMBER: i64 = 20261208000020;

/// The foreign key that keeps a licence's copy equal to its order's number.
const COPY_CONSTRAINT: &str = "licenses_order_number_fkey";

/// Writes, at the schema before the copy, a partner with two orders of two licences each.
async fn partner_with_orders_before_the_copy(name: &str) {
    let mut conn = database_before(name, LICENCE_ORDER_NUMBER).await;
    let [manager, partner] = [Uuid::new_v4(), Uuid::new_v4()];
    let account = |id, role, email, manager_id| EarlierAccount {
        id,
        role,
        email,
        first_name: "Pat",
        company: "Upgrade Ltd",
        manager_id,
        ..EarlierAccount::default()
    };
    insert_accounts(
        &mut conn,
        &[
            account(manager, "manager", "manager@upgrade.test", None),
            account(partner, "partner", "partner@upgrade.test", Some(manager)),
        ],
    )
    .await;
    for (number, prefix) in [("YP-001001", "YS-AAAA"), ("YP-001002", "YS-BBBB")] {
        let order = Uuid::new_v4();
        sqlx::query(
            "insert into orders (id, number, partner_id, placed_by, plan_code, term, licenses, \
             units, currency, subtotal_minor, discount_minor, total_minor, starts_on, ends_on, \
             idempotency_key, placeholder_prices, created_at) \
             values ($1, $2, $3, $3, 'cloud_pbx_ultimate', '1y', 2, 10, 'USD', 100, 0, 100, \
             current_date, current_date + 365, $4, true, now())",
        )
        .bind(order)
        .bind(number)
        .bind(partner)
        .bind(Uuid::new_v4())
        .execute(&mut conn)
        .await
        .unwrap();
        for n in 1..=2 {
            sqlx::query(
                "insert into licenses (id, key, partner_id, order_id, product_type, plan_code, \
                 capacity, starts_on, ends_on, created_at) \
                 values ($1, $2, $3, $4, 'cloud_pbx', 'cloud_pbx_ultimate', 10, current_date, \
                 current_date + 365, now())",
            )
            .bind(Uuid::new_v4())
            .bind(format!("{prefix}-000{n}-0000-0000"))
            .bind(partner)
            .bind(order)
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
}

#[tokio::test]
async fn licences_issued_before_the_upgrade_show_their_orders_numbers_after_it() {
    let name = format!("yp_test_{}", Uuid::new_v4().simple());
    partner_with_orders_before_the_copy(&name).await;
    let app = spawn_app_over(name, SmtpSink::start().await, |_| {}).await;

    let copies: Vec<(String, String)> =
        sqlx::query_as("select l.key, l.order_number from licenses l order by l.key")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        copies,
        [
            ("YS-AAAA-0001-0000-0000", "YP-001001"),
            ("YS-AAAA-0002-0000-0000", "YP-001001"),
            ("YS-BBBB-0001-0000-0000", "YP-001002"),
            ("YS-BBBB-0002-0000-0000", "YP-001002"),
        ]
        .map(|(k, n)| (k.to_owned(), n.to_owned()))
    );
    let partner = app.signed_in_as("partner@upgrade.test").await;
    let (status, list) = app.get_html(&partner, "/partner/products/cloud_pbx").await;
    assert_eq!(status, StatusCode::OK);
    for number in ["YP-001001", "YP-001002"] {
        let shown = format!("order <span class=\"ident\">{number}</span>");
        assert_eq!(
            list.matches(&shown).count(),
            2,
            "{number} on its two licences"
        );
    }
}

#[tokio::test]
async fn a_licences_copy_of_its_order_number_cannot_name_another_order() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@copies.test").await;
    buy(&app, &partner, &[("licenses", "2")]).await;
    buy(&app, &partner, &[("licenses", "1")]).await;
    let mismatched = app
        .count(
            "select count(*) from licenses l join orders o on o.id = l.order_id \
             where l.order_number <> o.number",
        )
        .await;
    assert_eq!(
        mismatched, 0,
        "a purchase writes each licence its own order's number"
    );

    for wrong in ["YP-001002", "YP-999999"] {
        let refused = sqlx::query(
            "update licenses set order_number = $1 \
             where order_id = (select id from orders where number = 'YP-001001')",
        )
        .bind(wrong)
        .execute(&app.db)
        .await
        .expect_err(wrong);
        let constraint = refused
            .as_database_error()
            .and_then(|e| e.constraint())
            .map(str::to_owned);
        assert_eq!(constraint.as_deref(), Some(COPY_CONSTRAINT), "{wrong}");
    }
}
