//! The warm pool shared by both backends.
//!
//! Idle runners wait, ready, each prepared for one [`Profile`] (mounts and
//! the limits fixed at start). A background task keeps `target` runners of
//! the default profile ready; an execution takes one (or starts one cold for
//! an unusual profile) and gives it back when the run left it clean. A runner
//! that died, hung, hit a limit or left processes behind is destroyed instead,
//! and the filler replaces it: the pool heals.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Notify;

use crate::SandboxError;
use crate::exec::Paths;
use crate::runner::Runner;
use crate::settings::Profile;

/// Starts runners for a backend.
pub(crate) trait Spawner: Send + Sync + 'static {
    fn spawn(&self, profile: Profile) -> BoxFuture<'static, Result<Runner, SandboxError>>;

    /// Readies a leased runner for one execution and says where things are
    /// for it: a backend whose runners see the host's files needs nothing,
    /// one that holds copies brings them up to date.
    fn prepare<'a>(
        &'a self,
        _runner: &'a Leased,
        paths: Paths,
    ) -> BoxFuture<'a, Result<Paths, SandboxError>> {
        Box::pin(std::future::ready(Ok(paths)))
    }
}

/// What [`Spawner::prepare`] knows of a leased runner.
pub(crate) struct Leased {
    /// The backend's name for it ([`Runner::handle`]).
    pub handle: String,
    pub mounts: crate::Mounts,
}

/// Counts of the pool, for `vtcode sandbox status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PoolStatus {
    pub ready: usize,
    pub busy: usize,
    pub target: usize,
}

pub(crate) struct Pool {
    spawner: Arc<dyn Spawner>,
    default_profile: Profile,
    target: usize,
    idle: Mutex<Vec<Runner>>,
    busy: AtomicUsize,
    closed: AtomicBool,
    starting: AtomicUsize,
    wake: Arc<Notify>,
    /// The last reason the filler could not start a runner.
    last_error: Mutex<Option<String>>,
}

/// Pause after a failed start, so a broken engine is not hammered.
const RETRY_AFTER: Duration = Duration::from_secs(2);

impl Pool {
    /// Creates the pool and starts filling it in the background.
    pub(crate) fn start(
        spawner: Arc<dyn Spawner>,
        default_profile: Profile,
        target: usize,
    ) -> Arc<Self> {
        let pool = Arc::new(Self {
            spawner,
            default_profile,
            target,
            idle: Mutex::new(Vec::new()),
            busy: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            starting: AtomicUsize::new(0),
            wake: Arc::new(Notify::new()),
            last_error: Mutex::new(None),
        });
        let weak = Arc::downgrade(&pool);
        let wake = Arc::clone(&pool.wake);
        tokio::spawn(async move {
            loop {
                let Some(pool) = weak.upgrade() else { return };
                let pause = pool.fill_once().await;
                drop(pool);
                let woken = wake.notified();
                match pause {
                    Some(pause) => tokio::time::sleep(pause).await,
                    None => woken.await,
                }
            }
        });
        pool
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Runner>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ready_default(&self) -> usize {
        self.idle()
            .iter()
            .filter(|r| r.profile == self.default_profile && !r.is_gone())
            .count()
    }

    /// Starts runners until the default profile has `target` ready; returns
    /// a pause when a start failed.
    async fn fill_once(&self) -> Option<Duration> {
        while !self.closed.load(Ordering::SeqCst)
            && self.ready_default() + self.starting.load(Ordering::SeqCst) < self.target
        {
            self.starting.fetch_add(1, Ordering::SeqCst);
            let started = self.spawner.spawn(self.default_profile.clone()).await;
            self.starting.fetch_sub(1, Ordering::SeqCst);
            match started {
                Ok(runner) => {
                    *self
                        .last_error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = None;
                    self.idle().push(runner);
                }
                Err(err) => {
                    tracing::warn!("could not start a warm sandbox runner: {err}");
                    *self
                        .last_error
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(err.to_string());
                    return Some(RETRY_AFTER);
                }
            }
        }
        None
    }

    /// Waits until the default profile has `target` runners ready, or the
    /// filler reports why it cannot start one.
    pub(crate) async fn warm(&self, within: Duration) -> Result<PoolStatus, SandboxError> {
        let deadline = tokio::time::Instant::now() + within;
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.wake.notify_one();
        loop {
            if self.ready_default() >= self.target {
                return Ok(self.status());
            }
            if let Some(err) = self
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
            {
                return Err(SandboxError::Runner(err));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SandboxError::Runner(format!(
                    "the pool was not warm after {}s",
                    within.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A ready runner for `profile`: a warm one when there is one, else a
    /// fresh start.
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        profile: &Profile,
    ) -> Result<Lease, SandboxError> {
        let found = {
            let mut idle = self.idle();
            let mut found = None;
            let mut i = 0;
            while i < idle.len() {
                if idle[i].is_gone() {
                    let dead = idle.swap_remove(i);
                    tokio::spawn(dead.destroy());
                } else if found.is_none() && &idle[i].profile == profile {
                    found = Some(idle.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            found
        };
        self.wake.notify_one();
        let runner = match found {
            Some(runner) => runner,
            None => self.spawner.spawn(profile.clone()).await?,
        };
        self.busy.fetch_add(1, Ordering::SeqCst);
        Ok(Lease {
            runner: Some(runner),
            pool: Arc::clone(self),
        })
    }

    fn release(&self, runner: Runner, reusable: bool) {
        self.busy.fetch_sub(1, Ordering::SeqCst);
        if !reusable || runner.is_gone() || self.closed.load(Ordering::SeqCst) {
            tokio::spawn(runner.destroy());
        } else {
            let mut idle = self.idle();
            let extra = idle
                .iter()
                .filter(|r| r.profile != self.default_profile)
                .count();
            if runner.profile != self.default_profile && extra >= self.target.max(1) {
                tokio::spawn(runner.destroy());
            } else {
                idle.push(runner);
            }
        }
        self.wake.notify_one();
    }

    pub(crate) fn status(&self) -> PoolStatus {
        PoolStatus {
            ready: self.idle().iter().filter(|r| !r.is_gone()).count(),
            busy: self.busy.load(Ordering::SeqCst),
            target: self.target,
        }
    }

    /// Stops refilling and destroys every idle runner; busy ones go when
    /// released. Executions after this start (and destroy) a runner each.
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let idle: Vec<Runner> = std::mem::take(&mut *self.idle());
        for runner in idle {
            runner.destroy().await;
        }
    }
}

/// A runner taken from the pool for one execution. Dropping it without
/// [`Lease::release`] (the execution was cancelled midway) destroys the
/// runner, since its program may still be running.
pub(crate) struct Lease {
    runner: Option<Runner>,
    pool: Arc<Pool>,
}

impl Lease {
    pub(crate) fn runner(&mut self) -> Option<&mut Runner> {
        self.runner.as_mut()
    }

    /// Gives the runner back; `reusable` says whether the run left it clean.
    pub(crate) fn release(mut self, reusable: bool) {
        if let Some(runner) = self.runner.take() {
            self.pool.release(runner, reusable);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(runner) = self.runner.take() {
            self.pool.release(runner, false);
        }
    }
}
