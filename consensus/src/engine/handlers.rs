//! The engine's event handlers: proposals, votes, timeouts, sync, commits and epochs.
//!
//! Every handler appends effects to `self.out` and messages for this validator itself to
//! `self.inbox` (a leader voting for its own block, a timeout counted towards its own
//! certificate), which `drain` processes in order. Nothing here returns an error: a message
//! that fails a check is dropped, because the sender may be faulty; only a broken local
//! invariant halts the validator.

use std::collections::BTreeMap;

use super::{Commit, Effect, Engine};
use crate::app::Application;
use crate::block_tree::BlockTree;
use crate::pacemaker::{Entered, Pacemaker, Timing};
use crate::safety::{SafetyData, SafetyRules};
use crate::store::{EpochState, Record, Recovery};
use crate::types::*;
use crate::validators::{proposal_signing_bytes, Identity, ValidatorInfo, ValidatorSet};

/// Proposals and certificates in a sync response are checked, but at most this many blocks
/// are taken from one response.
const SYNC_BLOCKS_MAX: usize = 256;
/// A sync request for the same block is not repeated within this many milliseconds.
const SYNC_RETRY_MS: Millis = 500;

impl<A: Application> Engine<A> {
    pub(super) fn drain(&mut self) {
        while let Some((from, message)) = self.inbox.pop_front() {
            if self.halted.is_some() {
                self.inbox.clear();
                return;
            }
            match message {
                Message::Proposal(p) => self.on_proposal(from, p),
                Message::Vote(v) => self.on_vote(v),
                Message::Timeout(t) => self.on_timeout(t),
                Message::SyncResponse(r) => self.on_sync_response(from, r),
                // Served by the shell from its store (see `store::serve_sync`).
                Message::SyncRequest(_) => {}
            }
        }
    }

    // ----- rounds and proposing -----

    pub(super) fn enter_round(&mut self, round: Round, how: Entered) {
        if !self.pacemaker.enter(round, how, self.now) {
            return;
        }
        let keep_from = round.saturating_sub(1);
        self.votes.retain(|(r, _), _| *r >= keep_from);
        self.timeouts.retain(|r, _| *r >= keep_from);
        if how != Entered::ByTc {
            self.last_tc = self.last_tc.take().filter(|tc| tc.round + 1 == round);
        }
        self.maybe_propose();
    }

    /// Proposes if this validator leads the round and has something worth proposing: pending
    /// transactions, uncommitted transactions on the chain (which need two more certified
    /// rounds to commit), or an idle interval that has passed.
    pub(super) fn maybe_propose(&mut self) {
        if !self.may_propose() {
            return;
        }
        let pipeline = self
            .tree
            .ancestors(&self.tree.high_qc().block_id)
            .any(|b| !b.transactions.is_empty());
        let idle_over =
            self.now >= self.pacemaker.started_at() + self.config.empty_block_interval_ms;
        if self.mempool.is_empty() && !pipeline && !idle_over {
            return;
        }
        self.propose();
    }

    fn propose(&mut self) {
        let round = self.pacemaker.round();
        let Some(hashed) = self.build_block(round) else {
            return;
        };
        let (block, id) = (hashed.block.clone(), hashed.id);
        let tc = self.last_tc.clone().filter(|tc| tc.round + 1 == round);
        let signature = self.safety.identity().sign(&proposal_signing_bytes(&id));
        self.proposed_round = round;
        if self.tree.insert(hashed).is_err() {
            return;
        }
        self.persist(Record::Block(block.clone()));
        let proposal = Proposal {
            block: block.clone(),
            tc: tc.clone(),
            signature,
        };
        self.out
            .push(Effect::Broadcast(Message::Proposal(proposal)));
        self.vote_for(&block, id, tc.as_ref());
    }

