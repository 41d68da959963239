//! The layout check of every browser step (`layout_check.js`): squeezed text, elements sticking
//! out of their card or table, identifiers, amounts and dates that wrap, headings set right
//! under a box. axe-core and "no page wider than the screen" did not notice a dashboard laying
//! an email out one letter per line, so every step measures the page as a person would see it.

use base64::Engine;

use super::Browser;

const CHECK: &str = include_str!("layout_check.js");

impl Browser {
    /// What the layout check finds on the current page, one sentence per problem.
    pub async fn layout_problems(&self) -> Vec<String> {
        let found = self.client().execute(CHECK, vec![]).await.unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// Fails the step, naming each element and its text, when the layout check finds anything.
    pub(super) async fn assert_layout(&self, name: &str) {
        let problems = self.layout_problems().await;
        assert!(
            problems.is_empty(),
            "{name}: at {} px {} has layout problems:\n  {}",
            self.width,
            self.path().await,
            problems.join("\n  ")
        );
    }
}

/// A page with exactly one of each problem, beside look-alikes that are fine: a wide table that
/// scrolls inside its card, an amount that fits, a long paragraph that wraps normally, a label
/// only screen readers get, a heading with room above its box.
const FIXTURE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Layout check fixture</title>
<style>
  body { font: 16px/1.5 sans-serif; margin: 0; }
  main { display: block; width: 900px; padding: 16px; }
  .card { border: 1px solid #888; padding: 16px; margin-bottom: 16px; }
  .table-scroll { overflow-x: auto; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0,0,0,0); }
  .tight { display: grid; grid-template-columns: 200px 16px; }
  .tight dd { margin: 0; overflow-wrap: anywhere; }
  h2 { margin: 0 0 8px; }
  .spaced { margin-top: 24px; }
</style></head>
<body><main>
  <section class="card" id="squeezed"><dl class="tight"><dt>Email</dt><dd>it@acme-logistics.example</dd></dl></section>
  <div class="card" id="overflow" style="width: 300px">
    <table><tr><td>YP-001004</td><td style="white-space: nowrap">Cloud PBX Ultimate Plan, 25 extensions, annual</td></tr></table>
  </div>
  <div class="card" style="width: 300px"><div class="table-scroll">
    <table><tr><td>YP-001005</td><td style="white-space: nowrap">Cloud PBX Enterprise Plan, 20 extensions, annual</td></tr></table>
  </div></div>
  <div class="card">
    <p style="width: 70px">Total <span class="amount" id="wrapped">USD 5,400.00</span></p>
    <p>Total <span class="amount">USD 1,512.00</span> <time>2026-12-01</time></p>
    <p style="width: 200px">A longer sentence that wraps over several lines, as sentences do.</p>
    <span class="visually-hidden">A label that only screen readers announce</span>
  </div>
  <div class="card" style="margin-bottom: 0">No subscriptions yet.</div>
  <h2 id="cramped">Licences from your partner</h2>
  <div class="card">No licences yet.</div>
  <h2 class="spaced">Your account</h2>
</main></body></html>"#;

#[tokio::test]
async fn the_layout_check_names_a_squeezed_text_an_overflowing_table_a_wrapped_amount_and_a_cramped_heading(
) {
    let browser = Browser::start("layout-check", 1280, "http://127.0.0.1:9").await;
    let html = base64::engine::general_purpose::STANDARD.encode(FIXTURE);
    browser.goto(&format!("data:text/html;base64,{html}")).await;

    let problems = browser.layout_problems().await;

    assert_eq!(
        problems.len(),
        4,
        "exactly the four planted problems: {problems:#?}"
    );
    assert!(
        problems[0].starts_with("sticks out: main > div#overflow.card > table")
            && problems[0].contains("YP-001004")
            && problems[0].contains("beyond the right edge of its div#overflow.card"),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("squeezed: \"it@acme-logistics.example\" in")
            && problems[1].contains("dl.tight > dd")
            && problems[1].contains("25 characters on"),
        "{problems:#?}"
    );
    assert!(
        problems[2].starts_with("wraps: \"USD 5,400.00\" in")
            && problems[2].contains("span#wrapped.amount is on 2 lines"),
        "{problems:#?}"
    );
    assert!(
        problems[3].starts_with("cramped: the heading \"Licences from your partner\" in")
            && problems[3].contains("h2#cramped is 0 px below its div.card"),
        "{problems:#?}"
    );
    browser.close().await;
}
