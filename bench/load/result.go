package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Result is what a run (or a slice of it) did.
type Result struct {
	// Ops counts the requests due, failed ones included.
	Ops int `json:"ops"`
	// Errors counts the failed ones, by Failure kind in ErrorKinds, with the
	// first failure of each kind in ErrorSamples.
	Errors       int               `json:"errors"`
	ErrorKinds   map[string]int    `json:"errorKinds,omitempty"`
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	// Seconds is the run's wall time, the wait for the last answers included.
	Seconds float64 `json:"seconds"`
	// Latency of the requests sent (not of those an open loop dropped), in
	// milliseconds.
	Latency Latency `json:"latencyMs"`
	// OKLatency is that of the clean answers alone: under shedding, the
	// latency of the requests admitted, not lowered by fast refusals.
	OKLatency Latency `json:"okLatencyMs"`
}

// Latency holds the percentiles of a run's latencies, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Throughput is the operations per second.
func (r Result) Throughput() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Seconds
}

// Percentiles computes the latency percentiles (nearest rank) of d, which it
// sorts.
func Percentiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		return ms(d[min(max(i, 0), len(d)-1)])
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Latency{P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(d[len(d)-1]), Mean: ms(sum / time.Duration(len(d)))}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// firstCode is the code of the first error of a JSON errors body; empty
// when there is none.
func firstCode(body []byte) string {
	var out struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &out) != nil || len(out.Errors) == 0 {
		return ""
	}
	return out.Errors[0].Extensions.Code
}

// Check classifies an answer: nil for HTTP 200 with no GraphQL errors.
func Check(status int, body []byte) error {
	if status != http.StatusOK {
		// A refusal with a JSON errors body is counted by its code too:
		// "status 503 OVERLOADED" apart from any other 503.
		kind := "status " + strconv.Itoa(status)
		if code := firstCode(body); code != "" {
			kind += " " + code
		}
		return &Failure{Kind: kind, Detail: head(body)}
	}
	if !bytes.Contains(body, []byte(`"errors":`)) {
		return nil
	}
	var out struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) == 0 {
		return nil // "errors": inside a string, not a member
	}
	code := out.Errors[0].Extensions.Code
	if code == "" {
		code = "no code"
	}
	return &Failure{Kind: "graphql " + code, Detail: head(body)}
}

func head(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// recorder collects latencies and failures for the whole run and for the
// current interval.
type recorder struct {
	mu       sync.Mutex
	total    tally
	interval tally
}

type tally struct {
	lat     []time.Duration
	okLat   []time.Duration
	ops     int
	errs    int
	kinds   map[string]int
	samples map[string]string
}

func newRecorder() *recorder { return &recorder{} }

func (t *tally) add(d time.Duration, err error) {
	t.ops++
	if !errors.Is(err, errOverload) {
		t.lat = append(t.lat, d)
	}
	if err == nil {
		t.okLat = append(t.okLat, d)
		return
	}
	t.errs++
	kind, detail := "error", err.Error()
	if f, ok := errors.AsType[*Failure](err); ok {
		kind, detail = f.Kind, f.Detail
	} else if errors.Is(err, errOverload) {
		kind = "overload"
	}
	if t.kinds == nil {
		t.kinds, t.samples = map[string]int{}, map[string]string{}
	}
	t.kinds[kind]++
	if _, ok := t.samples[kind]; !ok {
		t.samples[kind] = detail
	}
}

func (t *tally) result(elapsed time.Duration) Result {
	return Result{
		Ops: t.ops, Errors: t.errs, ErrorKinds: t.kinds, ErrorSamples: t.samples,
		Seconds: elapsed.Seconds(), Latency: Percentiles(t.lat), OKLatency: Percentiles(t.okLat),
	}
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	r.total.add(d, err)
	r.interval.add(d, err)
	r.mu.Unlock()
}

// peek answers the interval that just ended and starts the next one.
func (r *recorder) peek(elapsed time.Duration) Result {
	r.mu.Lock()
	t := r.interval
	r.interval = tally{}
	r.mu.Unlock()
	return t.result(elapsed)
}

// take answers the whole run.
func (r *recorder) take(elapsed time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total.result(elapsed)
}