    /// The next block on the highest certificate: the oldest mempool transactions not already
    /// in a pending block of that chain, stamped with `now` and the last executed state root.
    fn build_block(&self, round: Round) -> Option<HashedBlock> {
        let qc = self.tree.high_qc().clone();
        let parent = self.tree.get(&qc.block_id)?;
        let pending = self.tree.pending_tx_hashes(&qc.block_id);
        let (tx_hashes, transactions) = self
            .mempool
            .select(
                self.config.block_txs_max,
                self.config.block_bytes_max,
                &pending,
            )
            .into_iter()
            .unzip();
        let block = Block {
            epoch: self.epoch.epoch,
            round,
            height: parent.height + 1,
            parent_id: qc.block_id,
            timestamp_ms: self.now.max(parent.timestamp_ms + 1),
            qc,
            proposer: self.safety.identity().index,
            transactions,
            executed: self
                .roots
                .get(&self.executed_height)
                .map(|root| (self.executed_height, *root)),
        };
        Some(HashedBlock::with_hashes(block, tx_hashes))
    }

    /// Asks the safety rules for a vote and sends it to the next round's leader.
    fn vote_for(&mut self, block: &Block, id: Digest, tc: Option<&TimeoutCert>) {
        let Ok(decision) = self.safety.vote(block, id, tc) else {
            return;
        };
        #[cfg(any(test, feature = "injected-bugs"))]
        if let Some(bug) = self.config.injected_bug {
            return self.send_vote_with_bug(bug, decision);
        }
        self.persist(Record::Safety(decision.record));
        self.send_vote(decision.message);
    }

    #[cfg(any(test, feature = "injected-bugs"))]
    fn send_vote_with_bug(
        &mut self,
        bug: super::InjectedBug,
        decision: crate::safety::Decision<Vote>,
    ) {
        match bug {
            super::InjectedBug::SendVoteBeforePersist => {
                self.send_vote(decision.message);
                self.persist(Record::Safety(decision.record));
            }
            super::InjectedBug::SkipSafetyPersist => self.send_vote(decision.message),
        }
    }

    fn send_vote(&mut self, vote: Vote) {
        let next = self.leader_after(vote.round + 1, &vote.block_id);
        if Some(next) == self.index {
            self.inbox.push_back((next, Message::Vote(vote)));
        } else {
            self.out.push(Effect::Send {
                to: next,
                message: Message::Vote(vote),
            });
        }
    }

    // ----- proposals -----

    fn on_proposal(&mut self, from: ValidatorIndex, proposal: Proposal) {
        let block = &proposal.block;
        if block.epoch != self.epoch.epoch
            || Some(block.proposer) == self.index
                && from == block.proposer
                && self.proposed_round >= block.round
        {
            return;
        }
        let hashed = HashedBlock::new(block.clone());
        let id = hashed.id;
        if self
            .validators
            .verify_proposal_signature(&proposal, &id)
            .is_err()
            || !self.qc_is_valid(&block.qc)
        {
            return;
        }
        if let Some(tc) = &proposal.tc {
            if !self.tc_is_valid(tc) {
                return;
            }
        }
        self.process_qc(&block.qc, from);
        if let Some(tc) = &proposal.tc {
            self.process_tc(tc, from);
        }
        if block.round != self.pacemaker.round() {
            return;
        }
        if !self.tree.contains(&block.parent_id) {
            self.request_sync(from, block.parent_id);
            self.waiting = Some((from, proposal));
            return;
        }
        if block.proposer != self.leader_after(block.round, &block.parent_id) {
            return;
        }
        if self.block_is_acceptable(block) && self.tree.insert(hashed).is_ok() {
            let block = block.clone();
            self.persist(Record::Block(block.clone()));
            self.vote_for(&block, id, proposal.tc.as_ref());
            self.on_block_inserted(block.round, id, from);
        }
    }

