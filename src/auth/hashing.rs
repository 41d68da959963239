//! The threads argon2 runs on: their own, not the async threads (a hash takes tens of
//! milliseconds of CPU) and not the shared blocking pool, and at a lower scheduling priority
//! than the threads that serve pages. A burst of sign-ins then takes the CPU the pages leave
//! rather than the pages' share: the pages stay fast and the sign-ins queue.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use anyhow::Context;

use crate::telemetry::{self, InFlight};

type Job = Box<dyn FnOnce() + Send>;

/// How much lower than the rest of the process argon2 runs: the lowest `nice`. A thread at 19
/// weighs 15 against 1024 at 0, so with both cores busy serving pages it gets about 1.5 % of
/// one, and all of an idle one; it is never starved (as under `SCHED_IDLE`). Measured with 50
/// concurrent sign-ins beside wrk on the customer list: at 10 the list's p99 went from 6.5 to
/// ~480 ms, at 19 from 4.8 to 9.0 ms, while the sign-ins still completed ~70 a second.
const NICENESS: i32 = 19;

#[derive(Clone)]
pub struct HashingThreads {
    jobs: Sender<(Job, InFlight)>,
}

impl HashingThreads {
    /// One thread per core, started now.
    pub fn start() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let (jobs, queue) = channel::<(Job, InFlight)>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || work(&queue))
                .context("could not start a hashing thread")?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on a hashing thread and waits for its answer without blocking the caller's
    /// thread; the argon2 gauges count it while it waits and while it runs.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let running = telemetry::argon2_running();
            let _ = answer.send(job());
            drop(running);
        });
        self.jobs
            .send((job, telemetry::argon2_waiting()))
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        answered.await.context("a hashing job failed")
    }
}

/// A hashing thread: lowers its own priority, then runs jobs until the sender is gone.
fn work(queue: &Mutex<Receiver<(Job, InFlight)>>) {
    lower_priority();
    loop {
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok((job, waiting)) = next else {
            return;
        };
        drop(waiting);
        // A panicking job loses its answer (its caller gets an error), not the thread.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on the calling thread's own id; no memory is shared.
    let done = unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, NICENESS)
    };
    if done != 0 {
        tracing::warn!("could not lower the priority of a hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
