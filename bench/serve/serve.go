// Package serve runs the benchmark's hand-built systems under test (the
// limit and the naive way) the way gqlbff runs: on a listener of their own,
// over the same source clients, with a debug listener (internal/diag, behind the
// bench's admin key) for allocations, heap and goroutines.
package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gqlbff/gqlbff/bench/probe"
	"github.com/gqlbff/gqlbff/internal/diag"
	"github.com/gqlbff/gqlbff/sources"
)

// Options are what a system under test is built from.
type Options struct {
	// Sources are the clients of the three services.
	Sources *sources.Sources
	// Manifest maps trusted document ids to their text (-manifest); nil
	// when none was given.
	Manifest map[string]string
}

// Run serves the handler build returns until ctx is done. args are the
// command's flags: -listen, -debug-listen, -orders-url, -customers-url,
// -analytics-url, -manifest, -max-idle-per-host.
func Run(ctx context.Context, name string, args []string, stdout, stderr io.Writer, build func(Options) (http.Handler, error)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8090", "listen `address`")
	debugListen := fs.String("debug-listen", "", "debug listener `address` (/debug/stats, /debug/pprof/; Authorization: Bearer $"+probe.KeyEnv+" when set); empty: off")
	manifest := fs.String("manifest", "", "trusted documents `file` (Apollo persisted query manifest)")
	idle := fs.Int("max-idle-per-host", 128, "idle connections kept per source")
	var urls [3]string
	for i, s := range []string{sources.OrdersSource, sources.CustomersSource, sources.AnalyticsSource} {
		fs.StringVar(&urls[i], s+"-url", "", "base `URL` of the "+s+" service")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	// No bulkhead worth the name: the naive way's 151 calls an operation
	// must reach the sources, not queue behind gqlbff's defaults.
	cc := func(u string) sources.ClientConfig {
		return sources.ClientConfig{URL: u, Transport: transport(*idle), MaxInFlight: 1 << 16, InFlightWait: time.Second}
	}
	src := sources.New(sources.Config{Orders: cc(urls[0]), Customers: cc(urls[1]), Analytics: cc(urls[2])})
	defer src.Close()
	opts := Options{Sources: src}
	if *manifest != "" {
		m, err := LoadManifest(*manifest)
		if err != nil {
			return err
		}
		opts.Manifest = m
	}
	h, err := build(opts)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"status":"ok"}`) })
	mux.Handle("/", h)

	servers := []*http.Server{{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}}
	addrs := []string{*listen}
	if *debugListen != "" {
		servers = append(servers, &http.Server{Handler: keyed(os.Getenv(probe.KeyEnv), diag.Handler()), ReadHeaderTimeout: 5 * time.Second})
		addrs = append(addrs, *debugListen)
	}
	done := make(chan error, len(servers))
	for i, srv := range servers {
		ln, err := net.Listen("tcp", addrs[i])
		if err != nil {
			for _, s := range servers[:i] {
				_ = s.Close()
			}
			return err
		}
		fmt.Fprintf(stdout, "%s serving at http://%s\n", name, ln.Addr())
		go func() { done <- srv.Serve(ln) }()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(sctx))
	}
	return errors.Join(errs...)
}

// keyed serves h only to a request bearing key (Authorization: Bearer),
// like gqlbff's admin listener; with no key, to anyone.
func keyed(key string, h http.Handler) http.Handler {
	if key == "" {
		return h
	}
	want := sha256.Sum256([]byte(key))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"message":"the debug endpoints need the admin key","extensions":{"code":"UNAUTHENTICATED"}}]}`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// transport is the source clients' transport, like gqlbff's with an
// adjustable idle pool: the naive way opens a connection per item and would
// otherwise measure port exhaustion rather than itself.
func transport(idlePerHost int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        3 * idlePerHost,
		MaxIdleConnsPerHost: idlePerHost,
		IdleConnTimeout:     90 * time.Second,
	}
}

// Subject is the sub claim of the request's bearer token, read without
// checking the signature: the systems under test of the benchmark take the
// caller's identity on trust (gqlbff verifies it). Empty without a token.
func Subject(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	return claims.Sub
}

// Main is a bench server's main: Run until SIGINT or SIGTERM, exiting 2 on
// an error.
func Main(name string, handler func(Options) http.Handler) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, name, os.Args[1:], os.Stdout, os.Stderr, func(o Options) (http.Handler, error) {
		return handler(o), nil
	})
	stop()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, name+":", err)
		}
		os.Exit(2)
	}
}
