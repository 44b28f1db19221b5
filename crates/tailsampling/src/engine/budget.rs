//! The memory budget (docs/architecture.md, "Memory budget"): the bytes held by buffered groups,
//! pending packets and the inflation of kept payloads not yet polled, against
//! `memory_limit_bytes`; each token's [`Account`] against its share (`token_memory_share` of
//! the limit). The budget only does the arithmetic: the processor asks it for a reservation,
//! and on a shortfall decides the token's oldest groups early and asks again.
//!
//! The counters are atomics: a reservation adds first and takes back what does not fit, so
//! concurrent reservations never exceed a limit together (one may be refused that would have
//! fit a moment later).

use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes one token holds against its share: its buffered groups and the inflation of its
/// kept payloads until polled (pending packets count against the global limit only).
#[derive(Debug, Default)]
pub(crate) struct Account {
    held: AtomicUsize,
}

impl Account {
    /// The bytes held now.
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// Why a reservation did not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shortfall {
    /// The reservation alone is larger than a token's share: no room can be made.
    LargerThanShare,
    /// The token's share would be exceeded.
    Share,
    /// `memory_limit_bytes` would be exceeded.
    Limit,
}

impl Shortfall {
    /// The `Busy` error message.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Shortfall::LargerThanShare => "packet is larger than the token's memory share",
            Shortfall::Share => "token memory share reached",
            Shortfall::Limit => "memory_limit_bytes reached",
        }
    }
}

/// The global limit, the per-token share and the bytes held in all.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: usize,
    share: usize,
    held: AtomicUsize,
}

impl Budget {
    /// A budget of `limit` bytes of which one token may hold `share` (a fraction).
    pub(crate) fn new(limit: usize, share: f64) -> Self {
        Budget {
            limit,
            share: ((limit as f64) * share) as usize,
            held: AtomicUsize::new(0),
        }
    }

    /// The bytes held now, in all.
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Holds `cost` bytes for `account` if they fit its share and the global limit; on a
    /// shortfall nothing is held. [`Shortfall::Share`] and [`Shortfall::Limit`] may fit once
    /// the token releases bytes (decides groups early).
    pub(crate) fn reserve(&self, account: &Account, cost: usize) -> Result<(), Shortfall> {
        if cost > self.share {
            return Err(Shortfall::LargerThanShare);
        }
        let mine = account.held.fetch_add(cost, Ordering::AcqRel) + cost;
        let all = self.held.fetch_add(cost, Ordering::AcqRel) + cost;
        if mine <= self.share && all <= self.limit {
            return Ok(());
        }
        self.release(account, cost);
        Err(if mine > self.share {
            Shortfall::Share
        } else {
            Shortfall::Limit
        })
    }

    /// Holds `bytes` for `account` whatever the limits: a forced reservation (a pending
    /// packet drained by its config, whose bytes were already held while pending) or the
    /// inflation of a kept payload until `poll_kept` takes it, so that a token keeping small,
    /// highly compressed payloads meets its share instead of inflating the outbox without
    /// bound between polls.
    pub(crate) fn charge(&self, account: &Account, bytes: usize) {
        if bytes > 0 {
            account.held.fetch_add(bytes, Ordering::AcqRel);
            self.held.fetch_add(bytes, Ordering::AcqRel);
        }
    }

    /// Gives back `bytes` held for `account`.
    pub(crate) fn release(&self, account: &Account, bytes: usize) {
        account.held.fetch_sub(bytes, Ordering::AcqRel);
        self.held.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// Holds `bytes` of a pending packet (against the global limit only), if they fit.
    pub(crate) fn reserve_pending(&self, bytes: usize) -> Result<(), Shortfall> {
        if self.held.fetch_add(bytes, Ordering::Relaxed) + bytes > self.limit {
            self.held.fetch_sub(bytes, Ordering::Relaxed);
            return Err(Shortfall::Limit);
        }
        Ok(())
    }

    /// Gives back `bytes` of pending packets (drained, expired or not stored after all).
    pub(crate) fn release_pending(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_fits_the_share_and_the_limit_or_holds_nothing() {
        let b = Budget::new(1000, 0.5);
        let (a, c) = (Account::default(), Account::default());
        assert_eq!(b.reserve(&a, 501), Err(Shortfall::LargerThanShare));
        assert_eq!(b.reserve(&a, 400), Ok(()));
        assert_eq!(b.reserve(&a, 200), Err(Shortfall::Share));
        assert_eq!(
            (a.held(), b.held()),
            (400, 400),
            "a shortfall holds nothing"
        );
        assert_eq!(b.reserve(&c, 500), Ok(()));
        assert_eq!(b.reserve(&a, 100), Ok(()));
        assert_eq!(b.reserve(&c, 1), Err(Shortfall::Share));
        b.release(&c, 100);
        assert_eq!(b.reserve(&a, 1), Err(Shortfall::Share));
        let d = Account::default();
        assert_eq!(b.reserve(&d, 101), Err(Shortfall::Limit));
        assert_eq!(b.reserve(&d, 100), Ok(()));
        assert_eq!(
            (a.held(), c.held(), d.held(), b.held()),
            (500, 400, 100, 1000)
        );
    }

    #[test]
    fn charges_pass_the_limits_and_count_against_later_reservations() {
        let b = Budget::new(1000, 0.5);
        let a = Account::default();
        b.charge(&a, 600);
        b.charge(&a, 0);
        assert_eq!((a.held(), b.held()), (600, 600));
        assert_eq!(b.reserve(&a, 1), Err(Shortfall::Share));
        b.release(&a, 600);
        assert_eq!((a.held(), b.held()), (0, 0));
    }

    #[test]
    fn pending_bytes_count_against_the_global_limit_only() {
        let b = Budget::new(1000, 0.25);
        assert_eq!(b.reserve_pending(900), Ok(()));
        assert_eq!(b.reserve_pending(101), Err(Shortfall::Limit));
        assert_eq!(b.held(), 900);
        let a = Account::default();
        assert_eq!(b.reserve(&a, 200), Err(Shortfall::Limit));
        b.release_pending(900);
        assert_eq!(b.reserve(&a, 200), Ok(()));
        assert_eq!((a.held(), b.held()), (200, 200));
    }
}
