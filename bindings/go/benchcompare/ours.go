package main

// Our engine through the Go package, end to end: Ingest every packet, and once per simulated
// second SetTime, PollKept (decide and deliver into Go memory) and PollMetrics.

import (
	"fmt"
	"time"

	ts "github.com/tailsampling/tailsampling-go"
)

type ours struct {
	p      *ts.Processor
	verify bool
	// Per worker, so workers share no counter.
	kept     []workerTally
	metricPt int64
	peakHeld uint64
}

type workerTally struct {
	points  int64
	refused int64
	keys    []uint64
	_       [64]byte // keeps the workers' tallies on separate cache lines
}

func newOurs(w *workload, cfg *samplingConfig, workers int, verify bool) (*ours, error) {
	// The reference's late data: a packet of a decided group starts a new group.
	p, err := ts.New(ts.Options{Clock: ts.ClockManual, LateData: ts.LateDataNewGroup})
	if err != nil {
		return nil, err
	}
	for _, t := range w.tokenList {
		if _, err := p.SetConfig(t, cfg.raw); err != nil {
			p.Close()
			return nil, err
		}
	}
	if len(w.packets) > 0 {
		if err := p.SetTime(time.Unix(0, w.packets[0].sec*nsPerSec)); err != nil {
			p.Close()
			return nil, err
		}
	}
	return &ours{p: p, verify: verify, kept: make([]workerTally, workers)}, nil
}

func (o *ours) ingest(k int, pk *packet) error {
	st, err := o.p.Ingest(pk.token, pk.body)
	if st != ts.StatusOK {
		o.kept[k].refused++
		if st != ts.StatusBusy {
			return fmt.Errorf("ours: Ingest: %v: %w", st, err)
		}
	}
	return nil
}

func (o *ours) advance(sec int64) error { return o.p.SetTime(time.Unix(0, sec*nsPerSec)) }

func (o *ours) decide(k int) error {
	ds, err := o.p.PollKept()
	if err != nil {
		return err
	}
	t := &o.kept[k]
	for _, d := range ds {
		t.points += int64(d.Points)
		if o.verify {
			err := walkPoints(d.Body, func(pt *point) { t.keys = append(t.keys, pointKey(d.DataType, pt)) })
			if err != nil {
				return fmt.Errorf("ours: a delivered body: %w", err)
			}
		}
	}
	return nil
}

func (o *ours) metrics(int64) error {
	ds, err := o.p.PollMetrics()
	if err != nil {
		return err
	}
	for _, d := range ds {
		o.metricPt += int64(d.Points)
	}
	if o.verify {
		s, err := o.p.Stats()
		if err != nil {
			return err
		}
		o.peakHeld = max(o.peakHeld, s.Memory.HeldBytes)
	}
	return nil
}

func (o *ours) flush() error { return o.p.Flush() }

// runOurs is one child run of our engine.
func runOurs(w *workload, cfg *samplingConfig, mode string, workers int, res *result) error {
	o, err := newOurs(w, cfg, workers, mode == "verify")
	if err != nil {
		return err
	}
	defer o.p.Close()
	if mode == "retain" {
		return retainOurs(w, o, res)
	}
	m := begin()
	err = drive(w, o, workers, cfg.maxTTL()+1)
	m.end(res)
	if err != nil {
		return err
	}
	for _, t := range o.kept {
		res.KeptPoints += t.points
		res.Refused += t.refused
		res.keys = append(res.keys, t.keys...)
	}
	res.MetricPoints = o.metricPt
	res.PeakHeldBytes = o.peakHeld
	s, err := o.p.Stats()
	if err != nil {
		return err
	}
	if !s.Total.Conserved() || s.Total.Buffered.Packets != 0 {
		return fmt.Errorf("ours: after the run, accepted %d != pending %d + buffered %d + kept %d + dropped %d",
			s.Total.Accepted, s.Total.Pending.Packets, s.Total.Buffered.Packets, s.Total.Kept.Packets,
			s.Total.Dropped.Packets)
	}
	res.KeptGroups = int64(s.Total.Kept.Groups)
	res.Groups = int64(s.Total.Kept.Groups + s.Total.Dropped.Groups)
	return nil
}

// retainOurs ingests everything without moving the clock (nothing is decided) and records
// what the engine holds: its held bytes and the process RSS growth.
func retainOurs(w *workload, o *ours, res *result) error {
	rss := newRSSReader()
	rss0 := rss.read()
	for i := range w.packets {
		if err := o.ingest(0, &w.packets[i]); err != nil {
			return err
		}
	}
	s, err := o.p.Stats()
	if err != nil {
		return err
	}
	res.Refused = o.kept[0].refused
	res.RetainedHeldBytes = s.Memory.HeldBytes
	res.RetainedRSSBytes = sub(rss.read(), rss0)
	res.BufferedGroups = int64(s.Total.Buffered.Groups)
	return nil
}
