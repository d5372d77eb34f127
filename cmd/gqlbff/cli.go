package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand of gqlbff.
type command struct {
	name    string
	args    string // the arguments, for the usage line
	summary string // one line, for the command list
	about   string // more, for the command's own help; may be empty
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands lists gqlbff's subcommands, in the order help shows them.
func commands() []command {
	return []command{
		{name: "serve", args: "[--config FILE] [--demo]", summary: "serve the graph (the default command)",
			about: "Serves GraphQL with the configuration of FILE ($GQLBFF_CONFIG) and the GQLBFF_* environment.\n--demo starts the demo REST services in-process and serves them (what make run does).",
			run:   runServe},
		{name: "demo-sources", args: "[flags]", summary: "run the demo REST services alone, until interrupted",
			about: "Prints the three services' URLs as GQLBFF_*_URL lines, for a gqlbff or a benchmark to use.",
			run:   withoutEnv(runDemoSources)},
		{name: "token", args: "[flags]", summary: "mint a dev token that the configuration's server accepts",
			about: "Signs an HS256 token with jwt.secret (the demo key when no key is configured), with the\nconfiguration's issuer, audience and claim names.",
			run:   runToken},
		{name: "subgraph-sdl", summary: "print the Apollo Federation v2 subgraph SDL",
			about: "What _service { sdl } answers in subgraph mode, for gateways that compose from files.",
			run: func(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
				return printSubgraphSDL(args, stdout, stderr)
			}},
		{name: "persist", args: "[-o FILE] FILE.graphql…", summary: "write a trusted-documents manifest",
			about: "One named operation per file, each validated against the schema; ids are the SHA-256 of\nthe normalized document. Nothing is written unless every file is good. A comment line\n\"# profiles: web, mobile\" names the client profiles the document serves (none: every profile).",
			run:   withoutEnv(runPersist)},
		{name: "check-manifest", args: "MANIFEST", summary: "check a manifest against the schema, naming each broken operation",
			about: "Loads the manifest as the server does; a document that names profiles must fit each one's contract\n(the default configuration's: partner hides pii), and the profiles must exist.",
			run:   withoutEnv(runCheckManifest)},
		{name: "schema", args: "check --base REF|FILE [--manifest FILE]… [--usage FILE | --admin URL [--key KEY]] [--days N]", summary: "classify the schema's changes since a base; fail when a breaking one is used",
			about: "Compares schema/ in the tree with a git revision's schema/ (or an SDL file), classifies each change\nbreaking, dangerous or safe, and fails when a breaking change touches a coordinate that a trusted\ndocument of the manifests uses (server/demomanifest.json by default), or that a client used within\nthe last --days (30) days by a usage export (--usage: the JSON of GET /usage) or by a running\nserver's admin listener (--admin, key: --key or $GQLBFF_ADMIN_KEY). With usage, it also lists the\ndeprecated coordinates that nothing used in the window: safe to remove.",
			run:   runSchema},
		{name: "usage", args: "[--admin URL] [--key KEY] [--days N] [--safe-to-remove]", summary: "print a running server's field usage by client",
			about: "Reads GET /usage on the admin listener (key: --key or $GQLBFF_ADMIN_KEY) and prints each\ncoordinate with the clients (profile/name@version) that used it in the last --days (30) days, how\noften and when last (with Redis, every replica's; without, this replica's since it started), then\nthe deprecated coordinates and those no client used in the window. --safe-to-remove prints only\nthese, one a line.",
			run:   runUsage},
		{name: "config", args: "validate [FILE] | schema", summary: "validate a configuration, or print its JSON Schema",
			about: "validate loads FILE ($GQLBFF_CONFIG) and the environment as the server would and reports every\nproblem at once, each at its key. schema prints the JSON Schema of the file, for editors.",
			run:   runConfig},
		{name: "version", summary: "print the version, the commit and the build settings", run: runVersion},
		{name: "help", args: "[COMMAND]", summary: "print this help, or a command's", run: runHelp},
	}
}

// withoutEnv adapts a command that reads no environment to command.run.
func withoutEnv(run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) func(context.Context, []string, func(string) string, io.Writer, io.Writer) error {
	return func(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
		return run(ctx, args, stdout, stderr)
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageError is a mistake in the command line: exit status 2, where a
// failure to do what was asked is 1.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCode is the process's exit status for run's result: 0 for success
// and for help asked for, 2 for a usage mistake, 1 for anything else.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// newFlags returns the flag set of command name, whose usage (on -h,
// -help, --help or a bad flag) is its usage line, its description and its
// flags.
func newFlags(name string, w io.Writer) *flag.FlagSet {
	c, _ := lookup(name)
	fs := flag.NewFlagSet("gqlbff "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() { printUsage(w, c, fs) }
	return fs
}

func printUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: gqlbff %s", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, "\n\n%s.\n", capitalize(c.summary))
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nflags:")
		fs.PrintDefaults()
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseFlags parses args into fs; a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

// wantsHelp reports whether args ask for help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// printCommands writes gqlbff's usage: the command list and how to learn
// more.
func printCommands(w io.Writer) {
	fmt.Fprint(w, "gqlbff is a GraphQL backend-for-frontend: one schema-first GraphQL endpoint in front of REST services.\n\nusage: gqlbff [COMMAND] [ARGUMENTS]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nWithout a command, gqlbff serves (gqlbff --demo tries it with demo services).\nRun gqlbff help COMMAND, or gqlbff COMMAND --help, for a command's arguments and flags.\n")
}

func runHelp(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if wantsHelp(args) {
		c, _ := lookup("help")
		printUsage(stdout, c, flag.NewFlagSet("", flag.ContinueOnError))
		return flag.ErrHelp
	}
	switch len(args) {
	case 0:
		printCommands(stdout)
		return nil
	case 1:
		c, ok := lookup(args[0])
		if !ok {
			return usagef("help: unknown command %q; run gqlbff help for the list", args[0])
		}
		err := c.run(context.Background(), []string{"--help"}, func(string) string { return "" }, stdout, stdout)
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	default:
		return usagef("help: want at most one command, got %d", len(args))
	}
}
