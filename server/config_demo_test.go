package server_test

import (
	"testing"

	"github.com/gqlbff/gqlbff/server"
)

// TestWithDemoIsAnOption: --demo turns demo mode on through LoadConfig's
// option, not through a faked environment, and wins over GQLBFF_DEMO.
func TestWithDemoIsAnOption(t *testing.T) {
	env := map[string]string{"GQLBFF_DEMO": "false"}
	cfg, err := server.LoadConfig("", func(k string) string { return env[k] }, server.WithDemo())
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Demo || cfg.JWT.Secret != server.DemoJWTSecret || !cfg.GraphQL.Playground {
		t.Errorf("WithDemo with GQLBFF_DEMO=false: got demo %v, secret %q, playground %v; want demo mode and its defaults",
			cfg.Demo, cfg.JWT.Secret, cfg.GraphQL.Playground)
	}
	cfg, err = server.LoadConfig("", func(k string) string { return env[k] })
	if err == nil || cfg.Demo {
		t.Errorf("no WithDemo, GQLBFF_DEMO=false and no sources: got demo %v, error %v; want no demo mode and the missing URLs", cfg.Demo, err)
	}
}
