package server

import (
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// reloadOnSIGHUP reloads the trusted documents' file on each SIGHUP, the
// operators' usual "reread your configuration", until stop is called.
// Without a manifest file SIGHUP keeps its default meaning.
func reloadOnSIGHUP(h *Handler, log *slog.Logger) (stop func()) {
	if h.persisted.trusted.Path() == "" {
		return func() {}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				log.Info("SIGHUP: reloading the manifest")
				_ = h.ReloadManifest() // a refusal is logged by the reload
			}
		}
	})
	return func() {
		signal.Stop(hup)
		close(done)
		wg.Wait()
	}
}
