// Command load is the benchmarks' load generator, run as its own process by
// the bench driver: it warms the server up, then sends load (closed loop at
// -concurrency, or open loop at -rate) and prints one JSON line per
// -interval and one for the whole run (probe.Line), with the source calls,
// allocations, CPU time and peak RSS per operation read around it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/probe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		rq       load.Request
		body     = fs.String("body", "", "request body")
		cfg      load.Config
		warmup   = fs.Duration("warmup", 2*time.Second, "warm-up before the measured run (not measured)")
		srcs     = fs.String("sources", "", "comma-separated base URLs of the demo services, for source calls per operation")
		stats    = fs.String("stats", "", "the server's /debug/stats URL, for allocations per operation (the admin key, if it needs one, in $"+probe.KeyEnv+")")
		pid      = fs.Int("pid", 0, "the server's process id, for CPU time and peak RSS")
		others   = fs.String("other-pids", "", "comma-separated process ids of the benchmark's other processes (this one is added), for their CPU time")
		timeout  = fs.Duration("timeout", 30*time.Second, "per-request timeout")
		reqFile  = fs.String("requests", "", "JSON `file` of requests ([]load.Request), sent round robin, instead of -url")
		preopen  = fs.Int("preopen", 0, "before the warm-up, send this many requests at once and wait for their answers, leaving as many connections open (for an open loop, which would otherwise open one per request the server has not answered yet)")
		interval time.Duration
	)
	rq.Header = http.Header{}
	fs.StringVar(&rq.URL, "url", "", "request `URL`")
	fs.StringVar(&rq.Method, "method", http.MethodPost, "request method")
	fs.Func("header", "request header `Name: value` (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			return fmt.Errorf("want Name: value, got %q", s)
		}
		rq.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		return nil
	})
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "closed loop: this many clients")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: this many requests per second")
	fs.IntVar(&cfg.MaxInFlight, "max-in-flight", 10000, "open loop: most requests outstanding")
	fs.DurationVar(&cfg.Duration, "duration", 5*time.Second, "measured run")
	fs.DurationVar(&interval, "interval", 0, "also report every interval of the run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *reqFile != "":
		b, err := os.ReadFile(*reqFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &cfg.Requests); err != nil {
			return fmt.Errorf("%s: %w", *reqFile, err)
		}
	case rq.URL != "":
		if *body != "" {
			rq.Body = []byte(*body)
		}
		cfg.Requests = []load.Request{rq}
	default:
		return errors.New("-url or -requests is required")
	}
	target := probe.Target{Stats: *stats, Key: os.Getenv(probe.KeyEnv), PID: *pid, Others: []int{os.Getpid()}}
	for _, p := range strings.Split(*others, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			target.Others = append(target.Others, n)
		}
	}
	if *srcs != "" {
		target.Sources = strings.Split(*srcs, ",")
	}

	// Keep a connection per request that may be in flight: closing the
	// ones past the idle pool would make the server accept new connections
	// all the time once it falls behind, and measure that.
	conns := max(cfg.Concurrency, 64)
	if cfg.Rate > 0 {
		conns = max(conns, cfg.MaxInFlight)
	}
	client := &http.Client{
		Timeout: *timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConnsPerHost: conns,
			MaxIdleConns:        conns,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
	defer client.CloseIdleConnections()
	// The probes get their own connections, not the load's.
	probes := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer probes.CloseIdleConnections()

	if *preopen > 0 {
		load.Preopen(ctx, client, cfg, *preopen)
	}
	if *warmup > 0 {
		w := cfg
		w.Duration = *warmup
		if _, err := load.Run(ctx, client, w); err != nil {
			return err
		}
	}
	if target.PID > 0 {
		if err := probe.ResetPeak(target.PID); err != nil {
			fmt.Fprintln(stderr, "load: peak RSS not reset, it counts from the start:", err)
		}
	}
	before, err := probe.Take(ctx, probes, target)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if interval > 0 {
		last := before
		cfg.Interval = interval
		cfg.OnInterval = func(r load.Result) {
			snap, err := probe.Take(ctx, probes, target)
			if err != nil {
				// Keep the last good snapshot: the next slice's figures
				// then cover this one too.
				l := line("interval", time.Since(before.At), cfg, r, last, last)
				l.ProbeError = err.Error()
				_ = enc.Encode(l)
				return
			}
			_ = enc.Encode(line("interval", snap.At.Sub(before.At), cfg, r, last, snap))
			last = snap
		}
	}
	res, err := load.Run(ctx, client, cfg)
	if err != nil {
		return err
	}
	after, err := probe.Take(ctx, probes, target)
	if err != nil {
		return err
	}
	return enc.Encode(line("run", after.At.Sub(before.At), cfg, res, before, after))
}

func line(phase string, t time.Duration, cfg load.Config, r load.Result, before, after probe.Snapshot) probe.Line {
	rep := probe.NewReport(r, before, after)
	rep.Concurrency, rep.Rate = cfg.Concurrency, cfg.Rate
	return probe.Line{Phase: phase, T: t.Seconds(), Start: before.At, Report: rep}
}
