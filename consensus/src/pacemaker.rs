//! The pacemaker: which round a validator is in, and when it gives up on that round.
//!
//! A validator enters round r + 1 on seeing a quorum certificate or a timeout certificate for
//! round r. Each round has a deadline; rounds that end in a timeout certificate double the next
//! round's timeout, up to a cap, and a certified round resets it. Time is always passed in.

use crate::types::{Millis, Round};

/// How a round was entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entered {
    Start,
    ByQc,
    ByTc,
}

/// Round timing parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    pub round_timeout_ms: Millis,
    pub round_timeout_max_ms: Millis,
}

/// Round state of one validator.
#[derive(Clone, Debug)]
pub struct Pacemaker {
    timing: Timing,
    round: Round,
    started_at: Millis,
    deadline: Millis,
    /// Rounds in a row that ended in a timeout certificate.
    consecutive_timeouts: u32,
}

impl Pacemaker {
    pub fn new(timing: Timing) -> Pacemaker {
        assert!(
            timing.round_timeout_ms > 0 && timing.round_timeout_max_ms >= timing.round_timeout_ms
        );
        Pacemaker {
            timing,
            round: 0,
            started_at: 0,
            deadline: 0,
            consecutive_timeouts: 0,
        }
    }

    pub fn round(&self) -> Round {
        self.round
    }

    pub fn started_at(&self) -> Millis {
        self.started_at
    }

    pub fn deadline(&self) -> Millis {
        self.deadline
    }

    /// Enters `round` if it is higher than the current one; returns whether it moved.
    pub fn enter(&mut self, round: Round, how: Entered, now: Millis) -> bool {
        if round <= self.round && how != Entered::Start {
            return false;
        }
        self.consecutive_timeouts = match how {
            Entered::ByTc => self.consecutive_timeouts.saturating_add(1),
            Entered::ByQc | Entered::Start => 0,
        };
        self.round = round;
        self.started_at = now;
        self.deadline = now.saturating_add(self.current_timeout_ms());
        true
    }

    /// After a local timeout: the next deadline for re-sending the timeout.
    pub fn rearm(&mut self, now: Millis) {
        self.deadline = now.saturating_add(self.current_timeout_ms());
    }

    /// The timeout of the current round: base × 2^(timeouts in a row), capped.
    pub fn current_timeout_ms(&self) -> Millis {
        let factor = 1u64
            .checked_shl(self.consecutive_timeouts.min(32))
            .unwrap_or(u64::MAX);
        self.timing
            .round_timeout_ms
            .saturating_mul(factor)
            .min(self.timing.round_timeout_max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_on_timeouts_and_resets_on_certificates() {
        let mut p = Pacemaker::new(Timing {
            round_timeout_ms: 100,
            round_timeout_max_ms: 1000,
        });
        assert!(p.enter(1, Entered::Start, 0));
        assert_eq!(p.deadline(), 100);
        p.enter(2, Entered::ByTc, 100);
        assert_eq!(p.current_timeout_ms(), 200);
        p.enter(3, Entered::ByTc, 300);
        p.enter(4, Entered::ByTc, 700);
        p.enter(5, Entered::ByTc, 1500);
        assert_eq!(p.current_timeout_ms(), 1000, "capped");
        assert!(
            !p.enter(5, Entered::ByQc, 1600),
            "never moves backwards or sideways"
        );
        p.enter(6, Entered::ByQc, 1700);
        assert_eq!(p.deadline(), 1800);
    }
}
