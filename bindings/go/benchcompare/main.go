// Command benchcompare measures our engine (through the Go package) side by side with the
// Guance reference engine and OpenTelemetry's tailsamplingprocessor on one workload, checks
// that the kept sets agree, and prints `speedup_vs_reference: X` (on the first of the
// reference configs) as its last line. `make bench-compare` builds the release library and
// runs it; BENCHMARKS.md records the results.
//
// The parent process runs every measurement in a fresh child process (itself, with -child), so
// one engine's heap, RSS and garbage never show in another's numbers, and interleaves the
// repeated runs so that slow phases of a shared machine hit every engine alike.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is what one child run reports (JSON on its standard output).
type result struct {
	Engine  string `json:"engine"`
	Data    string `json:"data"`
	Threads int    `json:"threads"`
	Mode    string `json:"mode"`

	Packets int64 `json:"packets"`
	Points  int64 `json:"points"`
	Bytes   int64 `json:"bytes"`

	WallS         float64 `json:"wall_s"`
	CPUS          float64 `json:"cpu_s"`
	GoAllocBytes  uint64  `json:"go_alloc_bytes"`
	GoMallocs     uint64  `json:"go_mallocs"`
	PeakHeapBytes uint64  `json:"peak_heap_bytes"`
	PeakRSSBytes  uint64  `json:"peak_rss_bytes"`
	PeakHeldBytes uint64  `json:"peak_held_bytes"`

	KeptPoints   int64 `json:"kept_points"`
	KeptGroups   int64 `json:"kept_groups"`
	Groups       int64 `json:"groups"`
	MetricPoints int64 `json:"metric_points"`
	Refused      int64 `json:"refused"`

	RetainedHeldBytes uint64 `json:"retained_held_bytes"`
	RetainedRSSBytes  uint64 `json:"retained_rss_bytes"`
	RetainedHeapBytes uint64 `json:"retained_heap_bytes"`
	BufferedGroups    int64  `json:"buffered_groups"`

	KeysFile string `json:"keys_file,omitempty"`
	keys     []uint64
}

type options struct {
	capture, config, workDir, cpuProfile string
	refConfigs                           []string
	runs                                 int
	threads                              []int
	// child mode
	child        bool
	engine, data string
	mode         string
	childThreads int
	keysFile     string
	skipOTel     bool
}

func main() {
	var o options
	var threads, refConfigs string
	flag.StringVar(&o.capture, "capture", "", "the workload: a capture file (TSCAP1) of DataPackets")
	flag.StringVar(&o.config, "config", "config.json",
		"the sampling config of our engine's and OpenTelemetry's rows (keep { status = \"error\" }, then probabilistic)")
	flag.StringVar(&refConfigs, "reference-configs", "",
		"comma-separated configs on which our engine and the reference engine run side by side; "+
			"the last line's speedup_vs_reference is on the first")
	flag.StringVar(&o.workDir, "work", os.TempDir(), "directory for the kept-set files of the child runs")
	flag.IntVar(&o.runs, "runs", 3, "timed runs per engine and thread count; the median is reported")
	flag.StringVar(&threads, "threads", "1,2", "thread counts (GOMAXPROCS and ingesting goroutines)")
	flag.BoolVar(&o.skipOTel, "skip-otel", false, "leave OpenTelemetry out")
	flag.BoolVar(&o.child, "child", false, "internal: run one measurement and print it as JSON")
	flag.StringVar(&o.engine, "engine", "", "internal: ours, reference, otel, otel-otlp")
	flag.StringVar(&o.data, "data", "all", "internal: all or traces")
	flag.StringVar(&o.mode, "mode", "time", "internal: time, verify or retain")
	flag.IntVar(&o.childThreads, "child-threads", 1, "internal: threads of a child run")
	flag.StringVar(&o.keysFile, "keys", "", "internal: where a verify run writes its kept set")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "with -child: write a CPU profile of the timed region's process")
	flag.Parse()
	for _, t := range strings.Split(threads, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil || n < 1 {
			fatalf("-threads: bad thread count %q", t)
		}
		o.threads = append(o.threads, n)
	}
	for _, c := range strings.Split(refConfigs, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.refConfigs = append(o.refConfigs, c)
		}
	}
	if o.capture == "" {
		fatalf("-capture FILE is required")
	}
	var err error
	if o.child {
		err = child(&o)
	} else {
		err = parent(&o)
	}
	if err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchcompare: "+format+"\n", args...)
	os.Exit(1)
}

