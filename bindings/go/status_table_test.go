package tailsampling

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// statusRow is a row of the core's status table.
type statusRow struct {
	variant string
	value   uint32
	name    string
	http    int
}

// statusTable reads the rows of the core's status table, the one place the statuses are
// written (for_each_status! in crates/tailsampling/src/engine/error.rs).
func statusTable(t *testing.T) []statusRow {
	t.Helper()
	src := string(readRepo(t, "crates/tailsampling/src/engine/error.rs"))
	re := regexp.MustCompile(`(?m)^\s*([A-Z]\w*) = (\d+), "([a-z_]+)", (\d+),$`)
	var rows []statusRow
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		v, _ := strconv.ParseUint(m[2], 10, 32)
		h, _ := strconv.Atoi(m[4])
		rows = append(rows, statusRow{m[1], uint32(v), m[3], h})
	}
	if len(rows) < 11 {
		t.Fatalf("found %d rows of the status table in crates/tailsampling/src/engine/error.rs", len(rows))
	}
	return rows
}

// goDecls parses a file of this package and returns, for each declaration `Name = <value>`
// (const or var), the value's source text, e.g. "C.TS_OK" or "&Error{Code: StatusBusy}".
func goDecls(t *testing.T, file string) map[string]string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.ValueSpec); ok && len(s.Names) == len(s.Values) {
			for i, name := range s.Names {
				out[name.Name] = string(src[s.Values[i].Pos()-1 : s.Values[i].End()-1])
			}
		}
		return true
	})
	return out
}

// The statuses are written out on the Go side of the C ABI three times: the header's TS_*
// defines (generated from the literal constants of crates/tailsampling-ffi), the Status
// constants (status.go) and the error sentinels (error.go). Each is checked against the
// core's status table, and every status goes through the C ABI's ts_status_str and
// ts_status_http.
func TestStatusesAreTheCoreTable(t *testing.T) {
	rows := statusTable(t)

	header, err := os.ReadFile("tailsampling.h") // the copy cgo reads
	if err != nil {
		t.Fatal(err)
	}
	defines := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^#define (TS_\w+) (\d+)$`).FindAllStringSubmatch(string(header), -1) {
		defines[m[1]] = m[2]
	}

	// Status constants: the Go name of each C status.
	goName := map[string]string{}
	for name, value := range goDecls(t, "status.go") {
		if c, ok := strings.CutPrefix(value, "C."); ok && strings.HasPrefix(name, "Status") {
			goName[c] = name
		}
	}
	var tableC []string
	for _, r := range rows {
		c := "TS_" + strings.ToUpper(r.name)
		tableC = append(tableC, c)
		if got := defines[c]; got != strconv.FormatUint(uint64(r.value), 10) {
			t.Errorf("%s: the header defines %q, the table says %d", c, got, r.value)
		}
		s := Status(r.value)
		if s.String() != r.name || s.StatusHTTP() != r.http {
			t.Errorf("%s through the C ABI: %q %d, the table says %q %d", c, s, s.StatusHTTP(), r.name, r.http)
		}
	}
	slices.Sort(tableC)
	if got := slices.Sorted(maps.Keys(goName)); !slices.Equal(got, tableC) {
		t.Errorf("status.go has Status constants for %v, the table has %v", got, tableC)
	}

	// Sentinels: one per failure status (all but ok and pending), plus ErrClosed.
	want := []string{"StatusClosed"}
	for _, r := range rows {
		if r.name != "ok" && r.name != "pending" {
			want = append(want, goName["TS_"+strings.ToUpper(r.name)])
		}
	}
	var got []string
	re := regexp.MustCompile(`^&Error\{Code: (Status\w+)\}$`)
	for name, value := range goDecls(t, "error.go") {
		if m := re.FindStringSubmatch(value); m != nil && strings.HasPrefix(name, "Err") {
			got = append(got, m[1])
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("error.go has sentinels for %v, want %v", got, want)
	}
}
