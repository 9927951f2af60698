//! The `votes` module deals with a flush filter's round trip: every
//! instance that votes gets the items, and the coordinator tallies the
//! answers. An item is dropped when at least one instance votes `Drop` and
//! none votes `Keep`; an instance that does not answer (gone, hung, or, in
//! live capture, later than [`crate::engine::coordinator::LIVE_VOTE_WAIT`]
//! for all votes together) abstains. Shared by the flow, resource and FTS
//! flushes.

use crossbeam_channel::Receiver;
use weir_plugin_api::Vote;

use super::{PluginEvent, RunningInstance};

/// `keep[i]` for each of `n` items. `ask` makes an instance's request and
/// the receiver of its votes, or `None` when that instance does not vote.
pub fn tally(
    instances: &[RunningInstance],
    live: bool,
    n: usize,
    ask: impl Fn(&RunningInstance) -> Option<(PluginEvent, Receiver<Vec<Vote>>)>,
) -> Vec<bool> {
    if n == 0 {
        return Vec::new();
    }
    let mut any_drop = vec![false; n];
    let mut any_keep = vec![false; n];
    let mut replies = Vec::new();
    for inst in instances {
        if let Some((event, rx)) = ask(inst) {
            inst.send(event);
            replies.push((inst, rx));
        }
    }
    let deadline = std::time::Instant::now() + crate::engine::coordinator::LIVE_VOTE_WAIT;
    for (inst, rx) in replies {
        let answer = if live {
            inst.await_votes_until(&rx, deadline)
        } else {
            inst.await_votes(&rx)
        };
        for (i, v) in answer.unwrap_or_default().iter().enumerate().take(n) {
            match v.known() {
                Vote::Drop => any_drop[i] = true,
                Vote::Keep => any_keep[i] = true,
                _ => {}
            }
        }
    }
    any_drop
        .iter()
        .zip(&any_keep)
        .map(|(d, k)| !d || *k)
        .collect()
}
