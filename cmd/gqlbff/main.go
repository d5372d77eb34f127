// Command gqlbff is the GraphQL backend-for-frontend server.
//
//	gqlbff [--config FILE] [--demo]     serve the graph
//	gqlbff demo-sources [flags]         run the demo REST services alone
//	gqlbff token [flags]                mint a dev token
//	gqlbff subgraph-sdl                 print the Federation v2 subgraph SDL
//	gqlbff persist [-o FILE] FILE…      write a trusted-documents manifest
//	gqlbff check-manifest MANIFEST      check a manifest against the schema
//	gqlbff config validate [FILE]       check a configuration, every problem at once
//	gqlbff config schema                print the configuration's JSON Schema
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	setGCDefaults()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gqlbff:", err)
		}
		os.Exit(2)
	}
}

// run is main without the process: tests call it with their own arguments,
// environment and output, and stop it by cancelling ctx.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "demo-sources":
			return runDemoSources(ctx, args[1:], stdout, stderr)
		case "token":
			return runToken(ctx, args[1:], getenv, stdout, stderr)
		case "subgraph-sdl":
			return printSubgraphSDL(args[1:], stdout)
		case "persist":
			return runPersist(ctx, args[1:], stdout, stderr)
		case "config":
			return runConfig(ctx, args[1:], getenv, stdout, stderr)
		case "check-manifest":
			return runCheckManifest(ctx, args[1:], stdout, stderr)
		case "serve":
			args = args[1:]
		}
	}
	return runServe(ctx, args, getenv, stdout, stderr)
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
