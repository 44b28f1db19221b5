//! Per-token state: the token's config (and its decision plan), its account against the memory
//! budget, its groups in age order (for early decisions), its ledger, its built-in metrics and
//! the fields observed in its data.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::budget::Account;
use super::ledger::Ledger;
use super::pending::{Pending, PendingPacket};
use super::plan::Plan;
use crate::config::Diagnostic;
use crate::metrics::Builtin;
use crate::schema::Observed;
use crate::wire::DataType;

/// Decisions per deciding pipeline (or reason), for stats and reports.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) kept: u64,
    pub(crate) dropped: u64,
}

impl Tally {
    /// Counts one decision.
    pub(crate) fn count(&mut self, kept: bool) {
        if kept {
            self.kept += 1;
        } else {
            self.dropped += 1;
        }
    }
}

/// The token's metric state, under one lock.
pub(crate) struct TenantMetrics {
    pub(crate) builtin: Builtin,
    /// Per data type (by index), decisions by deciding pipeline or provenance.
    pub(crate) by_pipeline: [HashMap<Box<str>, Tally>; 3],
}

impl std::fmt::Debug for TenantMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantMetrics")
            .field("by_pipeline", &self.by_pipeline)
            .finish_non_exhaustive()
    }
}

/// The current config of a token (with its decision plan) and when it last changed.
#[derive(Debug)]
pub(crate) struct Installed {
    pub(crate) plan: Arc<Plan>,
    pub(crate) changed_at_ns: i64,
    /// The warnings of the config when it was applied.
    pub(crate) warnings: Vec<Diagnostic>,
}

#[derive(Debug)]
pub(crate) struct Tenant {
    pub(crate) token: Arc<str>,
    pub(crate) config: RwLock<Option<Installed>>,
    /// What this token holds against the memory budget.
    pub(crate) account: Account,
    /// Buffered groups by creation sequence: the oldest is decided first when over budget.
    pub(crate) order: Mutex<BTreeMap<u64, u64>>,
    /// Where the token's accepted packets are: every counter of its statistics.
    pub(crate) ledger: Ledger,
    pub(crate) metrics: Mutex<TenantMetrics>,
    /// Keys and types seen in decided groups, per data type (live drift).
    pub(crate) observed: [Mutex<Observed>; 3],
}

impl Tenant {
    pub(crate) fn new(token: Arc<str>, metrics_window: std::time::Duration) -> Self {
        Tenant {
            token,
            config: RwLock::new(None),
            account: Account::default(),
            order: Mutex::new(BTreeMap::new()),
            ledger: Ledger::default(),
            observed: Default::default(),
            metrics: Mutex::new(TenantMetrics {
                builtin: Builtin::new(metrics_window),
                by_pipeline: Default::default(),
            }),
        }
    }

    /// Whether the config in force has top-level `version`.
    pub(crate) fn runs_version(&self, version: i64) -> bool {
        self.config
            .read()
            .as_ref()
            .is_some_and(|i| i.plan.config().version == version)
    }

    /// Installs the config of `plan` at `now` with its `warnings`, unless it has the version
    /// of the config in force (`None`: ignored). Takes from `pending` (whose lock the caller
    /// holds: it comes before `config` in the lock order) the token's packets of the data
    /// types the config covers, oldest first, for the caller to drain.
    pub(crate) fn install(
        &self,
        pending: &mut Pending,
        plan: Plan,
        now: i64,
        warnings: &[Diagnostic],
    ) -> Option<Vec<PendingPacket>> {
        let mut installed = self.config.write();
        let version = plan.config().version;
        if installed
            .as_ref()
            .is_some_and(|i| i.plan.config().version == version)
        {
            return None;
        }
        let mut drained = Vec::new();
        for dt in DataType::ALL.into_iter().filter(|dt| plan.covers(*dt)) {
            drained.extend(pending.take(&self.token, dt));
        }
        *installed = Some(Installed {
            plan: Arc::new(plan),
            changed_at_ns: now,
            warnings: warnings.to_vec(),
        });
        Some(drained)
    }

    /// The plan of the config in force now, if any.
    pub(crate) fn plan(&self) -> Option<Arc<Plan>> {
        self.config.read().as_ref().map(|i| i.plan.clone())
    }
}
