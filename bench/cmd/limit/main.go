// Command limit serves "the limit" of the benchmarks (package bench/limit):
// one hand-written handler per client operation, no GraphQL layer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := serve.Run(ctx, "limit", os.Args[1:], os.Stdout, os.Stderr, func(o serve.Options) (http.Handler, error) {
		return limit.New(o), nil
	})
	stop()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "limit:", err)
		}
		os.Exit(2)
	}
}
