// Command gqlbff is the GraphQL backend-for-frontend server.
//
//	gqlbff [--config FILE] [--demo]     serve the graph
//	gqlbff demo-sources [flags]         run the demo REST services alone
//	gqlbff token [flags]                mint a dev token
//	gqlbff subgraph-sdl                 print the Federation v2 subgraph SDL
//	gqlbff persist [-o FILE] FILE…      write a trusted-documents manifest
//	gqlbff check-manifest MANIFEST      check a manifest against the schema
//	gqlbff schema check --base REF|FILE classify schema changes; fail on used breaking ones
//	gqlbff usage [--admin URL]          print a running server's field usage by client
//	gqlbff config validate [FILE]       check a configuration, every problem at once
//	gqlbff config schema                print the configuration's JSON Schema
//	gqlbff version                      print the version and build information
//	gqlbff help [COMMAND]               print the command list, or a command's help
//
// Exit status: 0 on success (and for help), 1 when the command fails, 2
// for a mistake in the command line.
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
	"strings"
	"syscall"

	"github.com/gqlbff/gqlbff/internal/logbuf"
)

func main() {
	setGCDefaults()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gqlbff:", err)
	}
	os.Exit(exitCode(err))
}

// run is main without the process: tests call it with their own arguments,
// environment and output, and stop it by cancelling ctx. Help asked for
// goes to stdout and returns flag.ErrHelp; a usage mistake is a
// usageError.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelpOrVersion(args[0]) {
		return runServe(ctx, args, getenv, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printCommands(stdout)
		return flag.ErrHelp
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	c, ok := lookup(args[0])
	if !ok {
		return usagef("unknown command %q; run gqlbff help for the list", args[0])
	}
	if wantsHelp(args[1:]) {
		stderr = stdout // help asked for is the command's output
	}
	return c.run(ctx, args[1:], getenv, stdout, stderr)
}

func isHelpOrVersion(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "-version", "--version":
		return true
	}
	return false
}

// newLogger logs to w in format at level and up; a warning or an error
// is written at once, with the lines before it.
func newLogger(w *logbuf.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(logbuf.Handler(h, w, slog.LevelWarn))
}
