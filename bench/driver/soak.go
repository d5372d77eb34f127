package driver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/probe"
	"github.com/gqlbff/gqlbff/bench/scenario"
)

// SoakOptions configure a soak run (`make soak`).
type SoakOptions struct {
	Root, Dir string
	// Duration of the run (after a warm-up of Warmup), at Rate requests per
	// second, mixing every scenario that is not optional.
	Duration, Warmup time.Duration
	Rate             float64
	// FaultEvery is the fault period: each period injects the next fault
	// for its middle third, then clears it.
	FaultEvery time.Duration
	// Interval is how often heap and goroutines are sampled.
	Interval time.Duration
	Latency  time.Duration
	Token    string
	Out      io.Writer
}

// fault is one fault of the soak's cycle, set through the demo admin
// endpoint (POST /_demo/faults).
type fault struct {
	name    string
	service int // index in env.sources: orders, customers, analytics
	body    map[string]any
}

var faults = []fault{
	{"customers slow (300ms)", 1, map[string]any{"latency": "300ms"}},
	{"analytics 503 on half the calls", 2, map[string]any{"errorRate": 0.5}},
	{"orders down", 0, map[string]any{"down": true}},
	{"customers past the timeout (3s)", 1, map[string]any{"latency": "3s"}},
}

// Sample is one interval of the soak.
type Sample struct {
	T     float64
	Fault string // the fault active at any time during the interval, "" when none
	// ProbeError: the server's counters could not be read at its end.
	ProbeError string
	probe.Report
}

// SoakResults are a soak run.
type SoakResults struct {
	Machine Machine
	Options SoakOptions
	Started time.Time
	Samples []Sample
	Final   *probe.Report
}

