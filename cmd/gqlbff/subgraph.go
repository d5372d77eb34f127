package main

import (
	"fmt"
	"io"

	"github.com/gqlbff/gqlbff/server"
)

// printSubgraphSDL prints what _service { sdl } answers in subgraph mode,
// for gateways that compose from files (rover supergraph compose, wgc,
// the Hive CLI) rather than by asking a running gqlbff.
func printSubgraphSDL(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("subgraph-sdl takes no arguments, got %q", args[0])
	}
	sdl, err := server.SubgraphSDL()
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, sdl)
	return err
}
