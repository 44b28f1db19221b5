package tailsampling

// #include "tailsampling.h"
import "C"

import (
	"encoding/json"
	"fmt"
)

// Report is the result of ValidateConfig: the report of `tailsampling check --format json`.
type Report struct {
	// OK is true when no finding is an error (warnings allowed).
	OK bool `json:"ok"`
	// Errors and Warnings count the findings by severity.
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	// Findings are the problems found, in document order.
	Findings []Finding `json:"findings"`
	// ReferencedFields maps the JSON path of each pipeline the engine would run to the fields
	// its condition reads, in order of first use (lineage).
	ReferencedFields map[string][]string `json:"referenced_fields"`
	// FieldTypes maps, with a schema, the same pipelines to field → declared type ("tag",
	// "string", "int", …; "" when the schema does not declare the field).
	FieldTypes map[string]map[string]string `json:"field_types"`
}

// Finding is one problem of a config.
type Finding struct {
	// Severity is "error" or "warning".
	Severity string `json:"severity"`
	// Path is the JSON path of the value ("" for the whole document).
	Path string `json:"path"`
	// Pipeline names the pipeline the path is in ("" outside one, or for an unnamed one).
	Pipeline string `json:"pipeline"`
	// Line and Column are the 1-based position inside the condition (0 elsewhere).
	Line   int `json:"line"`
	Column int `json:"column"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Hint is the fix, or "".
	Hint string `json:"hint"`
	// Reference and Ours, for a construct the reference engine accepts but evaluates
	// surprisingly or differently from this engine (docs/protocol.md, "Deviations"): what
	// the reference does, and what this engine does in the compatibility mode in force; ""
	// otherwise.
	Reference string `json:"reference"`
	Ours      string `json:"ours"`
}

// ValidateConfig checks the sampling config cfg without a processor, against the declared
// schema if one is given (JSON {"tracing": {"status": "tag", ...}} or SQL CREATE TABLE; nil or
// empty means none). A config with errors is still a successful check: the Report says
// OK == false. A schema that does not parse is ErrInvalidArgument, naming its line.
func ValidateConfig(cfg, schema []byte) (*Report, error) {
	cp, cn := cChars(cfg)
	sp, sn := cChars(schema)
	var out C.ts_buf
	var cerr *C.ts_error
	if err := check(C.ts_validate_config(cp, cn, sp, sn, &out, &cerr), cerr); err != nil {
		return nil, err
	}
	js := goBytes(out.data, out.len)
	C.ts_buf_free(&out)
	r := new(Report)
	if err := json.Unmarshal(js, r); err != nil {
		return nil, fmt.Errorf("tailsampling: ValidateConfig: decoding the report: %w", err)
	}
	return r, nil
}
