package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/gqlbff/gqlbff/server"
)

// runConfig is gqlbff config: validate a configuration, or print its JSON
// schema.
func runConfig(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || wantsHelp(args[:1]) {
		c, _ := lookup("config")
		printUsage(stderr, c, flag.NewFlagSet("", flag.ContinueOnError))
		if len(args) == 0 {
			return usagef("config: want validate or schema")
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "validate":
		fs := newFlags("config", stderr)
		fs.Usage = func() {
			fmt.Fprint(stderr, `usage: gqlbff config validate [FILE]

Loads FILE (default: $GQLBFF_CONFIG) and the GQLBFF_* environment as gqlbff
would at start, and reports every problem at once, each at its key. Exit
status 1 when there is one.
`)
		}
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		path := getenv("GQLBFF_CONFIG")
		switch fs.NArg() {
		case 0:
		case 1:
			path = fs.Arg(0)
		default:
			return usagef("config validate: want at most one file, got %d", fs.NArg())
		}
		if _, err := server.LoadConfig(path, getenv); err != nil {
			return fmt.Errorf("config is not valid:\n%w", err)
		}
		what := path
		if what == "" {
			what = "the environment (no file)"
		}
		fmt.Fprintf(stdout, "%s: valid\n", what)
		return nil
	case "schema":
		fs := newFlags("config", stderr)
		fs.Usage = func() {
			fmt.Fprint(stderr, `usage: gqlbff config schema

Prints the JSON Schema (draft 2020-12) of the configuration file: every key,
its type, default, meaning and environment variable. Save it and name it in
the file for editor completion:
    # yaml-language-server: $schema=./gqlbff.schema.json
`)
		}
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("config schema: unexpected argument %q", fs.Arg(0))
		}
		_, err := stdout.Write(server.ConfigSchema())
		return err
	default:
		return usagef("config: unknown subcommand %q; want validate or schema", args[0])
	}
}
