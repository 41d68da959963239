//! Browser journeys: headless Chromium driven over WebDriver (chromedriver) against the same
//! `spawn_app` as the HTTP tests. Every step saves a screenshot under
//! `target/screenshots/<journey>/`, runs the layout check (`layout.rs`: squeezed text, elements
//! sticking out of their card, identifiers, amounts and dates that wrap) and axe-core on the page;
//! a layout problem or a serious or critical accessibility violation fails the test.

mod actions;
mod audit;
mod central;
mod cluster;
mod colleagues;
mod driver;
mod errors;
mod journeys;
mod layout;
mod lists;
mod manager;
mod purchase;
mod self_service;
mod steps;
mod time_zone;
mod two_factor;

use driver::start_driver;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// Widths every journey runs at: a laptop, a small laptop and a small phone.
pub const WIDTHS: [u32; 3] = [1280, 1024, 375];

/// The header is one row at every width: the main navigation on a desktop, the compact menu
/// on a phone (the customer's navigation once took ~460 of a phone's 812 px).
const HEADER_MAX_PX: f64 = 80.0;

pub struct Browser {
    client: Option<Client>,
    driver: Child,
    profile: PathBuf,
    shots: PathBuf,
    base_url: String,
    width: u32,
    step: u32,
    pub audits: Vec<String>,
}

