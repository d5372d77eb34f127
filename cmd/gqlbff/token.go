package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/server"
)

// runToken mints a dev token with the configured HS256 key (the demo key
// when none is configured) and prints it: with the configured issuer,
// audience and claim names, so the same config's server accepts it.
func runToken(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("token", stderr)
	configPath := fs.String("config", getenv("GQLBFF_CONFIG"), "YAML configuration `file`")
	sub := fs.String("sub", "c1", "the token's `subject` (a customer id, what the me field answers)")
	scopes := fs.String("scopes", strings.Join(server.DevScopes(), " "), "space-separated scopes")
	client := fs.String("client", server.ProfileWeb, "client profile: web, mobile or partner")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("token: unexpected argument %q", fs.Arg(0))
	}
	var opts []server.LoadOption
	if getenv("GQLBFF_JWT_SECRET") == "" {
		opts = append(opts, server.WithDemo()) // no key configured: the demo key
	}
	cfg, err := server.LoadConfig(*configPath, getenv, opts...)
	if err != nil {
		return err
	}
	if _, ok := cfg.Profiles.Profile(*client); !ok {
		return usagef("--client: want web, mobile or partner, got %q", *client)
	}
	tok, err := auth.MintToken(cfg.JWT, *sub, *client, strings.Fields(*scopes), *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
