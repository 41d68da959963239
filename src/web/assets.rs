//! Files under `static/`, served under names that carry a hash of their content
//! (`url("css/app.css")` is `/static/css/app.<hash>.css`) with a year's `immutable` cache: a
//! changed file gets a new URL, so no browser keeps a stale copy and none asks again for a
//! current one.
//!
//! The hashes are computed once, when the router is built, from the very files `ServeDir`
//! serves, rather than by a build script: the name always describes the bytes this instance
//! answers with, whichever `static/` it runs beside, and there is no build step to forget. It
//! costs reading ~35 KB once. (Editing a file under a running server needs a restart, as
//! editing a template does.)

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use sha2::{Digest, Sha256};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The current name of a file: a year (the longest caches honour), and `immutable` so a reload
/// does not even revalidate it.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Any other name of a known file (unhashed, or an earlier hash): answered with the current
/// content, which may not be what the name promised, so a browser must revalidate each time.
/// Serving rather than refusing keeps pages styled during a rolling upgrade, when a page from one
/// version asks an instance of the other for its stylesheet.
const REVALIDATE: &str = "no-cache";

/// `/favicon.ico` has a fixed name: kept a day, not a year.
const FAVICON_CACHE: &str = "public, max-age=86400";

/// Hex digits of the SHA-256 kept in a name: 64 bits tell versions of one file apart.
const HASH_LEN: usize = 16;

/// The file names of `static/`, each with its current hashed name.
#[derive(Debug, Default)]
pub struct Manifest {
    /// `css/app.css` → `/static/css/app.0123456789abcdef.css`
    urls: HashMap<String, String>,
    /// `css/app.0123456789abcdef.css` → `css/app.css`
    current: HashMap<String, String>,
}

impl Manifest {
    /// Hashes every file under `dir`.
    pub fn scan(dir: &Path) -> std::io::Result<Self> {
        let mut manifest = Self::default();
        let mut files = Vec::new();
        list_files(dir, &mut files)?;
        for file in files {
            let logical = relative_name(dir, &file);
            let digest = Sha256::digest(std::fs::read(&file)?);
            let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let hashed = with_hash(&logical, &hash[..HASH_LEN]);
            manifest
                .urls
                .insert(logical.clone(), format!("/static/{hashed}"));
            manifest.current.insert(hashed, logical);
        }
        Ok(manifest)
    }

    /// The URL of a file, by its name under `static/` (`css/app.css`).
    pub fn url(&self, logical: &str) -> Option<&str> {
        self.urls.get(logical).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.urls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }

    /// The file a request path under `/static/` names, and whether the path is its current
    /// hashed name. A path that names no known file is returned as it is.
    fn resolve<'a>(&'a self, path: &'a str) -> (&'a str, bool) {
        if let Some(logical) = self.current.get(path) {
            return (logical, true);
        }
        let known = without_hash(path).and_then(|logical| self.urls.get_key_value(&logical));
        match known {
            Some((logical, _)) => (logical, false),
            None => (path, false),
        }
    }
}

/// `css/app.css` + `0123…` → `css/app.0123….css` (the hash goes before the extension, so the
/// content type guessed from the name stays the same).
fn with_hash(logical: &str, hash: &str) -> String {
    let (dir, name) = logical
        .rsplit_once('/')
        .map_or(("", logical), |(d, n)| (d, n));
    let name = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{name}.{hash}"),
    };
    if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    }
}

/// The name without a hash-shaped part (`css/app.0123….css` → `css/app.css`), if it has one.
fn without_hash(path: &str) -> Option<String> {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let mut parts: Vec<&str> = name.split('.').collect();
    let at = parts.iter().rposition(|p| {
        p.len() == HASH_LEN
            && p.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })?;
    if at == 0 {
        return None;
    }
    parts.remove(at);
    let name = parts.join(".");
    Some(if dir.is_empty() {
        name
    } else {
        format!("{dir}/{name}")
    })
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            list_files(&path, out)?;
        } else if path.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// `dir/css/app.css` → `css/app.css`, with `/` whatever the platform.
