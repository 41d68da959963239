//! The partner's customer search over more customers than its first steps look at (the list's
//! first 1,000, then its first 10,000 for a term found a few times in the first 1,000):
//! frequent, middling, rare and absent terms find exactly the partner's matching customers, in
//! order, page after page, whether they are among the newest or beyond them.

use uuid::Uuid;

use crate::helpers::list_pages::walk;
use crate::helpers::TestApp;

/// `count` customers of `partner`, one a second back in time from now (`i` = 1 is the newest),
/// each with the email `format(email, i)` and the company `companies`, an SQL expression of `i`
/// and the count (`$2`) that decides which share a term matches.
async fn insert_customers(app: &TestApp, partner: Uuid, count: i32, email: &str, companies: &str) {
    sqlx::query(&format!(
        "insert into accounts (id, role, status, email, first_name, last_name, company, \
           partner_id, created_at, updated_at) \
         select gen_random_uuid(), 'customer', 'pending_activation', \
           format($3, i), 'Pat', 'Lee' || i, {companies}, \
           $1, now() - i * interval '1 second', now() \
         from generate_series(1, $2) as i"
    ))
    .bind(partner)
    .bind(count)
    .bind(email)
    .execute(&app.db)
    .await
    .unwrap();
}

/// `count` customers of `partner` at `domain`: every 13th is an "Acme", every 60th a "Beacon",
/// the oldest 40th ones a "Zephyr" and every 10th beyond the newest thousand a "Harbor" (none
/// among the newest thousand, more than a page beyond them), and one a "Quill".
async fn many_customers(app: &TestApp, partner: Uuid, count: i32, domain: &str) {
    let companies = "case when i = 777 then 'Quill Studio' \
                when i > $2 - 500 and i % 40 = 0 then 'Zephyr Air' \
                when i > 1000 and i % 10 = 5 then 'Harbor Freight' \
                when i % 13 = 0 then 'Acme Freight' \
                when i % 60 = 0 then 'Beacon Media' else 'Other Works' end";
    insert_customers(app, partner, count, &format!("c%s@{domain}"), companies).await;
}

