package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/gqlbff/gqlbff/internal/diag"
)

// startDebug serves the debug endpoints (pprof, runtime stats) on
// cfg.Debug.Listen, apart from the public listener, and returns the address
// and a function that stops it. With no address it does nothing.
func startDebug(cfg Config, log *slog.Logger) (addr string, stop func(), err error) {
	if cfg.Debug.Listen == "" {
		return "", func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.Debug.Listen)
	if err != nil {
		return "", nil, fmt.Errorf("debug listen: %w", err)
	}
	// No write timeout: a CPU profile or a trace takes as long as it was
	// asked to.
	srv := &http.Server{
		Handler:           diag.Handler(),
		ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
		IdleTimeout:       cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	addr = ln.Addr().String()
	log.Info("debug listener serving pprof and runtime stats", "addr", addr)
	return addr, func() {
		_ = srv.Close()
		<-done
	}, nil
}