    /// Checks a proposed block beyond its certificates: time, size, and the state root it
    /// carries, which must match this validator's own.
    fn block_is_acceptable(&self, block: &Block) -> bool {
        let Some(parent) = self.tree.get(&block.parent_id) else {
            return false;
        };
        let time_ok = block.timestamp_ms > parent.timestamp_ms
            && block.timestamp_ms <= self.now + self.config.clock_skew_max_ms;
        let size_ok = block.transactions.len() <= self.config.block_txs_max
            && block.payload_bytes() <= self.config.block_bytes_max
            && block
                .transactions
                .iter()
                .all(|t| !t.is_empty() && t.len() <= self.config.tx_bytes_max);
        // A root of a height this validator has not executed yet cannot be checked now; it is
        // checked when the carrying block commits, which is after that height commits here.
        // Refusing to vote instead would let a validator that lags by one commit block
        // certification for good.
        let root_ok = match block.executed {
            Some((height, root)) => self.roots.get(&height).is_none_or(|mine| *mine == root),
            // The proposer has executed nothing beyond the epoch's anchor yet.
            None => true,
        };
        time_ok && size_ok && root_ok
    }

    // ----- votes, timeouts, certificates -----

    fn on_vote(&mut self, vote: Vote) {
        let round = self.pacemaker.round();
        // Votes normally reach only the next leader; on a timeout they are broadcast (see
        // `local_timeout`), so every validator collects whatever votes reach it.
        let in_window =
            vote.round + 1 >= round && vote.round <= round + self.config.future_rounds_max;
        if vote.epoch != self.epoch.epoch || !in_window {
            return;
        }
        if self
            .tree
            .qc_for(&vote.block_id)
            .is_some_and(|qc| qc.round == vote.round)
            || self.validators.verify_vote(&vote).is_err()
        {
            return;
        }
        let key = (vote.round, vote.block_id);
        self.votes
            .entry(key)
            .or_default()
            .insert(vote.voter, vote.clone());
        self.try_form_qc(key, vote.voter);
    }

    /// Forms a certificate from the votes collected for `key` once they hold a quorum and the
    /// block is known. Votes often outrun the proposal they vote for; they are kept until it
    /// arrives (or is fetched from `from`), rather than certifying a block this validator
    /// cannot extend.
    fn try_form_qc(&mut self, key: (Round, Digest), from: ValidatorIndex) {
        let Some(entry) = self.votes.get(&key) else {
            return;
        };
        if self.validators.power_of(entry.keys().copied()) < self.validators.quorum_power() {
            return;
        }
        let Some(block) = self.tree.get(&key.1) else {
            return self.request_sync(from, key.1);
        };
        let qc = QuorumCert {
            epoch: block.epoch,
            round: key.0,
            height: block.height,
            block_id: key.1,
            votes: entry.values().map(|v| (v.voter, v.signature)).collect(),
        };
        self.votes.remove(&key);
        self.process_qc(&qc, from);
    }

    /// After a block joins the tree, votes that were waiting for it may now certify it.
    fn on_block_inserted(&mut self, round: Round, id: Digest, from: ValidatorIndex) {
        self.try_form_qc((round, id), from);
    }

    fn on_timeout(&mut self, timeout: Timeout) {
        let round = self.pacemaker.round();
        if timeout.epoch != self.epoch.epoch
            || timeout.round + 1 < round
            || timeout.round > round + self.config.future_rounds_max
        {
            return;
        }
        if self.validators.verify_timeout(&timeout).is_err() || !self.qc_is_valid(&timeout.high_qc)
        {
            return;
        }
        self.process_qc(&timeout.high_qc, timeout.voter);
        if let Some(tc) = &timeout.last_tc {
            if tc.round >= self.pacemaker.round() && self.tc_is_valid(tc) {
                self.process_tc(tc, timeout.voter);
            }
        }
        let timeout_round = timeout.round;
        let entry = self.timeouts.entry(timeout_round).or_default();
        entry.insert(timeout.voter, timeout);
        let power = self.validators.power_of(entry.keys().copied());
        // f + 1 timeouts mean at least one honest validator gave up on the round: join it.
        let joined = self.safety.data().last_voted_round >= timeout_round
            && self.timeouts[&timeout_round].contains_key(&self.safety.identity().index);
        if power >= self.validators.one_honest_power()
            && timeout_round == self.pacemaker.round()
            && !joined
        {
            self.local_timeout();
        }
        if power >= self.validators.quorum_power() && timeout_round + 1 >= self.pacemaker.round() {
            let tc = self.build_tc(timeout_round);
            self.process_tc(&tc, self.safety.identity().index);
        }
    }

