package tailsampling

import (
	"encoding/json"
	"time"
)

// Clock selects how a processor's clock moves.
type Clock string

// The clocks.
const (
	// ClockSystem is the system wall clock (the default).
	ClockSystem Clock = "system"
	// ClockManual moves only through Processor.SetTime, starting at the Unix epoch: tests and
	// replays of captured traffic at any speed.
	ClockManual Clock = "manual"
)

// LateData selects what happens to packets of a group that was already decided.
type LateData string

// The late-data policies.
const (
	// LateDataRemember remembers decisions in a bounded cache: late packets of a kept group are
	// delivered at the next poll, of a dropped group dropped and counted (the default).
	LateDataRemember LateData = "remember"
	// LateDataNewGroup starts a new group, as the reference engine does.
	LateDataNewGroup LateData = "new_group"
)

// Compat selects whose behaviour the engine follows where it deliberately differs from the
// Guance reference engine (docs/protocol.md, "Deviations").
type Compat string

// The compatibility modes.
const (
	// CompatDefault keeps this engine's documented fixes of the reference's quirks (the
	// default).
	CompatDefault Compat = "default"
	// CompatReference reproduces the reference engine's decisions bit for bit, its predicate
	// fast path aside; late data then starts a new group unless LateData says otherwise.
	CompatReference Compat = "reference"
)

// Options configures a processor. The zero value of a field means the engine's default (given
// in brackets), so Options{} is all defaults; in particular a limit cannot be set to 0 here.
// Out-of-range values are reported by New as ErrInvalidArgument naming the option.
type Options struct {
	// Clock: ClockSystem [default] or ClockManual.
	Clock Clock
	// Shards: independently locked group maps [16], 1 to 1024.
	Shards int
	// PendingMaxPackets: packets held per token and data type while no config is known
	// [100000]; more is StatusBusy.
	PendingMaxPackets int
	// PendingMaxBytes: bytes held per token and data type while no config is known [256 MiB].
	PendingMaxBytes int64
	// PendingMaxAge: pending packets older than this are dropped and counted [10m].
	PendingMaxAge time.Duration
	// MemoryLimitBytes: global limit on buffered payload bytes [1 GiB].
	MemoryLimitBytes int64
	// TokenMemoryShare: the fraction of MemoryLimitBytes one token may hold, in (0, 1]
	// [0.25]; over it, the token's oldest groups are decided early.
	TokenMemoryShare float64
	// MaxPacketBytes: larger packets are refused with StatusTooLarge [64 MiB].
	MaxPacketBytes int64
	// MaxGroupBytes: a group growing past this is decided at once [64 MiB].
	MaxGroupBytes int64
	// MaxDecompressedBytes: cap on one zstd payload's decompressed size [64 MiB].
	MaxDecompressedBytes int64
	// MaxBatchBytes: cap on one delivery body; a larger group goes alone [4 MiB].
	MaxBatchBytes int64
	// DecisionCacheSize: decisions remembered for late data [100000 groups].
	DecisionCacheSize int
	// DecisionCacheTTL: how long a decision is remembered [10m].
	DecisionCacheTTL time.Duration
	// LateData: LateDataRemember [default; LateDataNewGroup under CompatReference] or
	// LateDataNewGroup.
	LateData LateData
	// Compat: CompatDefault [default] or CompatReference.
	Compat Compat
	// DefaultTTL: the wait for config sections without a data_ttl [5m for traces, 1m for
	// logging and RUM].
	DefaultTTL time.Duration
	// MetricsWindow: the built-in metrics' window [30s].
	MetricsWindow time.Duration
	// DefaultToken: the token the dataway_aggregate runtime counters are written with
	// [none: they are not emitted].
	DefaultToken string
}

// MarshalJSON encodes the options as the engine's options JSON object (docs/architecture.md, "The C
// ABI"), leaving out zero fields; durations become Go duration strings ("10m0s").
func (o Options) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	put := func(name string, v any, zero bool) {
		if !zero {
			m[name] = v
		}
	}
	dur := func(name string, d time.Duration) { put(name, d.String(), d == 0) }
	put("clock", o.Clock, o.Clock == "")
	put("shards", o.Shards, o.Shards == 0)
	put("pending_max_packets", o.PendingMaxPackets, o.PendingMaxPackets == 0)
	put("pending_max_bytes", o.PendingMaxBytes, o.PendingMaxBytes == 0)
	dur("pending_max_age", o.PendingMaxAge)
	put("memory_limit_bytes", o.MemoryLimitBytes, o.MemoryLimitBytes == 0)
	put("token_memory_share", o.TokenMemoryShare, o.TokenMemoryShare == 0)
	put("max_packet_bytes", o.MaxPacketBytes, o.MaxPacketBytes == 0)
	put("max_group_bytes", o.MaxGroupBytes, o.MaxGroupBytes == 0)
	put("max_decompressed_bytes", o.MaxDecompressedBytes, o.MaxDecompressedBytes == 0)
	put("max_batch_bytes", o.MaxBatchBytes, o.MaxBatchBytes == 0)
	put("decision_cache_size", o.DecisionCacheSize, o.DecisionCacheSize == 0)
	dur("decision_cache_ttl", o.DecisionCacheTTL)
	put("late_data", o.LateData, o.LateData == "")
	put("compat", o.Compat, o.Compat == "")
	dur("default_ttl", o.DefaultTTL)
	dur("metrics_window", o.MetricsWindow)
	put("default_token", o.DefaultToken, o.DefaultToken == "")
	return json.Marshal(m)
}
