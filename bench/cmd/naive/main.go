// Command naive serves "the naive way" of the benchmarks (package
// bench/naive): gqlbff's schema with a source call per item.
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

	"github.com/gqlbff/gqlbff/bench/naive"
	"github.com/gqlbff/gqlbff/bench/serve"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := serve.Run(ctx, "naive", os.Args[1:], os.Stdout, os.Stderr, func(o serve.Options) (http.Handler, error) {
		return naive.New(o), nil
	})
	stop()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "naive:", err)
		}
		os.Exit(2)
	}
}
