// Package load is the benchmarks' load generator: closed loop at a fixed
// concurrency, or open loop at a fixed rate, over real HTTP. It records
// every latency and classifies every failure; a run ends quiet (it waits
// for the requests it sent), so that counters read before and after a run
// belong to exactly its operations.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one kind of request to send.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Config is one run.
type Config struct {
	// Requests are sent round robin; usually just one.
	Requests []Request
	// Concurrency > 0 is a closed loop: that many clients, each sending its
	// next request when the last one is answered.
	Concurrency int
	// Rate > 0 (requests per second) is an open loop: requests start on a
	// schedule whatever the answers do, and latency counts from the
	// scheduled time (no coordinated omission).
	Rate float64
	// MaxInFlight bounds an open loop's outstanding requests; a request
	// due past it is not sent and counts as an "overload" error.
	MaxInFlight int
	// Duration is how long requests are started.
	Duration time.Duration
	// Interval, with OnInterval, reports the run in slices of this length.
	Interval   time.Duration
	OnInterval func(Result)
}

// Run sends load as cfg says over client, then waits for the requests in
// flight, and answers what happened. ctx stops it early.
func Run(ctx context.Context, client *http.Client, cfg Config) (Result, error) {
	if len(cfg.Requests) == 0 {
		return Result{}, errors.New("load: no request")
	}
	if (cfg.Concurrency > 0) == (cfg.Rate > 0) {
		return Result{}, errors.New("load: want either a concurrency or a rate")
	}
	r := &runner{client: client, cfg: cfg, rec: newRecorder()}
	start := time.Now()
	end := start.Add(cfg.Duration)
	stopTicks := r.ticker(ctx, start)
	if cfg.Concurrency > 0 {
		r.closed(ctx, end)
	} else {
		r.open(ctx, start, end)
	}
	stopTicks()
	res := r.rec.take(time.Since(start))
	return res, ctx.Err()
}

type runner struct {
	client *http.Client
	cfg    Config
	rec    *recorder
	next   atomic.Uint64
	bufs   sync.Pool
}

func (r *runner) closed(ctx context.Context, end time.Time) {
	var wg sync.WaitGroup
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				t0 := time.Now()
				err := r.do(ctx)
				r.rec.add(time.Since(t0), err)
			}
		})
	}
	wg.Wait()
}

func (r *runner) open(ctx context.Context, start, end time.Time) {
	every := time.Duration(float64(time.Second) / r.cfg.Rate)
	maxIn := int64(r.cfg.MaxInFlight)
	if maxIn <= 0 {
		maxIn = 10000
	}
	var wg sync.WaitGroup
	var inFlight atomic.Int64
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * every)
		if !due.Before(end) || ctx.Err() != nil {
			break
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if inFlight.Load() >= maxIn {
			r.rec.add(0, errOverload)
			continue
		}
		inFlight.Add(1)
		wg.Go(func() {
			defer inFlight.Add(-1)
			err := r.do(ctx)
			r.rec.add(time.Since(due), err)
		})
	}
	wg.Wait()
}

// ticker calls OnInterval every Interval with what happened since the last
// call, until the returned function is called.
func (r *runner) ticker(ctx context.Context, start time.Time) func() {
	if r.cfg.Interval <= 0 || r.cfg.OnInterval == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.cfg.Interval)
		defer t.Stop()
		last := start
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				r.cfg.OnInterval(r.rec.peek(now.Sub(last)))
				last = now
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

var errOverload = errors.New("overload: over the in-flight bound, not sent")

// do sends the next request and classifies its answer: nil for HTTP 200
// without a GraphQL errors member.
func (r *runner) do(ctx context.Context) error {
	rq := &r.cfg.Requests[(r.next.Add(1)-1)%uint64(len(r.cfg.Requests))]
	var body io.Reader
	if rq.Body != nil {
		body = bytes.NewReader(rq.Body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, rq.URL, body)
	if err != nil {
		return err
	}
	for k, v := range rq.Header {
		req.Header[k] = v
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return &Failure{Kind: "transport", Detail: err.Error()}
	}
	defer resp.Body.Close()
	buf, _ := r.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer r.bufs.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return &Failure{Kind: "transport", Detail: "reading the answer: " + err.Error()}
	}
	return Check(resp.StatusCode, buf.Bytes())
}

// Failure is a request that did not get a clean answer.
type Failure struct {
	// Kind is transport, status NNN, or the first GraphQL error code.
	Kind string
	// Detail is the error or the start of the body.
	Detail string
}

func (f *Failure) Error() string { return fmt.Sprintf("%s: %s", f.Kind, f.Detail) }

// Preopen sends n copies of the first request at once and waits for their
// answers, whatever they are, so that client's pool holds up to n open
// connections before a run. An open loop started without them opens one
// for each request the server has not yet answered: at twice a server's
// capacity, thousands in its first second (BENCHMARKS.md, "The overload
// row's two modes explained"), a cold start that measures the load
// generator, not the server. A closed loop needs none: it opens its
// connections one per client.
func Preopen(ctx context.Context, client *http.Client, cfg Config, n int) {
	if len(cfg.Requests) == 0 {
		return
	}
	r := &runner{client: client, cfg: cfg}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { _ = r.do(ctx) })
	}
	wg.Wait()
}
