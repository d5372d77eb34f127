package main

import (
	"io"

	"github.com/gqlbff/gqlbff/server"
)

// printSubgraphSDL prints what _service { sdl } answers in subgraph mode,
// for gateways that compose from files (rover supergraph compose, wgc,
// the Hive CLI) rather than by asking a running gqlbff.
func printSubgraphSDL(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("subgraph-sdl", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("subgraph-sdl takes no arguments, got %q", fs.Arg(0))
	}
	sdl, err := server.SubgraphSDL()
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, sdl)
	return err
}
