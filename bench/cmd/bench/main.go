// Command bench is the benchmarks' driver:
//
//	bench [flags]        gqlbff, the limit and the naive way side by side (make bench)
//	bench soak [flags]   gqlbff at a fixed rate with faults, heap and goroutines over time (make soak)
//
// It builds every binary with go build -o into a temporary directory and
// runs each part as its own process on loopback, pinned to CPUs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gqlbff/gqlbff/bench/driver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "soak" {
		return runSoak(ctx, root, args[1:], getenv, stdout, stderr)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := driver.Options{Root: root, Out: stderr}
	systems := fs.String("systems", "gqlbff,limit,naive,apollo,mercurius", "systems under test, comma-separated: gqlbff, limit, naive, apollo (Apollo Server 5), mercurius (with graphql-jit), each optionally with +ENV=value (gqlbff+GOGC=400)")
	scenarios := fs.String("scenarios", "", "scenarios to run, comma-separated (default: all)")
	clients := fs.String("clients", "32,64", "closed-loop concurrencies, comma-separated")
	fs.IntVar(&o.Rounds, "rounds", 1, "run every cell this many times; the table shows the median")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "warm-up per cell")
	fs.DurationVar(&o.Duration, "duration", 5*time.Second, "measured run per cell")
	fs.DurationVar(&o.Latency, "latency", time.Millisecond, "demo sources' added latency per call")
	fs.Float64Var(&o.Rate, "rate", 2000, "open-loop rate (req/s) of the RSS run; 0 skips it")
	rated := fs.String("rate-scenarios", "order_detail,me", "scenarios of the open-loop run, comma-separated")
	fs.StringVar(&o.Overload, "overload", "dashboard", "scenario of the overload row (gqlbff at twice its capacity); empty skips it")
	fs.DurationVar(&o.OverloadDuration, "overload-duration", 10*time.Second, "measured run of the overload row's open loop")
	fs.StringVar(&o.Before, "before", "", "git `ref`: also run gqlbff built from it, as gqlbff-before")
	fs.StringVar(&o.Dir, "dir", "", "keep binaries and logs in this `directory` (default: a temporary one)")
	fs.StringVar(&o.Profile, "profile", "", "write a CPU profile of every gqlbff cell into this `directory`")
	write := fs.String("write", "", "record the tables in this Markdown `file` (BENCHMARKS.md)")
	users := fs.Int("users", 500, "users the clients rotate over, customers c1…cN, a token each (at most 1000, the demo's customers)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *users < 1 || *users > 1000 {
		return fmt.Errorf("-users: %d is not between 1 and 1000", *users)
	}
	if o.Token = getenv("GQLBFF_BENCH_TOKEN"); o.Token == "" {
		tok, err := driver.BenchToken()
		if err != nil {
			return err
		}
		o.Token = tok
		// A token given from outside is one user's; the bench's own are
		// minted for as many users as asked.
		if o.Tokens, err = driver.BenchTokens(*users); err != nil {
			return err
		}
	}
	o.Systems = split(*systems)
	if o.Before != "" {
		o.Systems = append(o.Systems, "gqlbff-before")
	}
	o.Scenarios = split(*scenarios)
	o.RateScenarios = split(*rated)
	for _, c := range split(*clients) {
		n, err := strconv.Atoi(c)
		if err != nil || n <= 0 {
			return fmt.Errorf("-clients: %q is not a positive number", c)
		}
		o.Clients = append(o.Clients, n)
	}
	res, err := driver.Bench(ctx, o)
	if err != nil {
		return err
	}
	var md strings.Builder
	res.Markdown(&md, command(args))
	fmt.Fprint(stdout, md.String())
	if *write != "" {
		return driver.Record(*write, "make bench", "Load benchmark: gqlbff, the limit, the naive way and the Node.js peers (`make bench`)", md.String())
	}
	return nil
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// command is how this run was started, for the record: the make target's
// command line with its flags.
func command(args []string) string {
	c := "go run ./bench/cmd/bench"
	if len(args) > 0 {
		c += " " + strings.Join(args, " ")
	}
	if t := os.Getenv("BENCH_MAKE_TARGET"); t != "" {
		c = "make " + t + "   # = " + c
	}
	return c
}

// repoRoot is the directory of the go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository")
		}
		dir = parent
	}
}

func runSoak(ctx context.Context, root string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := driver.SoakOptions{Root: root, Out: stderr}
	fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "measured run")
	fs.DurationVar(&o.Warmup, "warmup", 10*time.Second, "warm-up before it")
	fs.Float64Var(&o.Rate, "rate", 200, "requests per second (open loop)")
	fs.DurationVar(&o.FaultEvery, "fault-every", time.Minute, "fault period: a fault for its middle third, then cleared")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "sampling interval")
	fs.DurationVar(&o.Latency, "latency", time.Millisecond, "demo sources' added latency per call")
	fs.StringVar(&o.Dir, "dir", "", "keep binaries and logs in this `directory` (default: a temporary one)")
	write := fs.String("write", "", "record the soak in this Markdown `file` (BENCHMARKS.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.Token = getenv("GQLBFF_BENCH_TOKEN"); o.Token == "" {
		tok, err := driver.BenchToken()
		if err != nil {
			return err
		}
		o.Token = tok
	}
	fmt.Fprintf(stderr, "soak: %s at %.0f req/s, a fault every %s\n", o.Warmup+o.Duration, o.Rate, o.FaultEvery)
	res, err := driver.Soak(ctx, o)
	if err != nil {
		return err
	}
	var md strings.Builder
	res.Markdown(&md, command(append([]string{"soak"}, args...)))
	fmt.Fprint(stdout, md.String())
	if *write != "" {
		return driver.Record(*write, "make soak", "Soak: heap and goroutines under faults (`make soak`)", md.String())
	}
	return nil
}
