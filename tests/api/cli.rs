//! The operator CLI: clear messages and a non-zero exit on bad arguments, never a panic.

use std::process::{Command, Output};

use crate::helpers::spawn_app;

fn run(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn bad_arguments_get_a_clear_message_and_a_non_zero_exit() {
    let app = spawn_app().await;
    let url = app.config.database_url.expose().to_owned();

    let missing_name = run(&url, &["create-manager", "ada@yeastar.test"]);
    assert!(!missing_name.status.success());
    assert!(stderr(&missing_name).contains("--name"));

    let bad_email = run(
        &url,
        &["create-manager", "not-an-email", "--name", "Ada Lovelace"],
    );
    assert!(!bad_email.status.success());
    assert!(
        stderr(&bad_email).contains("valid email address"),
        "{}",
        stderr(&bad_email)
    );

    let no_manager = run(
        &url,
        &[
            "create-partner",
            "p@x.test",
            "--company",
            "X",
            "--manager",
            "ghost@yeastar.test",
        ],
    );
    assert!(!no_manager.status.success());
    assert!(stderr(&no_manager).contains("no account manager has the email ghost@yeastar.test"));

    let ok = run(
        &url,
        &[
            "create-manager",
            "ada@yeastar.test",
            "--name",
            "Ada Lovelace",
        ],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let again = run(
        &url,
        &[
            "create-manager",
            "ADA@yeastar.test",
            "--name",
            "Ada Lovelace",
        ],
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"));

    for output in [&missing_name, &bad_email, &no_manager, &again] {
        assert!(!stderr(output).contains("panicked"));
    }
}

#[tokio::test]
async fn seed_demo_fills_a_portal_a_newcomer_can_sign_in_to() {
    let app = spawn_app().await;
    let output = run(app.config.database_url.expose(), &["seed-demo"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("Demo-Portal-2026") && stdout.contains("/activate/"));
    let states: Vec<(String, i64)> = sqlx::query_as(
        "select status::text, count(*) from accounts where role = 'customer' group by 1 order by 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        states,
        vec![("active".into(), 4), ("pending_activation".into(), 4)]
    );
    let browser = crate::helpers::client();
    let response = app
        .login(&browser, "partner@northwind.example", "Demo-Portal-2026")
        .await;
    assert_eq!(crate::helpers::location(&response), "/partner/customers");
    let (_, list) = app.get_html(&browser, "/partner/customers").await;
    assert!(
        list.contains("Link expired")
            && list.contains("Pending activation")
            && list.contains("badge-active")
    );
}
