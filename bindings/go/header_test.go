package tailsampling

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// readRepo reads a file of the tailsampling repository around this module, or skips the test
// when the module is used outside it.
func readRepo(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../" + path)
	if os.IsNotExist(err) {
		t.Skipf("%s: not inside the tailsampling repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The module's copy of the header is the repository's.
func TestHeaderInSync(t *testing.T) {
	want := readRepo(t, "include/tailsampling.h")
	got, err := os.ReadFile("tailsampling.h")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bindings/go/tailsampling.h differs from include/tailsampling.h: run 'make go-header'")
	}
}

// Options has a field for every engine option (crates/tailsampling/src/engine/options.rs, Options::NAMES).
func TestOptionsCoverEngine(t *testing.T) {
	src := string(readRepo(t, "crates/tailsampling/src/engine/options.rs"))
	m := regexp.MustCompile(`(?s)pub const NAMES: \[&'static str; \d+\] = \[(.*?)\];`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal("no Options::NAMES in crates/tailsampling/src/engine/options.rs")
	}
	var engine []string
	for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllStringSubmatch(m[1], -1) {
		engine = append(engine, q[1])
	}
	all := Options{Clock: ClockManual, Shards: 1, PendingMaxPackets: 1, PendingMaxBytes: 1,
		PendingMaxAge: time.Second, MemoryLimitBytes: 1, TokenMemoryShare: 1, MaxPacketBytes: 1,
		MaxGroupBytes: 1, MaxDecompressedBytes: 1, MaxBatchBytes: 1, DecisionCacheSize: 1,
		DecisionCacheTTL: time.Second, LateData: LateDataRemember, Compat: CompatReference,
		DefaultTTL:    time.Second,
		MetricsWindow: time.Second, DefaultToken: "t"}
	js, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(js, &fields); err != nil {
		t.Fatal(err)
	}
	var ours []string
	for k := range fields {
		ours = append(ours, k)
	}
	slices.Sort(engine)
	slices.Sort(ours)
	if !slices.Equal(engine, ours) {
		t.Fatalf("engine options %v, Options marshals %v", engine, ours)
	}
	if js, _ := json.Marshal(Options{}); string(js) != "{}" {
		t.Fatalf("Options{} marshals as %s", js)
	}
}

// cgo.go's default link flags are the system libraries rustc names for the static library
// (the note `make` saves in target/capi/rustc-dev.log).
func TestLinkFlagsMatchRustc(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the default link flags are Linux's")
	}
	log := string(readRepo(t, "target/capi/rustc-dev.log"))
	m := regexp.MustCompile(`note: native-static-libs: (.*)`).FindStringSubmatch(log)
	if m == nil {
		t.Fatal("no native-static-libs note in target/capi/rustc-dev.log")
	}
	src, err := os.ReadFile("cgo.go")
	if err != nil {
		t.Fatal(err)
	}
	want := "#cgo !tailsampling_pkgconfig,linux LDFLAGS: " + strings.TrimSpace(m[1]) + "\n"
	if !strings.Contains(string(src), want) {
		t.Fatalf("cgo.go lacks the line %q", want)
	}
}
