package main

// What a measured run records: wall and CPU time, Go allocations, and the peaks of the Go heap
// and of the process RSS, sampled in the background without allocating.

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) of the whole process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssReader reads the resident set size from /proc/self/statm without allocating.
type rssReader struct {
	f   *os.File
	buf [128]byte
}

func newRSSReader() *rssReader {
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return &rssReader{}
	}
	return &rssReader{f: f}
}

// read returns the RSS in bytes (0 where /proc is unavailable).
func (r *rssReader) read() uint64 {
	if r.f == nil {
		return 0
	}
	n, err := r.f.ReadAt(r.buf[:], 0)
	if n == 0 && err != nil {
		return 0
	}
	// statm: size resident shared text lib data dt (pages).
	var fields [2]uint64
	i := 0
	for _, c := range r.buf[:n] {
		if c == ' ' || c == '\n' {
			i++
			if i == 2 {
				break
			}
			continue
		}
		fields[i] = fields[i]*10 + uint64(c-'0')
	}
	return fields[1] * uint64(os.Getpagesize())
}

// heapObjects is the bytes of live and not yet swept heap objects (runtime/metrics).
func heapObjects(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func heapSample() []metrics.Sample {
	return []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
}

// settledHeap is the live heap after a full collection.
func settledHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// sampler records the peak Go heap and peak RSS every 5 ms while a run is measured.
type sampler struct {
	stop     chan struct{}
	done     chan struct{}
	peakHeap atomic.Uint64
	peakRSS  atomic.Uint64
}

func startSampler() *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	rss := newRSSReader()
	hs := heapSample()
	take := func() {
		if h := heapObjects(hs); h > s.peakHeap.Load() {
			s.peakHeap.Store(h)
		}
		if r := rss.read(); r > s.peakRSS.Load() {
			s.peakRSS.Store(r)
		}
	}
	take()
	go func() {
		defer close(s.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				take()
				return
			case <-t.C:
				take()
			}
		}
	}()
	return s
}

func (s *sampler) finish() (peakHeap, peakRSS uint64) {
	close(s.stop)
	<-s.done
	return s.peakHeap.Load(), s.peakRSS.Load()
}

// measurement brackets a timed region.
type measurement struct {
	start    time.Time
	cpu      time.Duration
	ms       runtime.MemStats
	heap0    uint64
	rss0     uint64
	sampling *sampler
}

// begin settles the heap (outside the timed region) and starts the clocks and the sampler.
func begin() *measurement {
	m := &measurement{}
	runtime.GC()
	runtime.ReadMemStats(&m.ms)
	m.heap0 = heapObjects(heapSample())
	m.rss0 = newRSSReader().read()
	m.sampling = startSampler()
	m.cpu = cpuTime()
	m.start = time.Now()
	return m
}

// end stops the clocks and fills res's timing and memory fields.
func (m *measurement) end(res *result) {
	res.WallS = time.Since(m.start).Seconds()
	res.CPUS = (cpuTime() - m.cpu).Seconds()
	peakHeap, peakRSS := m.sampling.finish()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.GoAllocBytes = ms.TotalAlloc - m.ms.TotalAlloc
	res.GoMallocs = ms.Mallocs - m.ms.Mallocs
	res.PeakHeapBytes = sub(peakHeap, m.heap0)
	res.PeakRSSBytes = sub(peakRSS, m.rss0)
}

func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// cpuModel is the CPU model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// memTotal is MemTotal from /proc/meminfo, in bytes.
func memTotal() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
