package main

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/gqlbff/gqlbff/internal/logbuf"
	"github.com/gqlbff/gqlbff/server"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	configPath := fs.String("config", getenv("GQLBFF_CONFIG"), "YAML configuration `file` (env GQLBFF_CONFIG)")
	demoMode := fs.Bool("demo", false, "start the demo REST services in-process and serve them (what make run does)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	var opts []server.LoadOption
	if *demoMode {
		opts = append(opts, server.WithDemo())
	}
	cfg, err := server.LoadConfig(*configPath, getenv, opts...)
	if err != nil {
		return err
	}
	if cfg.Demo {
		svcs, err := startDemo(&cfg)
		if err != nil {
			return err
		}
		defer svcs.Close()
	}
	// The log's lines are written together: a write(2) per request line
	// cost about 2% of the CPU under load (BENCHMARKS.md). A warning or an
	// error is written at once, and every line before run returns.
	lw := logbuf.New(stderr, logbuf.DefaultDelay, logbuf.DefaultSize)
	defer lw.Close()
	log := newLogger(lw, cfg.Log.Format, cfg.Log.Level)
	// go-redis logs through one process-wide logger: the process's is ours.
	redis.SetLogger(redisLog{log})
	return server.RunAddrs(ctx, cfg, log, func(addrs server.Addrs) {
		base := "http://" + addrs.Public
		if cfg.TLS.CertFile != "" {
			base = "https://" + addrs.Public
		}
		fmt.Fprintf(stdout, "gqlbff is serving GraphQL at %s/graphql\n", base)
		if addrs.Admin != "" {
			fmt.Fprintf(stdout, "admin: http://%s/\n", addrs.Admin)
		}
		if cfg.GraphQL.Playground {
			fmt.Fprintf(stdout, "playground: %s/\nplayground as a partner (its contract, its operations): %s/?profile=partner\n", base, base)
		}
		if auth := server.DevHeaders(cfg)["Authorization"]; auth != "" {
			fmt.Fprintf(stdout, "dev token (customer c1, web, every read scope, 24h; the playground sends it):\nAuthorization: %s\n", auth)
			fmt.Fprintf(stdout, "try: curl -s %s/graphql -H 'Content-Type: application/json' -H 'Authorization: %s' -d '{\"query\":\"{ me { name } dashboard { summary { orderCount revenue { amount currency } } } }\"}'\n", base, auth)
		} else if cfg.Demo {
			fmt.Fprintln(stdout, "no dev token: demo mode mints one with jwt.secret only, and public keys are configured instead")
		}
	})
}
