// Package diag serves a process's runtime diagnostics: pprof profiles and a
// JSON snapshot of runtime/metrics (heap, goroutines, cumulative
// allocations). It is meant for a separate debug listener bound to an
// operator's network, never for the public mux.
package diag

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/metrics"
)

// Stats is a snapshot of the process's runtime. The Alloc counters are
// cumulative since the start: subtract two snapshots and divide by the
// operations served in between for allocations per operation.
type Stats struct {
	// Goroutines is the number of live goroutines.
	Goroutines uint64 `json:"goroutines"`
	// HeapObjectsBytes is the memory held by heap objects, live or not yet
	// swept.
	HeapObjectsBytes uint64 `json:"heapObjectsBytes"`
	// HeapLiveBytes is the heap the last GC found live.
	HeapLiveBytes uint64 `json:"heapLiveBytes"`
	// TotalBytes is all the memory the Go runtime mapped.
	TotalBytes uint64 `json:"totalBytes"`
	// AllocObjects counts the heap allocations made so far, tiny ones included.
	AllocObjects uint64 `json:"allocObjects"`
	// AllocBytes is the bytes allocated on the heap so far.
	AllocBytes uint64 `json:"allocBytes"`
	// GCCycles counts the completed GC cycles.
	GCCycles uint64 `json:"gcCycles"`
	// GOMAXPROCS is the runtime's GOMAXPROCS.
	GOMAXPROCS uint64 `json:"gomaxprocs"`
}

var names = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
	"/memory/classes/total:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/gomaxprocs:threads",
}

// Read takes a snapshot of the runtime's metrics. The allocation counters
// come from runtime.ReadMemStats, which stops the world for a moment:
// runtime/metrics' counters lag behind by what the per-CPU caches hold, and
// these must be exact (they are the same as go test -benchmem's).
func Read() Stats {
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return samples[i].Value.Uint64()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Stats{
		Goroutines:       v(0),
		HeapObjectsBytes: v(1),
		HeapLiveBytes:    v(2),
		TotalBytes:       v(3),
		AllocObjects:     ms.Mallocs,
		AllocBytes:       ms.TotalAlloc,
		GCCycles:         v(4),
		GOMAXPROCS:       v(5),
	}
}

// Handler serves GET /debug/stats (Stats as JSON; ?gc=1 runs a collection
// first, so that the heap figures are the live heap) and the pprof
// profiles under /debug/pprof/.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") == "1" {
			runtime.GC()
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(Read())
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
