package main

// The kept set the reference semantics give (docs/protocol.md, "Grouping and time" and "Decision"),
// computed directly: no engine, the same clock as the harness. A group is (token, data type, group
// key, group id); it expires ttl seconds after its last packet (sliding, 1-second resolution: a
// packet ingested in second s expires at the poll of second s+ttl, like the reference's time wheel
// advanced once per second); a packet of an expired group starts a new group (the reference's late
// data, Options.LateData "new_group" in our engine). A group is kept if a point matches one of the
// config's keep conditions (cond.go: each condition on one point), else iff group_id_hash % 10000 <
// floor(rate * 10000).

import "fmt"

type modelGroup struct {
	last     int64
	dataType string
	hash     uint64
	keep     bool
	n        int
	keys     []uint64
}

// modelResult is the expected kept points and, for reports, what each point is.
type modelResult struct {
	kept        map[uint64]bool
	describe    map[uint64]string
	groups      int
	keptGroups  int
	errorTraces map[string]bool // trace ids with an error span anywhere
	traceOf     map[uint64]string
	groupOf     map[uint64]int // the group (numbered in order of creation) of each point
	// splitTraces are the trace ids whose packets formed several groups (some arrived late).
	splitTraces map[string]bool
}

func model(w *workload, c *samplingConfig) (*modelResult, error) {
	m := &modelResult{kept: map[uint64]bool{}, describe: map[uint64]string{},
		errorTraces: map[string]bool{}, traceOf: map[uint64]string{},
		splitTraces: map[string]bool{}, groupOf: map[uint64]int{}}
	type groupID struct {
		token, dataType, groupKey string
		hash                      uint64
	}
	open := map[groupID]*modelGroup{}
	decided := map[groupID]bool{}
	wheel := map[int64][]groupID{}
	decide := func(id groupID, g *modelGroup) {
		delete(open, id)
		decided[id] = true
		m.groups++
		if !g.keep && !c.sampled(g.dataType, g.hash) {
			return
		}
		m.keptGroups++
		for _, k := range g.keys {
			m.kept[k] = true
		}
	}
	expire := func(sec int64) {
		for _, id := range wheel[sec] {
			if g := open[id]; g != nil && g.last+c.ttl[g.dataType] == sec {
				decide(id, g)
			}
		}
		delete(wheel, sec)
	}
	var now int64
	created := 0
	if len(w.packets) > 0 {
		now = w.packets[0].sec
	}
	for i := range w.packets {
		p := &w.packets[i]
		for ; now < p.sec; now++ {
			expire(now + 1)
		}
		id := groupID{p.token, p.h.dataType, p.h.groupKey, p.h.groupIDHash}
		g := open[id]
		if g == nil {
			g = &modelGroup{dataType: p.h.dataType, hash: p.h.groupIDHash, n: created}
			created++
			if decided[id] && p.h.dataType == "tracing" {
				m.splitTraces[p.h.rawGroupID] = true
			}
			open[id] = g
		}
		g.last = now
		ttl, ok := c.ttl[p.h.dataType]
		if !ok {
			return nil, fmt.Errorf("packet %d: data type %q has no config", i, p.h.dataType)
		}
		wheel[now+ttl] = append(wheel[now+ttl], id)
		body, err := p.h.points()
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i, err)
		}
		err = walkPoints(body, func(pt *point) {
			k := pointKey(p.h.dataType, pt)
			g.keys = append(g.keys, k)
			m.groupOf[k] = g.n
			isError := pt.str("status") == "error"
			g.keep = g.keep || c.keep(p.h.dataType, pt)
			if p.h.dataType == "tracing" {
				tid := pt.str("trace_id")
				m.traceOf[k] = tid
				m.describe[k] = fmt.Sprintf("%s span %s/%s", p.token, tid, pt.str("span_id"))
				if isError {
					m.errorTraces[tid] = true
				}
			} else {
				m.describe[k] = fmt.Sprintf("%s %s %s line at %d", p.token, p.h.dataType, pt.Name, pt.Time)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i, err)
		}
	}
	for end := now + c.maxTTL() + 1; now < end; now++ {
		expire(now + 1)
	}
	for id, g := range open {
		decide(id, g)
	}
	return m, nil
}
