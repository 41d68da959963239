//! What the code under test logs, for tests that check the operator is told.

use std::io;
use std::sync::{Arc, Mutex, OnceLock};

/// Every event the test binary logs (at info and above) from the first `start()` on. One global
/// subscriber, not a per-thread default: tracing caches each call site's interest process-wide,
/// and a thread-local subscriber misses events when other tests' threads hit the same call
/// site at the same moment. Tests look for lines that name their own ids, so sharing is safe.
pub struct CapturedLogs {
    buffer: Arc<Mutex<Vec<u8>>>,
}

#[derive(Clone)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

impl CapturedLogs {
    pub fn start() -> Self {
        let buffer = BUFFER
            .get_or_init(|| {
                let buffer = Arc::new(Mutex::new(Vec::new()));
                let sink = Sink(buffer.clone());
                let subscriber = tracing_subscriber::fmt()
                    .with_ansi(false)
                    .with_max_level(tracing::Level::INFO)
                    .with_writer(move || sink.clone())
                    .finish();
                tracing::subscriber::set_global_default(subscriber)
                    .expect("no other global subscriber in the test binary");
                buffer
            })
            .clone();
        Self { buffer }
    }

    /// The lines logged so far (by every test since the first `start()`).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}
