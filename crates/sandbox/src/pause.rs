//! Holding an execution's deadline while its program waits for a person.
//!
//! A tool call that needs someone's approval may wait far longer than the
//! program's timeout; that wait is not the program's doing, so it must not
//! count against it. The host's [`crate::ToolHost::admit`] receives a
//! [`TimeoutPause`] and holds it while it asks. While at least one hold is
//! alive the runner stops its clock (the host sends it `pause`, then
//! `resume`), and the deadline moves later by the time held, on the host
//! and in the runner alike.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc;

/// The moment an execution must end, moved later by every pause.
#[derive(Debug)]
struct Clock {
    deadline: Instant,
    holds: u32,
    held_since: Option<Instant>,
}

/// A pause or resume the execution loop must tell the runner about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PauseChange {
    Paused,
    Resumed,
}

/// Shared between the execution loop and the calls it serves.
#[derive(Debug, Clone)]
pub struct TimeoutPause {
    clock: Arc<Mutex<Clock>>,
    changes: mpsc::UnboundedSender<PauseChange>,
}

impl TimeoutPause {
    pub(crate) fn new(deadline: Instant) -> (Self, mpsc::UnboundedReceiver<PauseChange>) {
        let (changes, rx) = mpsc::unbounded_channel();
        let clock = Clock {
            deadline,
            holds: 0,
            held_since: None,
        };
        (
            Self {
                clock: Arc::new(Mutex::new(clock)),
                changes,
            },
            rx,
        )
    }

    /// A pause for a host that runs no deadline (benchmarks, tests).
    pub fn detached() -> Self {
        Self::new(Instant::now()).0
    }

    /// Stops the execution's clock until the returned guard is dropped.
    pub fn hold(&self) -> PauseGuard {
        let mut clock = self.lock();
        clock.holds += 1;
        if clock.holds == 1 {
            clock.held_since = Some(Instant::now());
            let _ = self.changes.send(PauseChange::Paused);
        }
        PauseGuard {
            pause: self.clone(),
        }
    }

    /// The deadline as of now; while held, it keeps moving later.
    pub(crate) fn deadline(&self) -> Instant {
        let clock = self.lock();
        match clock.held_since {
            Some(since) => clock.deadline + since.elapsed(),
            None => clock.deadline,
        }
    }

    pub(crate) fn is_held(&self) -> bool {
        self.lock().holds > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Keeps the clock stopped while alive.
#[derive(Debug)]
pub struct PauseGuard {
    pause: TimeoutPause,
}

impl Drop for PauseGuard {
    fn drop(&mut self) {
        let mut clock = self.pause.lock();
        clock.holds = clock.holds.saturating_sub(1);
        if clock.holds == 0
            && let Some(since) = clock.held_since.take()
        {
            clock.deadline += since.elapsed();
            let _ = self.pause.changes.send(PauseChange::Resumed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_hold_moves_the_deadline_by_its_length_and_nests() {
        let start = Instant::now() + Duration::from_secs(1);
        let (pause, mut changes) = TimeoutPause::new(start);
        let outer = pause.hold();
        let inner = pause.hold();
        std::thread::sleep(Duration::from_millis(30));
        drop(inner);
        assert!(pause.is_held());
        drop(outer);
        assert!(!pause.is_held());
        assert!(pause.deadline() >= start + Duration::from_millis(30));
        assert_eq!(changes.try_recv().ok(), Some(PauseChange::Paused));
        assert_eq!(changes.try_recv().ok(), Some(PauseChange::Resumed));
        assert!(changes.try_recv().is_err());
    }
}
