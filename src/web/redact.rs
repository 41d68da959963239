//! Paths as they may appear in logs: the token of an activation or password-reset link is a
//! live credential, so it is cut out of every logged path (request spans, refusals, errors).

use std::borrow::Cow;

/// Routes whose next path segment is a secret token.
const TOKEN_PREFIXES: [&str; 2] = ["/activate/", "/reset-password/"];
const MARK: &str = "[redacted]";

/// `path` with the token segment of `/activate/{token}` and `/reset-password/{token}` replaced
/// by `[redacted]`; every other path unchanged.
pub fn path(path: &str) -> Cow<'_, str> {
    for prefix in TOKEN_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() {
                break;
            }
            // Keep whatever follows the token (e.g. a sub-route), never the token itself.
            let tail = rest.find('/').map_or("", |end| &rest[end..]);
            return Cow::Owned(format!("{prefix}{MARK}{tail}"));
        }
    }
    Cow::Borrowed(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_segments_are_cut_out() {
        assert_eq!(path("/activate/abc123"), "/activate/[redacted]");
        assert_eq!(path("/reset-password/xyz-_9"), "/reset-password/[redacted]");
        assert_eq!(
            path("/reset-password/xyz/more"),
            "/reset-password/[redacted]/more"
        );
    }

    #[test]
    fn other_paths_are_kept() {
        for kept in [
            "/",
            "/login",
            "/activate/",
            "/partner/customers/42",
            "/activated/x",
        ] {
            assert_eq!(path(kept), kept);
        }
    }
}
