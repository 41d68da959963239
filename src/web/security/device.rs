//! A readable name for the device of a session ("Chrome on Linux", "Safari on iPhone") from its
//! User-Agent header, so the session list reads like a list of devices, not of header values.

use std::sync::LazyLock;

use woothee::parser::Parser;

static PARSER: LazyLock<Parser> = LazyLock::new(Parser::new);

/// woothee's name for what it could not tell.
const UNKNOWN: &str = "UNKNOWN";

/// "Browser on system", the system left out when the header does not say it.
pub fn device_name(user_agent: &str) -> String {
    let Some(found) = PARSER.parse(user_agent) else {
        return "Unknown browser".into();
    };
    let browser = match found.name {
        UNKNOWN => "Unknown browser",
        // Automated and headless Chromium say so in their header; to a person it is Chrome.
        "HeadlessChrome" => "Chrome",
        // curl, wget, language HTTP clients: woothee's generic name reads oddly to a person.
        "HTTP Library" => return "Script or app".into(),
        name => name,
    };
    let system = match found.os {
        UNKNOWN => return browser.to_owned(),
        "Mac OSX" => "macOS",
        "iPhone" | "iPad" | "iPod" | "Android" | "Linux" | "ChromeOS" => found.os,
        os if os.starts_with("Windows") => "Windows",
        os => os,
    };
    format!("{browser} on {system}")
}

#[cfg(test)]
mod tests {
    use super::device_name;

    #[test]
    fn common_browsers_read_as_browser_on_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(device_name(header), expected, "{header}");
        }
    }

    #[test]
    fn a_missing_header_says_unknown_browser_and_a_program_says_so() {
        assert_eq!(device_name(""), "Unknown browser");
        assert_eq!(device_name("curl/8.5.0"), "Script or app");
        assert_eq!(device_name("something odd"), "Unknown browser");
    }
}
