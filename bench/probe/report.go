package probe

import (
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
)

// Report is one measured run with the server's per-operation costs, as the
// load command prints it.
type Report struct {
	load.Result
	// Concurrency or Rate: how the load was sent.
	Concurrency int     `json:"concurrency,omitempty"`
	Rate        float64 `json:"rate,omitempty"`
	// CallsPerOp is the source calls per operation.
	CallsPerOp float64 `json:"callsPerOp"`
	// AllocsPerOp and BytesPerOp are the server's heap allocations per
	// operation; 0 without a stats URL.
	AllocsPerOp float64 `json:"allocsPerOp"`
	BytesPerOp  float64 `json:"bytesPerOp"`
	// CPUPerOp is the server's CPU time per operation, in microseconds, and
	// CPUUtil its CPU time over the wall time (1 = one core busy).
	CPUPerOp float64 `json:"cpuPerOpUs"`
	CPUUtil  float64 `json:"cpuUtil"`
	// OthersUtil is the CPU time of the benchmark's other processes (demo
	// sources, load generator) over the wall time.
	OthersUtil float64 `json:"othersUtil"`
	// CPUBusy is, per CPU, the fraction of the run it was busy with
	// anything: this benchmark's processes or any other work.
	CPUBusy []float64 `json:"cpuBusy"`
	// PeakRSSKiB is the server's peak resident set during the run (VmHWM,
	// reset at its start); RSSKiB the resident set at its end.
	PeakRSSKiB int64 `json:"peakRssKiB"`
	RSSKiB     int64 `json:"rssKiB"`
	// Goroutines, HeapLiveBytes and HeapObjectsBytes are the server's at the
	// end of the run.
	Goroutines       uint64 `json:"goroutines"`
	HeapLiveBytes    uint64 `json:"heapLiveBytes"`
	HeapObjectsBytes uint64 `json:"heapObjectsBytes"`
}

// NewReport combines a run's result with the snapshots taken just before
// and just after it.
func NewReport(res load.Result, before, after Snapshot) Report {
	r := Report{Result: res}
	if ops := float64(res.Ops - res.ErrorKinds["overload"]); ops > 0 {
		r.CallsPerOp = float64(after.SourceCalls-before.SourceCalls) / ops
		r.AllocsPerOp = float64(after.Server.AllocObjects-before.Server.AllocObjects) / ops
		r.BytesPerOp = float64(after.Server.AllocBytes-before.Server.AllocBytes) / ops
		r.CPUPerOp = float64((after.Proc.CPU - before.Proc.CPU).Microseconds()) / ops
	}
	if wall := after.At.Sub(before.At); wall > 0 {
		r.CPUUtil = float64(after.Proc.CPU-before.Proc.CPU) / float64(wall)
		r.OthersUtil = float64(after.Others-before.Others) / float64(wall)
	}
	for i := range min(len(before.CPUs), len(after.CPUs)) {
		if total := after.CPUs[i].Total - before.CPUs[i].Total; total > 0 {
			r.CPUBusy = append(r.CPUBusy, float64(after.CPUs[i].Busy-before.CPUs[i].Busy)/float64(total))
		}
	}
	r.PeakRSSKiB, r.RSSKiB = after.Proc.PeakRSSKiB, after.Proc.RSSKiB
	r.Goroutines = after.Server.Goroutines
	r.HeapLiveBytes, r.HeapObjectsBytes = after.Server.HeapLiveBytes, after.Server.HeapObjectsBytes
	return r
}

// Line is one JSON line of the load command's output: with -interval, one
// per slice of the run ("interval", T at the slice's end), then always the
// whole run ("run").
type Line struct {
	Phase string  `json:"phase"`
	T     float64 `json:"t"`
	// Start is when the measured run (or its slice's run) began, by the
	// wall clock: with T it finds the run in the server's log.
	Start time.Time `json:"start"`
	// ProbeError says the counters could not be read at the end of this
	// slice (the server did not answer its debug listener in time): its
	// server figures are missing, and the next slice covers both.
	ProbeError string `json:"probeError,omitempty"`
	Report
}
