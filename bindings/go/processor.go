package tailsampling

// #include "tailsampling.h"
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Processor is a tail-sampling engine. Every method is safe for concurrent use by many
// goroutines; Close waits for the calls in flight, after which every method returns ErrClosed.
// A Processor that becomes unreachable without Close is freed by a cleanup, but its buffered
// data is lost: Flush, poll and Close it when done.
type Processor struct {
	// mu is read-held across every C call on ptr and write-held by Close, which frees ptr.
	mu      sync.RWMutex
	ptr     *C.ts_processor
	cleanup runtime.Cleanup
}

// forgotten counts the processors freed by the cleanup rather than by Close (read by tests).
var forgotten atomic.Int64

func freeForgotten(h *C.ts_processor) {
	C.ts_processor_free(h)
	forgotten.Add(1)
}

// New creates a processor with opts (Options{} is all defaults). It fails with
// ErrInvalidArgument for a bad option, naming it, or when the linked library's ABI differs
// from the header this package was compiled with.
func New(opts Options) (*Processor, error) {
	if abi := uint32(C.ts_abi_version()); abi != C.TS_ABI_VERSION {
		return nil, &Error{Code: StatusInvalidArgument, Msg: fmt.Sprintf(
			"New: the linked libtailsampling has ABI version %d, this package was built for %d",
			abi, C.TS_ABI_VERSION)}
	}
	js, err := json.Marshal(opts)
	if err != nil {
		return nil, &Error{Code: StatusInvalidArgument, Msg: "New: " + err.Error()}
	}
	ptr, n := cChars(js)
	var h *C.ts_processor
	var cerr *C.ts_error
	if err := check(C.ts_processor_new(ptr, n, &h, &cerr), cerr); err != nil {
		return nil, err
	}
	p := &Processor{ptr: h}
	p.cleanup = runtime.AddCleanup(p, freeForgotten, h)
	return p, nil
}

// Close frees the processor and everything it holds (buffered groups, pending packets and
// undelivered kept data are dropped: Flush and poll first to drain). It waits for the calls in
// flight; later calls return ErrClosed. Closing again is a no-op.
func (p *Processor) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ptr == nil {
		return
	}
	p.cleanup.Stop()
	C.ts_processor_free(p.ptr)
	p.ptr = nil
}

// acquire read-locks p for one C call and returns its handle, or an ErrClosed error (then p is
// not locked). Every successful acquire is paired with release.
func (p *Processor) acquire(op string) (*C.ts_processor, error) {
	if p == nil {
		return nil, closedError(op)
	}
	p.mu.RLock()
	if p.ptr == nil {
		p.mu.RUnlock()
		return nil, closedError(op)
	}
	return p.ptr, nil
}

// release ends what acquire began; p stays reachable (so its cleanup cannot run) until here.
func (p *Processor) release() {
	p.mu.RUnlock()
	runtime.KeepAlive(p)
}

// Ingest offers one DataPacket (the body of a POST /v1/tail_sampling) for token, the token
// the host authenticated (the request's ?token=); an empty token means the packet's own. The
// body is read during the call only, without a copy on the Go side.
//
// It returns StatusOK (buffered) or StatusPending (held until the token's config arrives:
// answer HTTP 412), or a failure status with an *Error of that Code: ErrBusy (nothing stored:
// answer 503), ErrTooLarge, ErrDecode, ErrUnsupported, ErrTokenMismatch, ErrInvalidArgument,
// ErrPoisoned, ErrPanic, ErrClosed. Status.StatusHTTP maps every status to the HTTP answer.
func (p *Processor) Ingest(token string, body []byte) (Status, error) {
	h, err := p.acquire("Ingest")
	if err != nil {
		return StatusClosed, err
	}
	tp, tn := cText(token)
	bp, bn := cBytes(body)
	var cerr *C.ts_error
	st := C.ts_ingest(h, tp, tn, bp, bn, &cerr)
	p.release()
	return Status(st), check(st, cerr)
}

// SetConfig installs the sampling config cfg (the JSON a Datakit posts to
// /v1/tail_sampling_config) for token, which must not be empty. Applying it drains the
// token's pending packets into the engine.
//
// applied is false when the config was ignored because its top-level version equals the one
// in force (Datakit re-sends its config every minute and after every 412). Errors: ErrConfig
// (the config is rejected and the previous one stays in force; the message names the JSON
// path), ErrInvalidArgument, ErrPoisoned, ErrPanic, ErrClosed.
func (p *Processor) SetConfig(token string, cfg []byte) (applied bool, err error) {
	h, err := p.acquire("SetConfig")
	if err != nil {
		return false, err
	}
	tp, tn := cText(token)
	cp, cn := cChars(cfg)
	var out C.bool
	var cerr *C.ts_error
	st := C.ts_apply_config(h, tp, tn, cp, cn, &out, &cerr)
	p.release()
	if err := check(st, cerr); err != nil {
		return false, err
	}
	return bool(out), nil
}

