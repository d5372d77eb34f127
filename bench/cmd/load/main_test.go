package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/gqlbff/gqlbff/bench/probe"
	"github.com/gqlbff/gqlbff/internal/diag"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunPrintsIntervalsAndTheRun(t *testing.T) {
	var (
		mu  sync.Mutex
		got http.Header // the last request's headers; requests arrive on several connections at once
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"data":{"me":null}}`)
	}))
	defer srv.Close()
	stats := httptest.NewServer(diag.Handler())
	defer stats.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"-url", srv.URL, "-header", "Authorization: Bearer t", "-body", `{"query":"{ me { id } }"}`,
		"-rate", "200", "-warmup", "50ms", "-duration", "300ms", "-interval", "100ms",
		"-stats", stats.URL + "/debug/stats", "-pid", strconv.Itoa(os.Getpid())}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last probe.Line
	for _, l := range lines {
		if err := json.Unmarshal([]byte(l), &last); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	if len(lines) < 3 || last.Phase != "run" || last.Ops != 60 || last.Errors != 0 || last.Rate != 200 {
		t.Errorf("got %d lines ending with %+v; want intervals, then the run: 60 ops, no error", len(lines), last)
	}
	if last.AllocsPerOp <= 0 || last.PeakRSSKiB <= 0 {
		t.Errorf("got %v allocs/op and %d KiB peak RSS, want both read", last.AllocsPerOp, last.PeakRSSKiB)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Get("Authorization") != "Bearer t" {
		t.Errorf("header: got %q, want the -header", got.Get("Authorization"))
	}
}

func TestRunReadsRequestsFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "requests.json")
	if err := os.WriteFile(file, []byte(`[{"Method":"GET","URL":"`+srv.URL+`"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-requests", file, "-concurrency", "2", "-warmup", "0s", "-duration", "50ms"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var l probe.Line
	if err := json.Unmarshal(out.Bytes(), &l); err != nil || l.Ops == 0 || l.Errors != l.Ops || l.ErrorKinds["status 418"] != l.Ops {
		t.Errorf("got %+v (%v), want every request a status 418 error", l, err)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no request":    {"-concurrency", "1"},
		"bad header":    {"-url", "http://x", "-header", "nocolon"},
		"missing file":  {"-requests", "/nonexistent/requests.json", "-concurrency", "1"},
		"no load shape": {"-url", "http://127.0.0.1:1", "-warmup", "0s"},
		"unknown flag":  {"-nope"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}
