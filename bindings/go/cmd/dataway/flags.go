package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
)

const usageHead = `dataway: a reference Dataway host for the tail-sampling engine.

Serves Datakit's tail-sampling APIs:
  POST /v1/tail_sampling?token=T         one DataPacket per body, raw payloads (zstd: 415)
  POST /v1/tail_sampling_v2?token=T      the same, payloads may be zstd
  POST /v1/tail_sampling_config?token=T  the token's sampling config (JSON)
  GET  /metrics                          Prometheus text: engine stats, HTTP and delivery counters
  GET  /healthz                          200, or 503 once the engine is poisoned

Answers: 200 accepted, 412 accepted but the token has no config yet (push it), 503 busy (not
accepted: write directly), 400 decode or config error, 401 no ?token=, 403 token mismatch,
413 too large, 415 unsupported payload (v1 with zstd, unknown data type, Content-Encoding).

Modes:
  standalone  embeds the engine, polls it every --poll-interval and POSTs the kept data and the
              metrics to <upstream>/v1/write/<type>?token=T (or writes them under --out-dir);
              on SIGTERM: stops accepting, flushes, delivers, exits
  proxy       forwards tail-sampling requests to backends[Guance-Pick-Key % len(backends)]
              (the key is computed from the packet when the header is missing) and broadcasts
              configs to every backend; holds no state

Every flag can also be set by its environment variable (the flag wins).

Flags:
`

// config is the host's configuration, from flags and environment variables.
type config struct {
	listen          string
	mode            string
	upstream        string
	outDir          string
	backends        []string
	workers         int
	queue           int
	retries         int
	retryBackoff    time.Duration
	sendTimeout     time.Duration
	pollInterval    time.Duration
	metricsInterval time.Duration
	shutdownTimeout time.Duration
	maxBodyBytes    int64
	engine          ts.Options
}

// envName is the environment variable of flag name: DW_ and the name in upper snake case.
func envName(name string) string {
	return "DW_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags reads the configuration from args and, for the flags args does not set, from
// getenv. On -h it prints the usage to out and returns flag.ErrHelp.
func parseFlags(args []string, getenv func(string) string, out io.Writer) (*config, error) {
	c := &config{}
	var backends, compat string
	fs := flag.NewFlagSet("dataway", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.listen, "listen", ":9528", "`address` to serve HTTP on")
	fs.StringVar(&c.mode, "mode", "standalone", "standalone or proxy")
	fs.StringVar(&c.upstream, "upstream", "", "standalone: base `URL` to write kept data and metrics to")
	fs.StringVar(&c.outDir, "out-dir", "", "standalone: write the bodies under `dir`/TOKEN/TYPE/ instead")
	fs.StringVar(&backends, "backends", "", "proxy: comma-separated base `URLs` of the standalone Dataways")
	fs.IntVar(&c.workers, "workers", 4, "standalone: delivery workers")
	fs.IntVar(&c.queue, "queue", 256, "standalone: deliveries waiting for a worker before polling waits")
	fs.IntVar(&c.retries, "retries", 3, "standalone: retries of a failed delivery (5xx, 408, 429, network)")
	fs.DurationVar(&c.retryBackoff, "retry-backoff", 500*time.Millisecond, "standalone: first retry delay, doubled at each retry")
	fs.DurationVar(&c.sendTimeout, "send-timeout", 30*time.Second, "timeout of one upstream or backend request")
	fs.DurationVar(&c.pollInterval, "poll-interval", time.Second, "standalone: how often expired groups are decided and delivered")
	fs.DurationVar(&c.metricsInterval, "metrics-interval", time.Minute, "standalone: how often the built-in metrics are delivered")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM: time to finish requests and deliveries")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", 64<<20, "largest request body (413 beyond; also the engine's max_packet_bytes)")
	fs.StringVar(&c.engine.DefaultToken, "token", "", "standalone: this Dataway's own token, for its runtime counters (dataway_aggregate); none: not sent")
	fs.IntVar(&c.engine.PendingMaxPackets, "pending-max-packets", 0, "engine: packets held per token and data type awaiting a config (0: 100000)")
	fs.Int64Var(&c.engine.PendingMaxBytes, "pending-max-bytes", 0, "engine: bytes held per token and data type awaiting a config (0: 256 MiB)")
	fs.Int64Var(&c.engine.MemoryLimitBytes, "memory-limit-bytes", 0, "engine: limit on buffered bytes (0: 1 GiB)")
	fs.Float64Var(&c.engine.TokenMemoryShare, "token-memory-share", 0, "engine: share of the memory limit one token may hold (0: 0.25)")
	fs.DurationVar(&c.engine.DefaultTTL, "default-ttl", 0, "engine: wait for configs without data_ttl (0: 5m traces, 1m logging and RUM)")
	fs.DurationVar(&c.engine.MetricsWindow, "metrics-window", 0, "engine: built-in metrics window (0: 30s)")
	fs.StringVar(&compat, "compat", "default", "engine: default (this engine's documented fixes) or reference (the Guance engine's decisions, quirks included)")
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " [$" + envName(f.Name) + "]" })
	fs.Usage = func() {
		fmt.Fprint(out, usageHead)
		fs.PrintDefaults()
	}

	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, b := range strings.Split(backends, ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.backends = append(c.backends, strings.TrimSuffix(b, "/"))
		}
	}
	c.upstream = strings.TrimSuffix(c.upstream, "/")
	c.engine.MaxPacketBytes = c.maxBodyBytes
	c.engine.Compat = ts.Compat(compat)
	return c, c.check()
}

func (c *config) check() error {
	switch c.mode {
	case "standalone":
		if (c.upstream == "") == (c.outDir == "") {
			return errors.New("standalone mode needs exactly one of --upstream and --out-dir")
		}
		if len(c.backends) > 0 {
			return errors.New("--backends is for proxy mode")
		}
	case "proxy":
		if len(c.backends) == 0 {
			return errors.New("proxy mode needs --backends")
		}
		if c.upstream != "" || c.outDir != "" {
			return errors.New("--upstream and --out-dir are for standalone mode")
		}
	default:
		return fmt.Errorf("--mode %q: want standalone or proxy", c.mode)
	}
	if c.engine.Compat != ts.CompatDefault && c.engine.Compat != ts.CompatReference {
		return fmt.Errorf("--compat %q: want default or reference", c.engine.Compat)
	}
	for _, u := range append([]string{c.upstream}, c.backends...) {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") ||
			p.Host == "" || p.RawQuery != "" {
			return fmt.Errorf("%q: want a base URL such as http://host:port", u)
		}
	}
	if c.workers < 1 || c.queue < 0 || c.retries < 0 || c.maxBodyBytes < 1 || c.pollInterval <= 0 ||
		c.metricsInterval <= 0 || c.sendTimeout <= 0 || c.retryBackoff <= 0 {
		return errors.New("--workers, --max-body-bytes and the intervals must be positive; --queue and --retries not negative")
	}
	return nil
}