// PollKept advances to now, decides every group whose TTL elapsed and returns the kept data to
// write upstream: per token and data type, bodies of at most Options.MaxBatchBytes. Concurrent
// polls each get a disjoint share. The result is empty when there is nothing to deliver.
func (p *Processor) PollKept() ([]Delivery, error) {
	h, err := p.acquire("PollKept")
	if err != nil {
		return nil, err
	}
	var out C.ts_deliveries
	var cerr *C.ts_error
	st := C.ts_poll_kept(h, &out, &cerr)
	p.release()
	if err := check(st, cerr); err != nil {
		return nil, err
	}
	return takeDeliveries(&out), nil
}

// PollMetrics advances to now and returns the built-in metrics of every ended window, one
// delivery per token to /v1/write/metric (after Flush: of every open window), plus the
// dataway_aggregate runtime counters under Options.DefaultToken if set.
func (p *Processor) PollMetrics() ([]Delivery, error) {
	h, err := p.acquire("PollMetrics")
	if err != nil {
		return nil, err
	}
	var out C.ts_deliveries
	var cerr *C.ts_error
	st := C.ts_poll_metrics(h, &out, &cerr)
	p.release()
	if err := check(st, cerr); err != nil {
		return nil, err
	}
	return takeDeliveries(&out), nil
}

// SetTime moves a manual clock (ClockManual) to t; an earlier time is ignored. The next poll
// decides what expired. ErrInvalidArgument on the system clock.
func (p *Processor) SetTime(t time.Time) error {
	h, err := p.acquire("SetTime")
	if err != nil {
		return err
	}
	var cerr *C.ts_error
	st := C.ts_set_time(h, C.int64_t(t.UnixNano()), &cerr)
	p.release()
	return check(st, cerr)
}

// Flush decides every buffered group now, for a host draining before exit: the next PollKept
// returns the kept data and the next PollMetrics every open window. Pending packets stay
// pending.
func (p *Processor) Flush() error {
	h, err := p.acquire("Flush")
	if err != nil {
		return err
	}
	var cerr *C.ts_error
	st := C.ts_flush(h, &cerr)
	p.release()
	return check(st, cerr)
}

// RecordSend counts n delivery attempts with result for token and dataType into the
// dataway_aggregate runtime counters (dataway_http_tail_sampling_packet_send_total), which
// PollMetrics reports when Options.DefaultToken is set. token and dataType must not be empty.
func (p *Processor) RecordSend(token, dataType string, result SendResult, n uint64) error {
	h, err := p.acquire("RecordSend")
	if err != nil {
		return err
	}
	tp, tn := cText(token)
	dp, dn := cText(dataType)
	var cerr *C.ts_error
	st := C.ts_record_send(h, tp, tn, dp, dn, C.uint32_t(result), C.uint64_t(n), &cerr)
	p.release()
	return check(st, cerr)
}

// Ack acknowledges deliveries (their Delivery.ID) as written upstream. The engine is
// memory-only: a delivery handed out by a poll is already forgotten, so any ids are accepted
// and nothing changes. Hosts call it after each successful upstream write all the same, so
// that they keep working unchanged once the engine keeps state on disk and hands out again,
// after a restart, the deliveries never acknowledged.
func (p *Processor) Ack(ids ...uint64) error {
	h, err := p.acquire("Ack")
	if err != nil {
		return err
	}
	var ptr *C.uint64_t
	if len(ids) > 0 {
		ptr = (*C.uint64_t)(unsafe.Pointer(&ids[0]))
	}
	var cerr *C.ts_error
	st := C.ts_ack(h, ptr, C.size_t(len(ids)), &cerr)
	p.release()
	return check(st, cerr)
}

// StatsJSON returns the engine statistics as the library renders them (the JSON that Stats
// decodes), for logging or for fields Stats does not know yet.
func (p *Processor) StatsJSON() ([]byte, error) {
	h, err := p.acquire("StatsJSON")
	if err != nil {
		return nil, err
	}
	defer p.release()
	return statsJSON(h)
}

// Stats returns the engine statistics. Counters are read one by one, so under concurrent
// traffic the snapshot is not atomic; at a quiescent moment Counters.Conserved holds.
func (p *Processor) Stats() (*Stats, error) {
	js, err := p.StatsJSON()
	if err != nil {
		return nil, err
	}
	s := new(Stats)
	if err := json.Unmarshal(js, s); err != nil {
		return nil, fmt.Errorf("tailsampling: Stats: decoding the stats: %w", err)
	}
	return s, nil
}

func statsJSON(h *C.ts_processor) ([]byte, error) {
	var out C.ts_buf
	var cerr *C.ts_error
	if err := check(C.ts_stats_json(h, &out, &cerr), cerr); err != nil {
		return nil, err
	}
	defer C.ts_buf_free(&out)
	return goBytes(out.data, out.len), nil
}