/// The partner's customers matching `term`, emails in the list's order for `sort`.
async fn expected(app: &TestApp, partner: Uuid, term: &str, sort: &str) -> Vec<String> {
    let order = match sort {
        "name" => "lower(first_name || ' ' || last_name), id",
        _ => "created_at desc, id desc",
    };
    sqlx::query_scalar(&format!(
        "select email from accounts where partner_id = $1 and role = 'customer' \
           and lower(first_name || ' ' || last_name || ' ' || company || ' ' || email) \
             like '%' || $2 || '%' \
         order by {order}"
    ))
    .bind(partner)
    .bind(term)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Each search, walked page by page through the list, shows the emails [`expected`] gives.
async fn finds_what_sql_finds(
    app: &TestApp,
    browser: &reqwest::Client,
    partner: Uuid,
    searches: &[(&str, &str)],
) {
    for (term, sort) in searches {
        let want = expected(app, partner, term, sort).await;
        let path = format!("/partner/customers?q={term}&sort={sort}");
        let seen = walk(app, browser, &path, "Email").await;
        assert_eq!(seen, want, "{path}");
    }
}

#[tokio::test]
async fn searches_over_more_customers_than_the_first_step_reads_find_every_match_in_order() {
    let app = crate::helpers::spawn_app().await;
    let (_, partner) = app.partner("p@search.test").await;
    let (_, other) = app.partner("p@other-search.test").await;
    many_customers(&app, partner.0, 1_500, "search.test").await;
    // Another partner's customers match the same terms and never show.
    many_customers(&app, other.0, 300, "other-search.test").await;
    let browser = app.signed_in_as("p@search.test").await;

    let searches = [
        ("acme", "newest"),
        ("beacon", "newest"),
        ("zephyr", "newest"),
        ("quill", "newest"),
        ("nothing-like-this", "newest"),
        ("zephyr", "name"),
        ("beacon", "name"),
        ("harbor", "newest"),
        ("harbor", "name"),
        // The trigram index is asked for the digits; the whole term is checked on the rows it
        // finds beyond the walk (c1127 and c1270 to c1279 have "127" too).
        ("c127@", "newest"),
    ];
    finds_what_sql_finds(&app, &browser, partner.0, &searches).await;
    let acme = expected(&app, partner.0, "acme", "newest").await;
    assert!(acme.len() > 100, "a frequent term: {}", acme.len());
    let harbor = expected(&app, partner.0, "harbor", "newest").await;
    assert!(
        harbor.len() > 26,
        "more than a page, all beyond the newest thousand: {}",
        harbor.len()
    );
    assert_eq!(expected(&app, partner.0, "c127@", "newest").await.len(), 1);
    let zephyr = expected(&app, partner.0, "zephyr", "newest").await;
    assert!(
        (5..26).contains(&zephyr.len()),
        "a rare term, all beyond the newest thousand: {}",
        zephyr.len()
    );
}

/// `count` customers of `partner` ([`insert_customers`]) where every 60th is a "Beacon" (a few
/// in every thousand, so a search walks on past the first thousand) and "Delta" has 5 among the
/// newest thousand, the last of them the 1,000th, and the rest beyond the newest 10,500 (its
/// page needs all three steps), and one on each side of each step's edge: the 1,001st (the
/// first the longer walk checks), the 10,000th (its last) and the 10,001st (the first beyond).
async fn middling_customers(app: &TestApp, partner: Uuid, count: i32) {
    let companies = "case when (i <= 1000 and i % 200 = 0) or i in (1001, 10000, 10001) \
                  or (i > 10500 and i % 50 = 0) then 'Delta Optics' \
                when i % 60 = 0 then 'Beacon Media' else 'Other Works' end";
    insert_customers(app, partner, count, "m%s@middling.test", companies).await;
}

#[tokio::test]
async fn a_term_found_a_few_times_among_the_newest_thousand_finds_every_match_in_order() {
    let app = crate::helpers::spawn_app().await;
    let (_, partner) = app.partner("p@middling.test").await;
    middling_customers(&app, partner.0, 12_000).await;
    let browser = app.signed_in_as("p@middling.test").await;

    let searches = [
        ("beacon", "newest"),
        ("beacon", "name"),
        ("delta", "newest"),
        ("delta", "name"),
        ("delta optics", "newest"),
    ];
    finds_what_sql_finds(&app, &browser, partner.0, &searches).await;
    // No customer here has a link, so each is listed as "Link expired": the filter walks too.
    let want = expected(&app, partner.0, "delta", "newest").await;
    let seen = walk(
        &app,
        &browser,
        "/partner/customers?q=delta&status=link_expired",
        "Email",
    )
    .await;
    assert_eq!(seen, want, "delta, link expired");

    let beacon = expected(&app, partner.0, "beacon", "newest").await;
    assert_eq!(
        beacon.len(),
        194,
        "every 60th not a Delta: 15 among the newest thousand"
    );
    let delta = expected(&app, partner.0, "delta", "newest").await;
    assert_eq!(
        delta.len(),
        38,
        "5 among the newest thousand, 3 at the steps' edges, 30 beyond the newest 10,500"
    );
}

#[tokio::test]
async fn a_customer_is_found_by_the_company_it_has_now_not_the_one_it_had() {
    let app = crate::helpers::spawn_app().await;
    let (_, partner) = app.partner("p@renamed.test").await;
    let customer = app.customer_of(partner, "c@renamed.test").await;
    let browser = app.signed_in_as("p@renamed.test").await;
    let path = format!("/partner/customers/{customer}/edit");
    let csrf = app.csrf_for(&browser, &path).await;
    let saved = app
        .post_form(
            &browser,
            &path,
            &[
                ("csrf_token", csrf.as_str()),
                ("first_name", "Test"),
                ("last_name", "Customer"),
                ("company", "Northwind Harbour Pilots"),
                ("phone", ""),
                ("country", "DE"),
                ("address", ""),
                ("city", ""),
                ("state", ""),
                ("postcode", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), reqwest::StatusCode::SEE_OTHER);
    let found = walk(
        &app,
        &browser,
        "/partner/customers?q=harbour+pilots",
        "Email",
    )
    .await;
    assert_eq!(found, ["c@renamed.test"]);
    let old = walk(
        &app,
        &browser,
        "/partner/customers?q=renamed.test+ltd",
        "Email",
    )
    .await;
    assert!(
        old.is_empty(),
        "the old company is no longer found: {old:?}"
    );
}
