package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/server"
)

// runPersist writes an Apollo persisted query manifest of .graphql files,
// each validated against the schema: to stdout, or to -o FILE (written
// only when every file is good).
func runPersist(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("persist", stderr)
	out := fs.String("o", "", "write the manifest to `file` instead of stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("persist: no .graphql file given")
	}
	files := make([]persisted.SourceFile, 0, fs.NArg())
	for _, name := range fs.Args() {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("persist: %w", err)
		}
		files = append(files, persisted.SourceFile{Name: name, Text: string(b)})
	}
	m, err := persisted.Build(files, server.Schema())
	if err != nil {
		return fmt.Errorf("persist:\n%w", err)
	}
	var buf bytes.Buffer
	if err := m.Encode(&buf); err != nil {
		return err
	}
	if *out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	fmt.Fprintf(stderr, "persist: %d operations written to %s\n", len(m.Operations), *out)
	return nil
}

// runCheckManifest loads a manifest as the server would: it fails, naming
// each broken operation, when the current schema no longer validates one
// of the trusted documents.
func runCheckManifest(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check-manifest", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("check-manifest: want one manifest file, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	t, err := persisted.NewTrusted(path, server.Schema(), nil, nil)
	if err != nil {
		return err
	}
	if err := server.CheckManifestProfiles(server.Default().Profiles, t.Current()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d trusted documents valid against the schema\n", path, t.Current().Len())
	return nil
}
