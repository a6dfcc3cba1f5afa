//! Follows the node's committed blocks and keeps what the gateway derives from them fresh:
//! the verify cache's height ([`crate::readcache`]) and the set of participants revoked on
//! the ledger ([`crate::auth::certificate`]).
//!
//! Invariants: while the watch is down the verify cache is off (every verify reads the
//! ledger). The revoked set is re-read on the first commit seen and then at most once per
//! [`REVOCATIONS_REFRESH`]; the node commits an empty block at least every idle interval, so
//! a revocation reaches the HTTPS listener within about two seconds. A failed read keeps the
//! previous set (or, before the first read, keeps every certificate out).
//!
//! Deliberately not here: any ledger state of its own; the notices only say *that* something
//! committed, and everything derived is re-read from the node.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::gateway::Gateway;

/// How long the follower waits before re-watching after its stream ended; doubled after each
/// failed attempt up to [`REWATCH_DELAY_MAX`], so a node that is down is not hammered (nor the
/// log filled), and reset once a watch delivers a notice.
const REWATCH_DELAY: Duration = Duration::from_millis(500);
const REWATCH_DELAY_MAX: Duration = Duration::from_secs(10);
/// Least time between two reads of the revoked participants.
const REVOCATIONS_REFRESH: Duration = Duration::from_secs(1);

/// Follows the node's commits for as long as the gateway runs.
pub async fn follow_commits(gw: Arc<Gateway>) {
    let mut revocations_read: Option<Instant> = None;
    let mut delay = REWATCH_DELAY;
    loop {
        match gw.ledger.watch_commits().await {
            Ok(mut notices) => {
                while let Some(notice) = notices.recv().await {
                    delay = REWATCH_DELAY;
                    gw.reads.committed(notice.height);
                    if revocations_read.is_none_or(|at| at.elapsed() >= REVOCATIONS_REFRESH) {
                        refresh_revocations(&gw).await;
                        revocations_read = Some(Instant::now());
                    }
                }
                tracing::info!("commit watch ended; verify answers uncached until it is back");
            }
            Err(e) => tracing::warn!(error = %e, "cannot watch commits; verify answers uncached"),
        }
        gw.reads.switch_off();
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(REWATCH_DELAY_MAX);
    }
}

async fn refresh_revocations(gw: &Gateway) {
    match gw.ledger.participants().await {
        Ok(records) => gw.revocations.replace(
            records
                .into_iter()
                .filter(|r| r.revoked)
                .map(|r| r.participant.public_key)
                .collect::<HashSet<_>>(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read revoked participants; keeping the last set")
        }
    }
}