fn axe_source() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci --prefix tests/a11y` (scripts/test.sh does)",
            path.display()
        )
    })
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium `width` pixels wide.
    pub async fn start(journey: &str, width: u32, base_url: &str) -> Self {
        let (driver, port) = start_driver();
        let profile = std::env::temp_dir().join(format!("yp-chromium-{}", uuid::Uuid::new_v4()));
        let height = if width < 600 { 812 } else { 900 };
        let mut capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--disable-sync", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={width},{height}"),
                ]
            }
        });
        if width < 600 {
            // A desktop window cannot be narrower than ~500 px; emulate the phone's viewport.
            capabilities["goog:chromeOptions"]["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0 } });
        }
        let webdriver = format!("http://127.0.0.1:{port}");
        let mut client = None;
        for _ in 0..100 {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(capabilities.as_object().unwrap().clone());
            match builder.connect(&webdriver).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let client = client.expect("chromedriver started a Chromium session");

        let shots = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/screenshots")
            .join(journey)
            .join(format!("{width}px"));
        // Start from an empty folder, so every screenshot in it is from this run (a renumbered
        // step must not leave an old picture beside the new one).
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            client: Some(client),
            driver,
            profile,
            shots,
            base_url: base_url.to_owned(),
            width,
            step: 0,
            audits: Vec::new(),
        }
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    pub async fn goto(&self, path_or_url: &str) {
        let url = if path_or_url.starts_with("http") || path_or_url.starts_with("data:") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base_url)
        };
        self.client().goto(&url).await.unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client().current_url().await.unwrap();
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        path
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client().find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        let select = self.client().find(Locator::Css(css)).await.unwrap();
        select.select_by_value(value).await.unwrap();
    }

    /// Clicks something that leads to another page and waits until that page has loaded.
    pub async fn click(&self, css: &str) {
        // A marker on the current document: it is gone once a new document has loaded.
        self.client()
            .execute("window.__stillHere = true", vec![])
            .await
            .unwrap();
        self.press(css).await;
        for _ in 0..400 {
            let state = self
                .client()
                .execute(
                    "return window.__stillHere === undefined && document.readyState",
                    vec![],
                )
                .await;
            if matches!(state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("clicking {css} did not load a new page within 10 s");
    }

    /// Clicks something that stays on the page (a radio button, a menu).
    pub async fn press(&self, css: &str) {
        let element = self.client().find(Locator::Css(css)).await.unwrap();
        element.click().await.unwrap();
    }

    /// Waits (up to 5 s) until the browser shows `expected` (path and query).
    pub async fn expect_path(&self, expected: &str) {
        for _ in 0..200 {
            if self.path().await == expected {
                self.settle().await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "expected to be on {expected}, still on {}: {}",
            self.path().await,
            self.text().await
        );
    }

    /// Waits until the current document has finished loading.
    async fn settle(&self) {
        for _ in 0..200 {
            let state = self
                .client()
                .execute("return document.readyState", vec![])
                .await;
            if matches!(state, Ok(Value::String(s)) if s == "complete") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        // A document replaced while reading makes the element stale: read the new one.
        for _ in 0..20 {
            if let Ok(body) = self.client().find(Locator::Css("body")).await {
                if let Ok(text) = body.text().await {
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("could not read the page text");
    }

    pub async fn text_of(&self, css: &str) -> String {
        let element = self.client().find(Locator::Css(css)).await.unwrap();
        element.text().await.unwrap()
    }

    /// Scrolls the element into view, so the next step's screenshot shows that part of a long
    /// page.
    pub async fn scroll_to(&self, css: &str) {
        let found = self
            .client()
            .execute(
                "const e = document.querySelector(arguments[0]); \
                 if (e) { e.scrollIntoView({ block: 'start' }); } return !!e;",
                vec![json!(css)],
            )
            .await
            .unwrap();
        assert_eq!(found.as_bool(), Some(true), "the page has {css}");
    }

    /// Saves a screenshot of this step and audits the page with axe-core.
    pub async fn step(&mut self, name: &str) {
        self.step += 1;
        let viewport = self
            .client()
            .execute("return window.innerWidth", vec![])
            .await
            .unwrap();
        if viewport.as_u64() != Some(u64::from(self.width)) {
            // Name what sticks out, so a layout bug is easy to find.
            let wider = self
                .client()
                .execute(
                    "return [...document.querySelectorAll('body *')].filter(e => \
                     e.getBoundingClientRect().right > arguments[0] + 1 && !e.closest('thead')).slice(0, 6).map(e => \
                     e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
                    vec![json!(self.width)],
                )
                .await
                .unwrap();
            panic!(
                "{name}: the page is {viewport} px wide, not {} px; too wide: {wider}",
                self.width
            );
        }
        assert_eq!(
            viewport.as_u64(),
            Some(u64::from(self.width)),
            "the viewport is {} px wide",
            self.width
        );
        self.assert_header_is_one_row(name).await;
        let png = self.client().screenshot().await.unwrap();
        let file = self.shots.join(format!("{:02}-{name}.png", self.step));
        std::fs::write(&file, png).unwrap();
        self.assert_layout(name).await;
        self.audit(name).await;
    }

    async fn assert_header_is_one_row(&self, name: &str) {
        let header = self
            .client()
            .execute(
                "const h = document.querySelector('header.topbar'); \
                 const rows = new Set([...document.querySelectorAll('nav.portal-nav li')] \
                   .filter(li => li.offsetParent).map(li => Math.round(li.getBoundingClientRect().top))); \
                 const nav = document.querySelector('nav.portal-nav'); \
                 const cut = !!(nav && nav.offsetParent && nav.firstElementChild.scrollWidth > nav.clientWidth + 1); \
                 return h ? [h.getBoundingClientRect().height, rows.size, cut] : [0, 0, false]",
                vec![],
            )
            .await
            .unwrap();
        let height = header[0].as_f64().unwrap();
        assert!(
            height <= HEADER_MAX_PX && header[1].as_u64().unwrap() <= 1,
            "{name}: at {} px the header is {height} px high, its navigation in {} rows",
            self.width,
            header[1]
        );
        assert_eq!(
            header[2].as_bool(),
            Some(false),
            "{name}: at {} px the navigation row is cut off",
            self.width
        );
    }

    async fn audit(&mut self, name: &str) {
        self.client().execute(&axe_source(), vec![]).await.unwrap();
        let result = self
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(JSON.stringify(r.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' ')) })))))
                    .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }])));",
                vec![],
            )
            .await
            .unwrap();
        let violations: Vec<Value> = serde_json::from_str(result.as_str().unwrap()).unwrap();
        let blocking: Vec<&Value> = violations
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        let page = self.path().await;
        self.audits.push(format!(
            "{page} ({name}): {} violations, {} serious/critical",
            violations.len(),
            blocking.len()
        ));
        assert!(
            blocking.is_empty(),
            "axe found serious/critical violations on {page} ({name}): {}",
            serde_json::to_string_pretty(&blocking).unwrap()
        );
    }

    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
        let report = self.shots.join("axe.txt");
        let _ = std::fs::write(report, self.audits.join("\n") + "\n");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // A failed test never reached close(): make sure its Chromium goes too.
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.profile.display().to_string())
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