// Soak runs gqlbff at a fixed rate for the duration, injecting a fault every
// period, and samples its heap and goroutines.
func Soak(ctx context.Context, opts SoakOptions) (*SoakResults, error) {
	res := &SoakResults{Machine: ReadMachine(ctx), Options: opts, Started: time.Now()}
	e, cleanup, err := setUp(ctx, opts.Root, opts.Dir, &res.Machine, "")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	defer e.stop()
	if err := e.startDemo(ctx, opts.Latency); err != nil {
		return nil, err
	}
	s, err := e.startSystem(ctx, "gqlbff")
	if err != nil {
		return nil, err
	}
	var rqs []load.Request
	for _, sc := range scenario.All {
		if sc.Optional {
			continue
		}
		rq, err := sc.Request(s.base, s.kind, e.ops, opts.Token)
		if err != nil {
			return nil, err
		}
		rqs = append(rqs, rq)
	}
	b, _ := json.Marshal(rqs)
	reqFile := filepath.Join(e.l.dir, "requests-soak.json")
	if err := os.WriteFile(reqFile, b, 0o600); err != nil {
		return nil, err
	}
	cmd := e.l.command(ctx, otherCPU, s.loadEnv(), e.bins.load, "-requests", reqFile, "-rate", strconv.FormatFloat(opts.Rate, 'f', -1, 64),
		"-max-in-flight", "5000", "-warmup", opts.Warmup.String(), "-duration", opts.Duration.String(), "-interval", opts.Interval.String(),
		"-sources", strings.Join(e.sources, ","), "-stats", s.stats, "-pid", strconv.Itoa(s.p.pid()), "-other-pids", strconv.Itoa(e.demo.pid()))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	admin := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer admin.CloseIdleConnections()
	sched := newSchedule(ctx, e, admin, opts)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line probe.Line
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, fmt.Errorf("load output: %w", err)
		}
		if line.Phase == "run" {
			r := line.Report
			res.Final = &r
			continue
		}
		sched.start() // the first line comes after the warm-up
		smp := Sample{T: line.T, Fault: sched.during(line.T - opts.Interval.Seconds()), ProbeError: line.ProbeError, Report: line.Report}
		res.Samples = append(res.Samples, smp)
		if opts.Out != nil {
			fmt.Fprintf(opts.Out, "t=%4.0fs %-34s %6.0f ops/s  errors %4d  p99 %8.2f ms  %s\n",
				smp.T, smp.Fault, smp.Throughput(), smp.Errors, smp.Latency.P99, smp.serverFigures())
		}
	}
	sched.stop()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("load: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return res, nil
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// serverFigures are the sample's server columns, or why they are missing.
func (s Sample) serverFigures() string {
	if s.ProbeError != "" {
		return "server counters not read (its debug listener did not answer in time)"
	}
	return fmt.Sprintf("heap live %6.1f MiB  goroutines %5d  RSS %6.1f MiB  server CPU %.2f  CPU %d busy %s",
		mib(s.HeapLiveBytes), s.Goroutines, float64(s.RSSKiB)/1024, s.CPUUtil, serverCPU, busyOf(s.CPUBusy, serverCPU))
}

func busyOf(busy []float64, cpu int) string {
	if cpu < len(busy) {
		return fmt.Sprintf("%.2f", busy[cpu])
	}
	return "n/a"
}

// schedule injects and clears the faults on time, from the start of the
// measured run, and remembers when each was on.
type schedule struct {
	ctx    context.Context
	e      *env
	c      *http.Client
	opts   SoakOptions
	began  chan struct{}
	done   chan struct{}
	ended  chan struct{}
	t0     time.Time
	events chan event
	log    []event
}

type event struct {
	at   float64 // seconds since the start
	name string  // "" clears
}

func newSchedule(ctx context.Context, e *env, c *http.Client, opts SoakOptions) *schedule {
	return &schedule{ctx: ctx, e: e, c: c, opts: opts, began: make(chan struct{}), done: make(chan struct{}), ended: make(chan struct{}), events: make(chan event, 1024)}
}

// start begins the schedule, once, from now minus one interval: the first
// sample arrives an interval after the measured run began.
func (s *schedule) start() {
	select {
	case <-s.began:
		return
	default:
	}
	s.t0 = time.Now().Add(-s.opts.Interval)
	close(s.began)
	go s.loop()
}

func (s *schedule) loop() {
	defer close(s.ended)
	period := s.opts.FaultEvery
	for k := 0; ; k++ {
		f := faults[k%len(faults)]
		on := s.t0.Add(time.Duration(k)*period + period/3)
		off := s.t0.Add(time.Duration(k)*period + 2*period/3)
		if !s.wait(on) {
			return
		}
		s.set(f, f.name)
		if !s.wait(off) {
			s.set(f, "")
			return
		}
		s.set(f, "")
	}
}

func (s *schedule) wait(t time.Time) bool {
	select {
	case <-time.After(time.Until(t)):
		return true
	case <-s.done:
		return false
	case <-s.ctx.Done():
		return false
	}
}

// set injects f (name not empty) or clears it back to the base latency.
func (s *schedule) set(f fault, name string) {
	body := map[string]any{"latency": s.opts.Latency.String()}
	if name != "" {
		for k, v := range f.body {
			body[k] = v
		}
	}
	b, _ := json.Marshal(body)
	resp, err := s.c.Post(s.e.sources[f.service]+"/_demo/faults", "application/json", bytes.NewReader(b))
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "soak: setting fault %q: %v\n", name, err)
	}
	s.events <- event{at: time.Since(s.t0).Seconds(), name: name}
}

// during names the fault that was on at any time from t (seconds since
// the start) to now, "" when none.
func (s *schedule) during(t float64) string {
	for drained := false; !drained; {
		select {
		case ev := <-s.events:
			s.log = append(s.log, ev)
		default:
			drained = true
		}
	}
	return activeSince(s.log, t)
}

// activeSince is the fault of log (in time order) that was on at t or came
// on after it.
func activeSince(log []event, t float64) string {
	on := ""
	for _, ev := range log {
		if ev.at <= t {
			on = ev.name
		} else if on == "" && ev.name != "" {
			on = ev.name
		}
	}
	return on
}

func (s *schedule) stop() {
	select {
	case <-s.began:
		close(s.done)
		<-s.ended
	default:
	}
}
