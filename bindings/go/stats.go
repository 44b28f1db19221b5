package tailsampling

// Stats are the engine statistics (Processor.Stats): every accepted packet is, at any moment,
// pending, buffered, kept or dropped, per token and in total. The types mirror the engine's
// (its JSON, StatsJSON, is their serialization); TestStatsCoverEveryField checks that they
// cover every field.
type Stats struct {
	// Memory is the global memory budget.
	Memory struct {
		// HeldBytes is the payload bytes buffered and pending now.
		HeldBytes uint64 `json:"held_bytes"`
		// LimitBytes is Options.MemoryLimitBytes.
		LimitBytes uint64 `json:"limit_bytes"`
	} `json:"memory"`
	// Total sums the counters of every token.
	Total Counters `json:"total"`
	// Tokens holds the counters of each token the engine has seen.
	Tokens map[string]TokenStats `json:"tokens"`
}

// Counters count packets and groups through the engine, for one token or in total.
type Counters struct {
	// Accepted counts the packets ingested with StatusOK or StatusPending.
	Accepted uint64 `json:"accepted"`
	// RefusedBusy counts the packets refused with StatusBusy (not accepted).
	RefusedBusy uint64 `json:"refused_busy"`
	// Pending is what waits for a config now.
	Pending struct {
		Packets uint64 `json:"packets"`
		Bytes   uint64 `json:"bytes"`
	} `json:"pending"`
	// Buffered is what waits for a decision now.
	Buffered struct {
		Groups  uint64 `json:"groups"`
		Packets uint64 `json:"packets"`
		Bytes   uint64 `json:"bytes"`
	} `json:"buffered"`
	// Kept counts what was decided kept (and handed to PollKept).
	Kept struct {
		Groups  uint64 `json:"groups"`
		Packets uint64 `json:"packets"`
	} `json:"kept"`
	// Dropped counts what was dropped, by decision or for a counted reason.
	Dropped struct {
		Groups  uint64 `json:"groups"`
		Packets uint64 `json:"packets"`
		// ByReason counts dropped packets by reason ("pipeline", "no_match", "no_config", …).
		ByReason map[string]uint64 `json:"by_reason"`
	} `json:"dropped"`
	// EarlyDecisions counts groups decided before their TTL to stay within memory.
	EarlyDecisions uint64 `json:"early_decisions"`
	// Late counts packets that arrived after their group was decided, by that decision.
	Late struct {
		Kept    uint64 `json:"kept"`
		Dropped uint64 `json:"dropped"`
	} `json:"late"`
	// Configs counts SetConfig outcomes.
	Configs struct {
		Applied  uint64 `json:"applied"`
		Ignored  uint64 `json:"ignored"`
		Rejected uint64 `json:"rejected"`
	} `json:"configs"`
}

// Conserved reports whether every accepted packet is accounted for:
// Accepted == Pending.Packets + Buffered.Packets + Kept.Packets + Dropped.Packets. It holds
// at any quiescent moment (no call in flight).
func (c *Counters) Conserved() bool {
	return c.Accepted == c.Pending.Packets+c.Buffered.Packets+c.Kept.Packets+c.Dropped.Packets
}

// TokenStats are the statistics of one token.
type TokenStats struct {
	Counters
	// HeldBytes is the payload bytes of this token buffered and pending now.
	HeldBytes uint64 `json:"held_bytes"`
	// Decisions counts decided groups by data type, then by deciding pipeline.
	Decisions map[string]map[string]struct {
		Kept    uint64 `json:"kept"`
		Dropped uint64 `json:"dropped"`
	} `json:"decisions"`
	// Config describes the config in force; nil when the token has none.
	Config *struct {
		// Version is the config's top-level version.
		Version int64 `json:"version"`
		// ChangedAtUnixNano is when it was applied, on the processor's clock.
		ChangedAtUnixNano int64 `json:"changed_at_unix_nano"`
		// Warnings are the config's warnings, as ValidateConfig reports them.
		Warnings []Finding `json:"warnings"`
	} `json:"config"`
	// Drift is the live drift of the config against the keys observed in decided groups,
	// by data type ("tracing", …) of the config's sections.
	Drift map[string]Drift `json:"drift"`
}

// Drift is the drift of one data type's config against the observed keys.
type Drift struct {
	// ObservedGroups counts the groups observed so far.
	ObservedGroups uint64 `json:"observed_groups"`
	// ObservedKeys counts the distinct keys remembered.
	ObservedKeys uint64 `json:"observed_keys"`
	// KeysOverLimit counts the new keys not remembered (over the engine's bounds).
	KeysOverLimit uint64 `json:"keys_over_limit"`
	// Pipelines holds the pipelines with drift, by JSON path ("trace.pipelines[1]").
	Pipelines map[string]PipelineDrift `json:"pipelines"`
}

// PipelineDrift is the drift of one pipeline.
type PipelineDrift struct {
	// Name is the pipeline's name.
	Name string `json:"name"`
	// NeverObserved lists the keys its condition reads that no observed group had.
	NeverObserved []string `json:"never_observed"`
	// TypeMismatch lists the keys observed only with types its comparisons never match.
	TypeMismatch []struct {
		// Key is the key.
		Key string `json:"key"`
		// Observed lists the types it was seen with ("tag", "int", …).
		Observed []string `json:"observed"`
		// ComparedWith lists what the condition compares it with ("int", "string", …).
		ComparedWith []string `json:"compared_with"`
	} `json:"type_mismatch"`
}
