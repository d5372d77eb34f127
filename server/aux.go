package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// startAux serves h on listen, a listener apart from the public one (the
// admin listener), and returns its address and a function that stops it. With no
// address it does nothing.
func startAux(name, listen string, h http.Handler, cfg Config, log *slog.Logger) (addr string, stop func(), err error) {
	if listen == "" {
		return "", func() {}, nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("%s listen: %w", name, err)
	}
	ln = jsonRefusals(ln, cfg.HTTP.MaxHeaderBytes)
	// No write timeout: a CPU profile or a trace takes as long as it was
	// asked to.
	srv := &http.Server{
		Handler:           h,
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
	return ln.Addr().String(), func() {
		_ = srv.Close()
		<-done
	}, nil
}