    fn build_tc(&self, round: Round) -> TimeoutCert {
        let entry = &self.timeouts[&round];
        let timeouts = entry
            .values()
            .map(|t| (t.voter, t.high_qc.round, t.signature))
            .collect();
        // Invariant: a quorum of timeouts was just counted, so the entry is not empty.
        let high_qc = entry
            .values()
            .map(|t| &t.high_qc)
            .max_by_key(|qc| qc.round)
            .expect("a quorum of timeouts")
            .clone();
        TimeoutCert {
            epoch: self.epoch.epoch,
            round,
            timeouts,
            high_qc,
        }
    }

    /// Signs and broadcasts a timeout for the current round, and re-arms the round timer.
    pub(super) fn local_timeout(&mut self) {
        self.pacemaker.rearm(self.now);
        if self.index.is_none() {
            return;
        }
        let round = self.pacemaker.round();
        let high_qc = self.tree.high_qc().clone();
        let tc = self.last_tc.clone().filter(|tc| tc.round + 1 == round);
        let Ok(decision) = self
            .safety
            .timeout(self.epoch.epoch, round, &high_qc, tc.as_ref())
        else {
            return;
        };
        let vote = decision
            .record
            .last_vote
            .clone()
            .filter(|v| v.round == round);
        self.persist(Record::Safety(decision.record));
        // A round may time out only because the next leader, who collects its votes, is down:
        // broadcasting the vote lets everyone certify the block anyway, so one dead leader
        // costs one timeout instead of two.
        if let Some(vote) = vote {
            self.out
                .push(Effect::Broadcast(Message::Vote(vote.clone())));
            self.inbox.push_back((vote.voter, Message::Vote(vote)));
        }
        self.out.push(Effect::Broadcast(Message::Timeout(
            decision.message.clone(),
        )));
        let me = decision.message.voter;
        self.inbox
            .push_back((me, Message::Timeout(decision.message)));
    }

    fn qc_is_valid(&self, qc: &QuorumCert) -> bool {
        if qc.is_anchor() {
            return qc.epoch == self.epoch.epoch && qc.block_id == self.epoch.anchor_id;
        }
        self.tree
            .qc_for(&qc.block_id)
            .is_some_and(|known| known == qc)
            || self.validators.verify_qc(qc).is_ok()
    }

    fn tc_is_valid(&self, tc: &TimeoutCert) -> bool {
        self.validators.verify_tc(tc).is_ok() && self.qc_is_valid(&tc.high_qc)
    }

    /// Takes in a verified certificate: records it, commits what it commits, and moves to the
    /// next round. Asks `from` for the certified block if it is unknown.
    fn process_qc(&mut self, qc: &QuorumCert, from: ValidatorIndex) {
        if qc.epoch != self.epoch.epoch
            || qc.height <= self.tree.committed_height() && qc.round <= self.tree.high_qc().round
        {
            return;
        }
        if !self.tree.contains(&qc.block_id) {
            if qc.round > self.tree.high_qc().round {
                self.request_sync(from, qc.block_id);
            }
            return;
        }
        if self.tree.qc_for(&qc.block_id).is_none() {
            self.persist(Record::Qc(qc.clone()));
        }
        let epoch = self.epoch.epoch;
        for block in self.tree.insert_qc(qc.clone()) {
            self.commit(block);
            if self.epoch.epoch != epoch || self.halted.is_some() {
                return;
            }
        }
        if qc.round >= self.pacemaker.round() {
            self.enter_round(qc.round + 1, Entered::ByQc);
        }
    }