// child runs one measurement.
func child(o *options) error {
	runtime.GOMAXPROCS(o.childThreads)
	w, err := loadWorkload(o.capture)
	if err != nil {
		return err
	}
	if o.data == "traces" {
		w = w.tracesOnly()
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	res := &result{Engine: o.engine, Data: o.data, Threads: o.childThreads, Mode: o.mode,
		Packets: int64(len(w.packets)), Points: w.points(), Bytes: w.bytes}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch o.engine {
	case "ours":
		err = runOurs(w, cfg, o.mode, o.childThreads, res)
	case "reference":
		err = runReference(w, cfg, o.mode, o.childThreads, res)
	case "otel":
		err = runOTel(w, cfg, o.mode, o.childThreads, false, res)
	case "otel-otlp":
		err = runOTel(w, cfg, o.mode, o.childThreads, true, res)
	default:
		err = fmt.Errorf("unknown engine %q", o.engine)
	}
	if err != nil {
		return fmt.Errorf("%s (%s, %d threads, %s): %w", o.engine, o.data, o.childThreads, o.mode, err)
	}
	if o.keysFile != "" {
		if err := writeKeys(o.keysFile, res.keys); err != nil {
			return err
		}
		res.KeysFile = o.keysFile
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func writeKeys(path string, keys []uint64) error {
	b := make([]byte, 8*len(keys))
	for i, k := range keys {
		binary.LittleEndian.PutUint64(b[8*i:], k)
	}
	return os.WriteFile(path, b, 0o644)
}

func readKeys(path string) ([]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := make([]uint64, len(b)/8)
	for i := range keys {
		keys[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return keys, nil
}

// spawn runs one child measurement on config.
func spawn(o *options, config, engine, data, mode string, threads int, keys string) (*result, error) {
	args := []string{"-child", "-capture", o.capture, "-config", config, "-engine", engine,
		"-data", data, "-mode", mode, "-child-threads", strconv.Itoa(threads)}
	if keys != "" {
		args = append(args, "-keys", keys)
	}
	cmd := exec.Command(os.Args[0], args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s %s %d threads (%s): %w", engine, data, mode, threads, config, err)
	}
	res := &result{}
	if err := json.Unmarshal(out.Bytes(), res); err != nil {
		return nil, fmt.Errorf("%s %s %s: bad child output %q: %w", engine, data, mode, out.String(), err)
	}
	return res, nil
}

// verify runs one untimed, single-threaded child that records the kept set, and reads it.
func verify(o *options, config, engine, data string) (*result, []uint64, error) {
	path := filepath.Join(o.workDir, "benchcompare-"+engine+"-"+data+"-"+configName(config)+".keys")
	res, err := spawn(o, config, engine, data, "verify", 1, path)
	if err != nil {
		return nil, nil, err
	}
	keys, err := readKeys(res.KeysFile)
	return res, keys, err
}

// configName is a config's short name: its file name without "config-" and ".json".
func configName(path string) string {
	n := strings.TrimSuffix(filepath.Base(path), ".json")
	if c := strings.TrimPrefix(n, "config-"); c != "" {
		return c
	}
	return n
}

// row is one line of the throughput table.
type row struct {
	engine, data, config string
	threads              int
	label                string
	runs                 []*result
}

func (r *row) key() string { return rowKey(r.engine, r.data, r.config, r.threads) }

func rowKey(engine, data, config string, threads int) string {
	return fmt.Sprintf("%s/%s/%s/%d", engine, data, config, threads)
}

// med is the median over the row's runs of one metric (each column its own median).
func (r *row) med(metric func(*result) float64) float64 {
	vs := make([]float64, len(r.runs))
	for i, res := range r.runs {
		vs[i] = metric(res)
	}
	slices.Sort(vs)
	if n := len(vs); n%2 == 0 {
		return (vs[n/2-1] + vs[n/2]) / 2
	}
	return vs[len(vs)/2]
}

// The table's metrics.
var (
	pointsPerSec    = func(r *result) float64 { return float64(r.Points) / r.WallS }
	pointsPerCPUSec = func(r *result) float64 { return float64(r.Points) / r.CPUS }
)

func parent(o *options) error {
	started := time.Now()
	w, err := loadWorkload(o.capture)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	if !o.skipOTel && !cfg.errorsOnly() {
		return fmt.Errorf(`%s: OpenTelemetry's policies reproduce only keep { status = "error" }, then probabilistic`, o.config)
	}
	var refCfgs []*samplingConfig
	for _, path := range o.refConfigs {
		c, err := loadConfig(path)
		if err != nil {
			return err
		}
		refCfgs = append(refCfgs, c)
	}
	tr := w.tracesOnly()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	say("benchcompare: %s", started.Format("2006-01-02 15:04 MST"))
	say("machine: %s, %d CPUs, %.1f GiB, %s/%s, %s", cpuModel(), runtime.NumCPU(),
		float64(memTotal())/(1<<30), runtime.GOOS, runtime.GOARCH, runtime.Version())
	say("workload: %s: %d packets (%d tracing, %d logging) from %d tokens, %d spans + %d log lines, "+
		"%.1f MB encoded (%.0f B/point), %.1f%% zstd payloads",
		o.capture, len(w.packets), w.tracing, w.logging, w.tokens, w.spans, w.logLines,
		float64(w.bytes)/1e6, float64(w.bytes)/float64(w.points()), 100*float64(w.zstd)/float64(len(w.packets)))
	say("config %s (ours and otel): %s", o.config, cfg.describe())
	for _, c := range refCfgs {
		say("config %s (ours and the reference, [%s]): %s", c.path, configName(c.path), c.describe())
	}
	say("each run in a fresh process; %d runs per row, interleaved; every number is the median over the runs", o.runs)
	say("")

	var rows []*row
	add := func(engine, data, config, label string) {
		for _, t := range o.threads {
			rows = append(rows, &row{engine: engine, data: data, config: config, threads: t, label: label})
		}
	}
	add("ours", "all", o.config, "ours (Go package, all data)")
	add("ours", "traces", o.config, "ours (Go package, traces)")
	if !o.skipOTel {
		add("otel", "traces", o.config, "otel tailsampling (ptrace in)")
		add("otel-otlp", "traces", o.config, "otel tailsampling (OTLP bytes in)")
	}
	for _, c := range o.refConfigs {
		add("ours", "all", c, "ours (all data) ["+configName(c)+"]")
		add("reference", "all", c, "reference cliutils (all) ["+configName(c)+"]")
	}
	for run := range o.runs {
		for _, r := range rows {
			res, err := spawn(o, r.config, r.engine, r.data, "time", r.threads, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "run %d/%d %-36s %d thr: %8.0f points/s\n", run+1, o.runs, r.label,
				r.threads, pointsPerSec(res))
			r.runs = append(r.runs, res)
		}
	}

	say("%-36s %3s %10s %9s %7s %8s %10s %7s %9s %9s %9s", "engine (input)", "thr", "points/s", "packets/s",
		"MB/s", "CPU/wall", "pts/CPU-s", "GoB/pt", "allocs/pk", "peakheap", "peakRSS")
	byKey := map[string]*row{}
	for _, r := range rows {
		byKey[r.key()] = r
		say("%-36s %3d %10.0f %9.0f %7.1f %8.2f %10.0f %7.0f %9.1f %8.1fM %8.1fM", r.label, r.threads,
			r.med(pointsPerSec),
			r.med(func(m *result) float64 { return float64(m.Packets) / m.WallS }),
			r.med(func(m *result) float64 { return float64(m.Bytes) / 1e6 / m.WallS }),
			r.med(func(m *result) float64 { return m.CPUS / m.WallS }),
			r.med(pointsPerCPUSec),
			r.med(func(m *result) float64 { return float64(m.GoAllocBytes) / float64(m.Points) }),
			r.med(func(m *result) float64 { return float64(m.GoMallocs) / float64(m.Packets) }),
			r.med(func(m *result) float64 { return float64(m.PeakHeapBytes) / 1e6 }),
			r.med(func(m *result) float64 { return float64(m.PeakRSSBytes) / 1e6 }))
	}
	say("(points = spans + log lines; with \"traces\" input, spans only. MB/s: encoded DataPackets. CPU/wall: the process's")
	say(" CPU time over wall time (under 1 single-threaded: other jobs took the CPU). pts/CPU-s: points per CPU-second of the")
	say(" process, i.e. per core, unaffected by other jobs. GoB/pt: Go bytes allocated per point; allocs/pk: Go allocations")
	say(" per packet; peakheap/peakRSS: growth of the Go heap / process RSS over the run, sampled every 5 ms.)")
	say("")

	// Kept sets and held memory: one untimed run each.
	say("kept sets (one single-threaded run each, not timed):")
	mdl, err := model(w, cfg)
	if err != nil {
		return err
	}
	oursAll, oursAllKeys, err := verify(o, o.config, "ours", "all")
	if err != nil {
		return err
	}
	diff := compare(mdl.kept, oursAllKeys)
	say("  ours (all data) vs the reference semantics (docs/protocol.md, 'Grouping and time' and 'Decision', computed directly, same clock, late data = new group):")
	say("    expected %d kept points in %d of %d groups; ours kept %d points in %d of %d groups: %s",
		len(mdl.kept), mdl.keptGroups, mdl.groups, len(oursAllKeys), oursAll.KeptGroups, oursAll.Groups, diff.summary())
	for _, k := range diff.examples(3) {
		say("      %s", mdl.describe[k])
	}
	say("    ours peak held bytes (engine stats, polled every simulated second): %.1f MB", float64(oursAll.PeakHeldBytes)/1e6)

	var otelKeys []uint64
	_, oursTrKeys, err := verify(o, o.config, "ours", "traces")
	if err != nil {
		return err
	}
	trKept := map[uint64]bool{}
	for k := range mdl.kept {
		if _, ok := mdl.traceOf[k]; ok {
			trKept[k] = true
		}
	}
	say("  ours (traces only) vs the same: %s", compare(trKept, oursTrKeys).summary())
	if !o.skipOTel {
		if _, otelKeys, err = verify(o, o.config, "otel", "traces"); err != nil {
			return err
		}
		for _, line := range compareOTel(mdl, oursTrKeys, otelKeys) {
			say("  %s", line)
		}
	}
	for _, c := range refCfgs {
		lines, err := refKeptSets(o, w, c)
		if err != nil {
			return err
		}
		for _, line := range lines {
			say("  %s", line)
		}
	}
	say("")

	say("memory held while buffered (every traced span ingested, nothing decided yet; not timed):")
	ret, err := spawn(o, o.config, "ours", "traces", "retain", 1, "")
	if err != nil {
		return err
	}
	say("  encoded DataPackets: %.0f B/span", float64(tr.bytes)/float64(tr.spans))
	say("  ours: engine held bytes %.0f B/span (%.1f MB in %d groups), process RSS growth %.0f B/span",
		float64(ret.RetainedHeldBytes)/float64(tr.spans), float64(ret.RetainedHeldBytes)/1e6, ret.BufferedGroups,
		float64(ret.RetainedRSSBytes)/float64(tr.spans))
	if !o.skipOTel {
		oret, err := spawn(o, o.config, "otel", "traces", "retain", 1, "")
		if err != nil {
			return err
		}
		say("  otel: live Go heap growth %.0f B/span (%.1f MB)", float64(oret.RetainedHeapBytes)/float64(tr.spans),
			float64(oret.RetainedHeapBytes)/1e6)
	}
	say("")

	// The speedups compare single-threaded runs on the same spans, per CPU-second (per core):
	// on a shared machine wall time also counts other jobs' use of the CPU.
	oursTr1 := byKey[rowKey("ours", "traces", o.config, 1)]
	if !o.skipOTel {
		otel1, otlp1 := byKey[rowKey("otel", "traces", o.config, 1)], byKey[rowKey("otel-otlp", "traces", o.config, 1)]
		say("speedup_vs_otel_wall_clock: %.2f", oursTr1.med(pointsPerSec)/otel1.med(pointsPerSec))
		say("speedup_vs_otel_otlp_input: %.2f", oursTr1.med(pointsPerCPUSec)/otlp1.med(pointsPerCPUSec))
		say("speedup_vs_otel: %.2f", oursTr1.med(pointsPerCPUSec)/otel1.med(pointsPerCPUSec))
	}
	// Against the reference: all data (it decides traces and logging), per config; the first
	// config's ratio comes last, as the plain speedup_vs_reference.
	if len(o.refConfigs) == 0 {
		say("speedup_vs_reference: n/a (no -reference-configs)")
		return nil
	}
	for i := len(o.refConfigs) - 1; i >= 0; i-- {
		c := o.refConfigs[i]
		ours1, ref1 := byKey[rowKey("ours", "all", c, 1)], byKey[rowKey("reference", "all", c, 1)]
		if ours1 == nil || ref1 == nil {
			return fmt.Errorf("the speedups need the single-threaded rows (-threads with 1)")
		}
		suffix := "_" + configName(c)
		if i == 0 {
			suffix = ""
			say("(speedup_vs_reference: config %s, all data, per CPU-second; the reference at %.0f points/CPU-s, ours at %.0f)",
				configName(c), ref1.med(pointsPerCPUSec), ours1.med(pointsPerCPUSec))
		}
		say("speedup_vs_reference%s_wall_clock: %.2f", suffix, ours1.med(pointsPerSec)/ref1.med(pointsPerSec))
		say("speedup_vs_reference%s: %.2f", suffix, ours1.med(pointsPerCPUSec)/ref1.med(pointsPerCPUSec))
	}
	return nil
}

// refKeptSets compares the kept sets of ours and of the reference engine on config c with the
// model's (one untimed single-threaded run each).
func refKeptSets(o *options, w *workload, c *samplingConfig) ([]string, error) {
	mdl, err := model(w, c)
	if err != nil {
		return nil, err
	}
	name := configName(c.path)
	lines := []string{fmt.Sprintf("[%s] expected (the model, keep conditions as cond.go reads them): %d kept points in %d of %d groups",
		name, len(mdl.kept), mdl.keptGroups, mdl.groups)}
	for _, engine := range []string{"ours", "reference"} {
		res, keys, err := verify(o, c.path, engine, "all")
		if err != nil {
			return nil, err
		}
		d := compare(mdl.kept, keys)
		groups := map[int]bool{}
		for _, k := range append(slices.Clone(d.missing), d.extra...) {
			if g, ok := mdl.groupOf[k]; ok {
				groups[g] = true
			}
		}
		line := fmt.Sprintf("[%s] %s kept %d points in %d of %d groups: %s", name, engine, len(keys),
			res.KeptGroups, res.Groups, d.summary())
		if len(groups) > 0 {
			line += fmt.Sprintf(" (in %d groups)", len(groups))
		}
		lines = append(lines, line)
		for _, k := range d.examples(3) {
			lines = append(lines, "    "+mdl.describe[k])
		}
	}
	return lines, nil
}

// keyDiff compares an expected kept set with the keys an engine delivered.
type keyDiff struct {
	missing, extra []uint64
	duplicates     int
}

func compare(want map[uint64]bool, got []uint64) keyDiff {
	var d keyDiff
	seen := make(map[uint64]bool, len(got))
	for _, k := range got {
		if seen[k] {
			d.duplicates++
			continue
		}
		seen[k] = true
		if !want[k] {
			d.extra = append(d.extra, k)
		}
	}
	for k := range want {
		if !seen[k] {
			d.missing = append(d.missing, k)
		}
	}
	slices.Sort(d.missing)
	slices.Sort(d.extra)
	return d
}

func (d keyDiff) summary() string {
	if len(d.missing)+len(d.extra)+d.duplicates == 0 {
		return "identical (0 differences)"
	}
	return fmt.Sprintf("%d differences: %d expected but not kept, %d kept but not expected, %d delivered twice",
		len(d.missing)+len(d.extra)+d.duplicates, len(d.missing), len(d.extra), d.duplicates)
}

func (d keyDiff) examples(n int) []uint64 {
	out := append(slices.Clone(d.missing[:min(n, len(d.missing))]), d.extra[:min(n, len(d.extra))]...)
	return out
}

// compareOTel compares the spans OpenTelemetry kept with ours. Only the error part is
// deterministic across the two: OpenTelemetry's probabilistic policy hashes the trace id with
// its own salted FNV, ours (the reference's) takes group_id_hash % 10000.
func compareOTel(m *modelResult, ours, otel []uint64) []string {
	set := func(keys []uint64) map[uint64]bool {
		s := make(map[uint64]bool, len(keys))
		for _, k := range keys {
			s[k] = true
		}
		return s
	}
	o, t := set(ours), set(otel)
	var errSpans, errOurs, errOTel, errDiff, errDiffSplit int
	var okSpans, okOurs, okOTel, okBoth int
	var examples []string
	for k, tid := range m.traceOf {
		if m.errorTraces[tid] {
			errSpans++
			if o[k] {
				errOurs++
			}
			if t[k] {
				errOTel++
			}
			if o[k] != t[k] {
				errDiff++
				if m.splitTraces[tid] {
					errDiffSplit++
				}
				if len(examples) < 3 {
					examples = append(examples, fmt.Sprintf("    %s: ours kept %v, otel kept %v", m.describe[k], o[k], t[k]))
				}
			}
			continue
		}
		okSpans++
		if o[k] {
			okOurs++
		}
		if t[k] {
			okOTel++
		}
		if o[k] && t[k] {
			okBoth++
		}
	}
	lines := []string{
		fmt.Sprintf("otel vs ours, spans of traces with an error span (deterministic in both): %d spans; ours kept %d, otel kept %d; %d differ",
			errSpans, errOurs, errOTel, errDiff),
		fmt.Sprintf("  (%d of those are in traces of which some packets arrived after ours had decided the trace: like the reference,", errDiffSplit),
		"   ours decides late data as a new group; otel decides on the wall clock, and at replay speed it still had the trace open)",
	}
	lines = append(lines, examples...)
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	lines = append(lines, fmt.Sprintf(
		"otel vs ours, spans of traces without errors (probabilistic, different hashes): %d spans; ours kept %.1f%%, otel kept %.1f%%, both %.1f%%",
		okSpans, pct(okOurs, okSpans), pct(okOTel, okSpans), pct(okBoth, okSpans)))
	return lines
}
