//! chromedriver, started for each browser of a journey.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts chromedriver on a port of its own (`--port=0`) and reads the port it reports, so no
/// other process can take the port between choosing and binding it. A driver that exits
/// without reporting one (seen once in a few hundred starts while a dozen browsers ran) is
/// started again, up to three times: that is the machine, not the page under test.
pub(super) fn start_driver() -> (Child, u16) {
    for _ in 0..3 {
        if let Some(started) = try_start_driver() {
            return started;
        }
    }
    panic!("chromedriver did not report its port in three starts");
}

fn try_start_driver() -> Option<(Child, u16)> {
    let mut driver = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (scripts/test.sh installs chromium-driver)");
    let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
    let marker = "started successfully on port ";
    let port = lines.by_ref().map_while(Result::ok).find_map(|line| {
        let at = line.find(marker)? + marker.len();
        line[at..].trim_end_matches('.').parse().ok()
    });
    let Some(port) = port else {
        let _ = driver.kill();
        let _ = driver.wait();
        return None;
    };
    // Keep reading what it prints, so a full pipe never blocks it.
    std::thread::spawn(move || lines.for_each(drop));
    Some((driver, port))
}