    /// Takes in a verified timeout certificate: persists it and moves past its round. A
    /// certificate for the round just before the current one is kept too: it is what lets
    /// this validator time out in the current round.
    fn process_tc(&mut self, tc: &TimeoutCert, from: ValidatorIndex) {
        self.process_qc(&tc.high_qc, from);
        let round = self.pacemaker.round();
        let newer = self
            .last_tc
            .as_ref()
            .is_none_or(|last| tc.round > last.round);
        if tc.epoch != self.epoch.epoch || tc.round + 1 < round || !newer {
            return;
        }
        self.persist(Record::Tc(tc.clone()));
        self.last_tc = Some(tc.clone());
        if tc.round >= round {
            self.enter_round(tc.round + 1, Entered::ByTc);
        }
    }

    // ----- sync -----

    fn request_sync(&mut self, from: ValidatorIndex, target: Digest) {
        if Some(from) == self.index
            || self
                .sync_asked
                .is_some_and(|(t, at)| t == target && self.now < at + SYNC_RETRY_MS)
        {
            return;
        }
        self.sync_asked = Some((target, self.now));
        let request = SyncRequest {
            committed_height: self.tree.committed_height(),
            target,
        };
        self.out.push(Effect::Send {
            to: from,
            message: Message::SyncRequest(request),
        });
    }

    /// Adds the certified chain a peer sent: each block must extend a known block and be
    /// certified by the next block's certificate (or the response's highest one).
    fn on_sync_response(&mut self, from: ValidatorIndex, response: SyncResponse) {
        let count = response.blocks.len().min(SYNC_BLOCKS_MAX);
        for (i, block) in response.blocks.into_iter().take(count).enumerate() {
            let hashed = HashedBlock::new(block.clone());
            let id = hashed.id;
            if block.epoch != self.epoch.epoch
                || block.height <= self.tree.committed_height()
                || self.tree.contains(&id)
            {
                continue;
            }
            if !self.qc_is_valid(&block.qc) || self.tree.insert(hashed).is_err() {
                return;
            }
            self.persist(Record::Block(block.clone()));
            self.process_qc(&block.qc, from);
            self.on_block_inserted(block.round, id, from);
            if i + 1 == count && self.qc_is_valid(&response.highest_qc) {
                self.process_qc(&response.highest_qc, from);
            }
        }
        self.sync_asked = None;
        if let Some((sender, proposal)) = self.waiting.take() {
            if self.tree.contains(&proposal.block.parent_id) {
                self.inbox.push_back((sender, Message::Proposal(proposal)));
            }
        }
    }

    // ----- commits and epochs -----

    /// Executes a committed block, checks the state root it carries, and reports it.
    fn commit(&mut self, committed: HashedBlock) {
        let HashedBlock {
            block,
            id,
            tx_hashes,
        } = committed;
        let execution = self.app.execute(&block, &id);
        self.roots.insert(block.height, execution.state_root);
        while self.roots.len() > super::ROOTS_KEPT {
            self.roots.pop_first();
        }
        self.executed_height = block.height;
        if let Some((height, carried)) = block.executed {
            if self.roots.get(&height).is_some_and(|mine| *mine != carried) {
                return self.halt(format!("state root diverged at height {height}: committed block {id} carries {carried}, this validator computed {}", self.roots[&height]));
            }
        }
        self.persist(Record::Committed {
            height: block.height,
            block_id: id,
        });
        self.mempool.remove_committed(&tx_hashes);
        self.leaders.record_commit(block.proposer);
        self.out.push(Effect::Committed(Commit {
            epoch: block.epoch,
            height: block.height,
            round: block.round,
            block_id: id,
            timestamp_ms: block.timestamp_ms,
            transactions: block.transactions.clone(),
            state_root: execution.state_root,
        }));
        if let Some(next) = execution.next_validators {
            self.change_epoch(block, id, next);
        }
    }

