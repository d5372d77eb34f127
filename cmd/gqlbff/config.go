package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gqlbff/gqlbff/server"
)

// runConfig is gqlbff config: validate a configuration, or print its JSON
// schema.
func runConfig(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprint(stderr, `usage: gqlbff config validate [FILE]   check a configuration file with the environment, as the server would
       gqlbff config schema            print the configuration's JSON Schema (for editors)
`)
	}
	if len(args) == 0 {
		usage()
		return usageError{errors.New("config: want validate or schema")}
	}
	switch args[0] {
	case "validate":
		fs := flag.NewFlagSet("gqlbff config validate", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {
			fmt.Fprint(stderr, `usage: gqlbff config validate [FILE]

Loads FILE (default: $GQLBFF_CONFIG) and the GQLBFF_* environment as gqlbff
would at start, and reports every problem at once, each at its key. Exit
status 1 when there is one.
`)
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		path := getenv("GQLBFF_CONFIG")
		switch fs.NArg() {
		case 0:
		case 1:
			path = fs.Arg(0)
		default:
			fs.Usage()
			return usageError{fmt.Errorf("config validate: want at most one file, got %d", fs.NArg())}
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
		fs := flag.NewFlagSet("gqlbff config schema", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {
			fmt.Fprint(stderr, `usage: gqlbff config schema

Prints the JSON Schema (draft 2020-12) of the configuration file: every key,
its type, default, meaning and environment variable. Save it and name it in
the file for editor completion:
    # yaml-language-server: $schema=./gqlbff.schema.json
`)
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			fs.Usage()
			return usageError{fmt.Errorf("config schema: unexpected argument %q", fs.Arg(0))}
		}
		_, err := stdout.Write(server.ConfigSchema())
		return err
	case "-h", "-help", "--help", "help":
		usage()
		return flag.ErrHelp
	default:
		usage()
		return usageError{fmt.Errorf("config: unknown subcommand %q", args[0])}
	}
}

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }
