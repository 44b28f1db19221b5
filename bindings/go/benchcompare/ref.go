package main

// The Guance reference engine (the Go module github.com/GuanceCloud/cliutils, package
// aggregate) driven like ours, the way a Dataway runs it: every packet body unmarshalled into
// a DataPacket and handed to IngestPacket as it arrives, and once per simulated second
// AdvanceTime (its time wheel moves one 1-second slot per call), TailSamplingOutcomes over each
// worker's share of the expired groups (decide; the kept packets are what it delivers) and
// FlushDerivedMetrics. At the end the wheel turns once round (3600 slots), which decides
// whatever is still buffered.

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/GuanceCloud/cliutils/aggregate"
	"github.com/GuanceCloud/cliutils/filter"
	"github.com/GuanceCloud/cliutils/logger"
)

// refShards is the reference's shard count (locks over its time wheel): more than the
// workers, so that ingesting goroutines seldom meet on one lock.
const refShards = 16

// refWheelSlots is the length of the reference's time wheel (timewheel.go).
const refWheelSlots = 3600

var silenceReference sync.Once

// quietReference sends the reference's logs (its aggregate and filter packages log through
// cliutils/logger, by default to standard output at debug level, which would also corrupt a
// child's JSON) to /dev/null, errors only.
func quietReference() error {
	var err error
	silenceReference.Do(func() {
		err = logger.InitRoot(&logger.Option{Path: os.DevNull, Level: logger.ERROR, Flags: logger.OPT_ENC_CONSOLE})
		if err != nil {
			return
		}
		filter.Init()
		aggregate.SetLogging(logger.SLogger("aggregate"))
	})
	return err
}

type reference struct {
	p       *aggregate.TailSamplingProcessor
	verify  bool
	workers int
	// shares[k] is worker k's part of the groups that expired this second.
	shares   []map[uint64]*aggregate.DataGroup
	kept     []refTally
	metricPt int64
}

type refTally struct {
	workerTally
	groups, keptGroups int64
}

func newReference(w *workload, cfg *samplingConfig, workers int, verify bool) (*reference, error) {
	if err := quietReference(); err != nil {
		return nil, fmt.Errorf("reference: silencing its logger: %w", err)
	}
	p := aggregate.NewDefaultTailSamplingProcessor(refShards, time.Duration(cfg.ttl["tracing"])*time.Second)
	for _, t := range w.tokenList {
		// Its data_ttl is a time.Duration, hence the integer nanoseconds in the config files.
		c := &aggregate.TailSamplingConfigs{}
		if err := json.Unmarshal(cfg.raw, c); err != nil {
			return nil, fmt.Errorf("reference: %s: %w", cfg.path, err)
		}
		if err := c.Init(); err != nil {
			return nil, fmt.Errorf("reference: %s: Init: %w", cfg.path, err)
		}
		if err := p.UpdateConfig(t, c); err != nil {
			return nil, fmt.Errorf("reference: %s: UpdateConfig: %w", cfg.path, err)
		}
	}
	r := &reference{p: p, verify: verify, workers: workers,
		shares: make([]map[uint64]*aggregate.DataGroup, workers), kept: make([]refTally, workers)}
	return r, nil
}

func (r *reference) ingest(k int, pk *packet) error {
	dp := &aggregate.DataPacket{}
	if err := dp.Unmarshal(pk.body); err != nil {
		r.kept[k].refused++
		return nil
	}
	// The token a Dataway takes from the request.
	dp.Token = pk.token
	r.p.IngestPacket(dp)
	return nil
}

func (r *reference) advance(int64) error {
	expired := r.p.AdvanceTime()
	if r.workers == 1 {
		r.shares[0] = expired
		return nil
	}
	for k := range r.shares {
		r.shares[k] = make(map[uint64]*aggregate.DataGroup, len(expired)/r.workers+1)
	}
	for key, g := range expired {
		r.shares[key%uint64(r.workers)][key] = g
	}
	return nil
}

func (r *reference) decide(k int) error {
	share := r.shares[k]
	r.shares[k] = nil
	if len(share) == 0 {
		return nil
	}
	t := &r.kept[k]
	for _, o := range r.p.TailSamplingOutcomes(share) {
		t.groups++
		if o == nil || o.Packet == nil {
			continue
		}
		t.keptGroups++
		t.points += int64(o.Packet.PointCount)
		if r.verify {
			body, err := aggregate.DecompressPointsPayload(o.Packet.PointsPayload, o.Packet.PayloadCompression)
			if err != nil {
				return fmt.Errorf("reference: a kept packet: %w", err)
			}
			dt := o.Packet.DataType
			err = walkPoints(body, func(pt *point) { t.keys = append(t.keys, pointKey(dt, pt)) })
			if err != nil {
				return fmt.Errorf("reference: a kept packet: %w", err)
			}
		}
	}
	return nil
}

func (r *reference) metrics(sec int64) error {
	for _, m := range r.p.FlushDerivedMetrics(time.Unix(sec, 0)) {
		r.metricPt += int64(len(m.PTS))
	}
	return nil
}

// flush turns the wheel once round: every group still buffered expires, into worker 0's
// share (the final decide of every worker follows).
func (r *reference) flush() error {
	all := map[uint64]*aggregate.DataGroup{}
	for range refWheelSlots {
		for key, g := range r.p.AdvanceTime() {
			all[key] = g
		}
	}
	r.shares[0] = all
	for k := 1; k < r.workers; k++ {
		r.shares[k] = nil
	}
	return nil
}

// runReference is one child run of the reference engine.
func runReference(w *workload, cfg *samplingConfig, mode string, workers int, res *result) error {
	r, err := newReference(w, cfg, workers, mode == "verify")
	if err != nil {
		return err
	}
	if mode == "retain" {
		return fmt.Errorf("reference: no retain mode")
	}
	m := begin()
	err = drive(w, r, workers, cfg.maxTTL()+1)
	m.end(res)
	if err != nil {
		return err
	}
	for _, t := range r.kept {
		res.KeptPoints += t.points
		res.Refused += t.refused
		res.keys = append(res.keys, t.keys...)
		res.Groups += t.groups
		res.KeptGroups += t.keptGroups
	}
	res.MetricPoints = r.metricPt
	return nil
}