    /// Ends the epoch at `block`: the next epoch starts at round 1 on top of it, with the new
    /// validators. A set that breaks the quorum constraints is ignored (every validator
    /// ignores it alike).
    fn change_epoch(&mut self, block: Block, id: Digest, validators: Vec<ValidatorInfo>) {
        let epoch = self.epoch.epoch + 1;
        let Ok(set) = ValidatorSet::new(epoch, validators.clone(), &self.config.required_countries)
        else {
            return;
        };
        let state = EpochState {
            epoch,
            validators,
            anchor_id: id,
            anchor_height: block.height,
        };
        self.persist(Record::Epoch(state.clone()));
        self.install_epoch(state, set, block);
        let record = self.safety.start_epoch(epoch);
        self.persist(Record::Safety(record));
        self.enter_round(1, Entered::Start);
    }

    fn install_epoch(&mut self, state: EpochState, set: ValidatorSet, anchor_block: Block) {
        self.index = set.index_of(&self.key.verifying_key().to_bytes());
        let identity = Identity::new(self.index.unwrap_or(ValidatorIndex::MAX), self.key.clone());
        self.safety = SafetyRules::new(
            SafetyData {
                epoch: self.safety.data().epoch,
                ..self.safety.data().clone()
            },
            identity,
        );
        self.leaders = super::leader_election(&self.config, set.len());
        self.tree = BlockTree::new(
            anchor_block,
            QuorumCert::anchor(state.epoch, state.anchor_id, state.anchor_height),
        );
        self.pacemaker = Pacemaker::new(Timing {
            round_timeout_ms: self.config.round_timeout_ms,
            round_timeout_max_ms: self.config.round_timeout_max_ms,
        });
        self.validators = set;
        self.epoch = state;
        self.votes.clear();
        self.timeouts.clear();
        self.last_tc = None;
        self.proposed_round = 0;
        self.waiting = None;
    }

    /// Rebuilds state after a restart: replays committed blocks into the (fresh) application,
    /// roots the tree at the last committed block, and re-inserts pending blocks and
    /// certificates. Certificates that commit more blocks commit them now.
    pub(super) fn replay(&mut self, recovery: &Recovery) -> Result<(), super::StartError> {
        let inconsistent = |what: String| super::StartError::Inconsistent(what);
        let mut root = Block::genesis();
        // A set change committed in the current epoch whose epoch record was never written
        // (a crash between the two writes): finished below, once the tree is rebuilt.
        let mut unfinished_change = None;
        for block in recovery.committed.iter().filter(|b| b.height > 0) {
            let id = block.id();
            let execution = self.app.execute(block, &id);
            self.roots.insert(block.height, execution.state_root);
            self.executed_height = block.height;
            let current =
                block.epoch == recovery.epoch.epoch && block.height > recovery.epoch.anchor_height;
            if current {
                self.leaders.record_commit(block.proposer);
            }
            unfinished_change = execution
                .next_validators
                .filter(|_| current)
                .map(|v| (block.clone(), id, v));
            root = block.clone();
        }
        let root_id = root.id();
        let qcs: BTreeMap<Digest, &QuorumCert> =
            recovery.qcs.iter().map(|qc| (qc.block_id, qc)).collect();
        let root_qc = if root_id == recovery.epoch.anchor_id {
            QuorumCert::anchor(recovery.epoch.epoch, root_id, root.height)
        } else {
            (*qcs.get(&root_id).ok_or_else(|| {
                inconsistent(format!("no certificate for committed block {root_id}"))
            })?)
            .clone()
        };
        self.tree = BlockTree::new(root, root_qc);
        if let Some((block, id, validators)) = unfinished_change {
            self.change_epoch(block, id, validators);
            return Ok(());
        }
        let mut pending = recovery.pending.clone();
        pending.sort_by_key(|b| b.height);
        for block in pending {
            let hashed = HashedBlock::new(block);
            let id = hashed.id;
            if hashed.block.epoch == self.epoch.epoch && self.tree.insert(hashed).is_ok() {
                if let Some(qc) = qcs.get(&id) {
                    let committed = self.tree.insert_qc((*qc).clone());
                    committed.into_iter().for_each(|b| self.commit(b));
                }
            }
        }
        Ok(())
    }
}
