//! Placeholder replaced by the peer-bench merge.
pub fn run(_: bool, _: usize, _: u64, _: Option<u64>, _: usize, _: bool) -> anyhow::Result<()> {
    anyhow::bail!("--engine hotstuff-rs is not wired yet")
}
