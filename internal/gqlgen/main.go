// Command gqlgen is `gqlgen generate` (make generate) with one correction:
// gqlgen's Federation v2 plugin declares @authenticated and @requiresScopes
// itself (they are Apollo Federation's own directives) and forces them to
// skip_runtime: true, which would silently drop the policy layer's
// generated hooks for them. This generator gives those two directives back
// the settings gqlgen.yml has for them, after the plugin's.
package main

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	log.SetOutput(io.Discard) // as gqlgen's own command does
	if err := generate(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func generate() error {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	// The directives that run at runtime (skip_runtime: false in
	// gqlgen.yml) are the policy layer's (@authenticated, @requiresScopes):
	// their settings win over the federation plugin's, which declares them
	// too.
	keep := keepDirectives{}
	for name, d := range cfg.Directives {
		if !d.SkipRuntime {
			keep[name] = d
		}
	}
	return api.Generate(cfg, api.AddPlugin(keep))
}

// keepDirectives is a plugin that runs after the federation plugin and
// restores the directives' configuration.
type keepDirectives map[string]config.DirectiveConfig

func (keepDirectives) Name() string { return "keepdirectives" }

func (k keepDirectives) MutateConfig(cfg *config.Config) error {
	for name, d := range k {
		cfg.Directives[name] = d
	}
	return nil
}
