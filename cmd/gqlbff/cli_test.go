package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

var updateHelp = flag.Bool("update", false, "rewrite testdata/help/*.golden")

// TestHelpGolden pins the help of gqlbff and of every command (gqlbff
// --help, gqlbff help, gqlbff COMMAND --help, gqlbff help COMMAND): each
// goes to stdout, is what testdata/help/NAME.golden holds (go test
// ./cmd/gqlbff -run TestHelpGolden -update rewrites them), and exits 0.
func TestHelpGolden(t *testing.T) {
	type invocation struct{ golden, args string }
	cases := []invocation{{"gqlbff", "--help"}, {"gqlbff", "help"}, {"gqlbff", "-h"},
		{"config-validate", "config validate --help"}, {"config-schema", "config schema --help"}}
	for _, c := range commands() {
		cases = append(cases, invocation{c.name, c.name + " --help"}, invocation{c.name, "help " + c.name})
	}
	for _, tc := range cases {
		t.Run(tc.args, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), strings.Fields(tc.args), getenv(nil), &stdout, &stderr)
			if code := exitCode(err); code != 0 {
				t.Errorf("exit status: got %d (%v), want 0", code, err)
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: got %q, want nothing: help asked for goes to stdout", stderr.String())
			}
			path := filepath.Join("testdata", "help", tc.golden+".golden")
			if *updateHelp {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/gqlbff -run TestHelpGolden -update writes it)", err)
			}
			if stdout.String() != string(want) {
				t.Errorf("gqlbff %s:\n%s\nwant (%s):\n%s", tc.args, stdout.String(), path, want)
			}
		})
	}
}

// TestHelpListsEveryCommand checks that the command list names every
// command and that each command's help names its usage line.
func TestHelpListsEveryCommand(t *testing.T) {
	var list bytes.Buffer
	printCommands(&list)
	for _, c := range commands() {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.name) + ` +\S`).Match(list.Bytes()) {
			t.Errorf("the command list has no line for %s:\n%s", c.name, list.String())
		}
	}
}

// TestExitCodes checks the exit status of each kind of outcome: 0 for
// success and help, 2 for a mistake in the command line, 1 for a failure.
func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("listn: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args string
		want int
	}{
		{"version", 0},
		{"--version", 0},
		{"help", 0},
		{"token --help", 0},
		{"frobnicate", 2},
		{"help frobnicate", 2},
		{"--nope", 2},
		{"token --nope", 2},
		{"token extra", 2},
		{"token --client admin", 2},
		{"subgraph-sdl extra", 2},
		{"check-manifest", 2},
		{"persist", 2},
		{"config", 2},
		{"config frob", 2},
		{"version extra", 2},
		{"config validate " + bad, 1},
		{"check-manifest does-not-exist.json", 1},
		{"--config does-not-exist.yaml", 1},
	}
	for _, tc := range cases {
		t.Run(tc.args, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), strings.Fields(tc.args), getenv(nil), &stdout, &stderr)
			if got := exitCode(err); got != tc.want {
				t.Errorf("exit status: got %d (%v), want %d", got, err, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"version"}, getenv(nil), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "gqlbff ") || !strings.Contains(stdout.String(), "built with go") {
		t.Errorf("got %q, want the version and the Go version", stdout.String())
	}
	var b bytes.Buffer
	writeVersion(&b, &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/gqlbff/gqlbff", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"},
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-06T09:00:00Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "CGO_ENABLED", Value: "0"}},
	})
	want := "gqlbff v1.2.3\ncommit abc123 (modified) 2026-12-06T09:00:00Z\nbuilt with go1.26.8 for linux/arm64\n  CGO_ENABLED=0\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