fn relative_name(dir: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(dir).unwrap_or(file);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The process's manifest, hashed on first use: templates call `url` by path, and the error
/// page is rendered outside any handler's state. It is a fact of the files on disk, the same
/// for every app in the process; `service` asks for it while the router is built, so the work
/// is done at startup.
pub fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        let dir = static_dir();
        Manifest::scan(&dir).unwrap_or_else(|error| {
            tracing::error!(%error, dir = %dir.display(),
                "static files unreadable: pages link them by their plain names");
            Manifest::default()
        })
    })
}

/// The URL of a file under `static/`, for templates:
/// `{{ crate::web::assets::url("css/app.css") }}`. A name with no file (a typo) gets its
/// plain URL, which answers 404; a unit test checks every name the templates use.
pub fn url(logical: &str) -> Cow<'static, str> {
    match manifest().url(logical) {
        Some(url) => Cow::Borrowed(url),
        None => Cow::Owned(format!("/static/{logical}")),
    }
}

/// The service nested at `/static`: the file behind a hashed name, with its cache header.
pub fn service() -> Router {
    let files = manifest();
    tracing::debug!(files = files.len(), "static files hashed");
    Router::new()
        .fallback_service(ServeDir::new(static_dir()))
        .layer(middleware::from_fn(serve_by_hashed_name))
}

async fn serve_by_hashed_name(mut request: Request, next: Next) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let (file, current) = manifest().resolve(path);
    if file != path {
        if let Ok(uri) = Uri::try_from(format!("/{file}")) {
            *request.uri_mut() = uri;
        }
    }
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let value = if current { IMMUTABLE } else { REVALIDATE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// `/favicon.ico`, which browsers ask for when a response names no icon (a JSON or text
/// download opened in a tab): the brand mark, rather than a 404.
pub fn favicon() -> Router {
    Router::new()
        .fallback_service(ServeFile::new(static_dir().join("img/brand.svg")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static(FAVICON_CACHE),
        ))
}

/// `static/` in the working directory, else the one next to the crate's sources (so `cargo run`
/// and the tests work from any directory).
fn static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.join("css").is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_goes_before_the_extension_and_comes_off_again() {
        let hash = "0123456789abcdef";
        assert_eq!(
            with_hash("css/app.css", hash),
            "css/app.0123456789abcdef.css"
        );
        assert_eq!(with_hash("robots", hash), "robots.0123456789abcdef");
        assert_eq!(
            without_hash("css/app.0123456789abcdef.css").as_deref(),
            Some("css/app.css")
        );
        assert_eq!(without_hash("css/app.css"), None);
        assert_eq!(without_hash("css/app.0123456789ABCDEF.css"), None);
    }

    #[test]
    fn every_file_gets_a_name_that_changes_with_its_content() {
        let dir = std::env::temp_dir().join(format!("assets-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("css")).unwrap();
        std::fs::write(dir.join("css/app.css"), "body { color: red }").unwrap();
        let before = Manifest::scan(&dir).unwrap();
        std::fs::write(dir.join("css/app.css"), "body { color: blue }").unwrap();
        let after = Manifest::scan(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        let (old, new) = (
            before.url("css/app.css").unwrap(),
            after.url("css/app.css").unwrap(),
        );
        assert_ne!(old, new);
        let path = new.trim_start_matches("/static/");
        assert_eq!(after.resolve(path), ("css/app.css", true));
        assert_eq!(
            after.resolve(old.trim_start_matches("/static/")),
            ("css/app.css", false)
        );
        assert_eq!(after.resolve("css/app.css"), ("css/app.css", false));
    }

    /// Every `assets::url("…")` in the templates names a file that exists, and no template
    /// spells a `/static/` URL by hand (it would never change when the file does).
    #[test]
    fn templates_link_static_files_only_through_their_hashed_urls() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = Manifest::scan(&root.join("static")).unwrap();
        let mut templates = Vec::new();
        list_files(&root.join("templates"), &mut templates).unwrap();
        let mut named = 0;
        for template in templates {
            let text = std::fs::read_to_string(&template).unwrap();
            assert!(
                !text.contains("/static/"),
                "{} spells a /static/ URL",
                template.display()
            );
            for call in text.split("assets::url(\"").skip(1) {
                let name = call.split('"').next().unwrap();
                assert!(
                    manifest.url(name).is_some(),
                    "{}: no static/{name}",
                    template.display()
                );
                named += 1;
            }
        }
        assert!(named >= 5, "the templates name {named} static files");
    }
}
