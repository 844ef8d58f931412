//! A run's progress folded from its events: the counts, the rate and the time left, the
//! same for the terminal's bar and the studio's live counts.

use super::SendEvent;
use std::time::{Duration, Instant};

/// How a run stands, from the events seen so far.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Messages the run may send ([`SendEvent::Started`]).
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Kept back by the ledger (sent before, unknown, refused for good).
    pub skipped: u64,
    /// When delivery began.
    pub started: Option<Instant>,
    /// When the run finished (its last event).
    pub finished: Option<Instant>,
    pub stopped: bool,
}

impl Progress {
    pub fn apply(&mut self, event: &SendEvent) {
        match event {
            SendEvent::Checked { .. } | SendEvent::Problem(_) => {}
            SendEvent::Started { total } => {
                self.total = *total;
                self.started = Some(Instant::now());
            }
            SendEvent::Sent { .. } => self.sent += 1,
            SendEvent::Failed { .. } => self.failed += 1,
            SendEvent::Unknown { .. } => self.unknown += 1,
            SendEvent::Skipped { .. } => self.skipped += 1,
            SendEvent::Finished(outcome) => {
                self.stopped = outcome.stopped;
                self.finished = Some(Instant::now());
            }
        }
    }

    /// Messages dealt with: handed over (whatever came of it) or kept back by the ledger.
    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.unknown + self.skipped
    }

    /// Messages handed to the server per minute since delivery began; `None` before the
    /// first one.
    pub fn per_minute(&self) -> Option<f64> {
        self.per_minute_at(Instant::now())
    }

    fn per_minute_at(&self, now: Instant) -> Option<f64> {
        let handed = self.sent + self.failed + self.unknown;
        let since = self.started?;
        let elapsed = self
            .finished
            .unwrap_or(now)
            .saturating_duration_since(since);
        if handed == 0 || elapsed.is_zero() {
            return None;
        }
        Some(handed as f64 * 60.0 / elapsed.as_secs_f64())
    }

    /// The time the rest takes at the rate so far; `None` before there is a rate, zero at the
    /// end.
    pub fn time_left(&self) -> Option<Duration> {
        self.time_left_at(Instant::now())
    }

    fn time_left_at(&self, now: Instant) -> Option<Duration> {
        if self.finished.is_some() {
            return Some(Duration::ZERO);
        }
        let rest = self.total.saturating_sub(self.done());
        let rate = self.per_minute_at(now)?;
        Some(Duration::from_secs_f64(rest as f64 * 60.0 / rate))
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;
    use crate::campaign::send::{SendEvent, Skip};
    use std::time::Duration;

    #[test]
    fn counts_rate_and_time_left_follow_the_events() {
        let mut p = Progress::default();
        p.apply(&SendEvent::Started { total: 10 });
        assert_eq!(p.time_left(), None, "no rate before the first message");
        p.apply(&SendEvent::Skipped {
            row: 2,
            why: Skip::AlreadySent,
        });
        p.apply(&SendEvent::Sent { row: 3 });
        p.apply(&SendEvent::Failed {
            row: 4,
            code: Some(550),
            message: "no such user".into(),
        });
        assert_eq!((p.done(), p.sent, p.failed, p.skipped), (3, 1, 1, 1));
        // Two messages handed over in 30 s: 4 a minute, and the 7 left take 105 s.
        let start = p.started.unwrap();
        let now = start + Duration::from_secs(30);
        let rate = p.per_minute_at(now).unwrap();
        assert!((rate - 4.0).abs() < 1e-9, "{rate}");
        let left = p.time_left_at(now).unwrap();
        assert_eq!(left.as_secs(), 105);
    }
}
