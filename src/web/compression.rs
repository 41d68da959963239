//! `Content-Encoding` negotiation (br, gzip) for pages and static files, compressed as they are
//! sent (README, "Static files, caching and compression", has the measured cost).

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Below this a response is left alone: a kilobyte fits in a few packets either way, and the
/// small answers (the PBX API's JSON, probes, redirects) are not worth a compressor's setup.
const MIN_BYTES: u16 = 1024;

/// Compression on the fly, at tower-http's default levels: brotli 4 (the brotli crate's own
/// default, 11, took ~40 ms for the 30 KB stylesheet here; 4 takes well under a millisecond for
/// a result a fifth larger, and ~0.1 ms for a page) and gzip 6. Static files go through the same
/// layer rather than being stored compressed: they are cached for a year under hashed names, so
/// each browser fetches each one once per release, and no `.br` beside a file can go stale.
///
/// Outside `render_error_pages` and `security_headers`, so error pages are compressed as they
/// are finally written and the headers those layers set pass through unchanged (`Vary:
/// Accept-Encoding` is added to whatever could have been compressed).
pub fn layer() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Default)
        .compress_when(
            SizeAbove::new(MIN_BYTES)
                // Images (but SVG) and fonts are compressed formats already.
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::const_new("font/woff"))
                .and(NotForContentType::SSE),
        )
}

/// A page holds secrets (the session's CSRF token, a customer's details) beside text the
/// request chose (a search term). Compressed, its length could give the secret away to someone
/// who watches the encrypted traffic while making the browser send guess after guess (BREACH).
/// Such requests are started by another site, and browsers mark them (`Sec-Fetch-Site:
/// cross-site` or `same-site`): those are answered uncompressed. The portal's own links
/// (`same-origin`), a typed URL or bookmark (`none`) and clients that send no such header are
/// answered compressed.
pub async fn not_for_other_sites(mut request: Request, next: Next) -> Response {
    let from_another_site = request
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|site| !matches!(site.as_bytes(), b"same-origin" | b"none"));
    if from_another_site {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(request).await
}
