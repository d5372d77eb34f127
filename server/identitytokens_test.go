package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
	"github.com/gqlbff/gqlbff/sources/demo"
)

// TestIdentitySigningFailureIsLoggedAndFailsTheCall: a token that cannot
// be signed is logged with the request id, and the source call fails as
// errIdentityToken (a call that could not be built) without being made,
// instead of going out without its token and coming back as the source's
// 401. Signing with an Ed25519 key does not fail, so the signer here is a
// fake: the one failure the real part cannot show.
func TestIdentitySigningFailureIsLoggedAndFailsTheCall(t *testing.T) {
	svcs, err := demo.Start(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svcs.Close()
	cfg := Default()
	cfg.Sources.Orders.URL, cfg.Sources.Customers.URL, cfg.Sources.Analytics.URL = svcs.Orders.URL(), svcs.Customers.URL(), svcs.Analytics.URL()
	cfg.Sources.Analytics.SendIdentity = true
	var logs bytes.Buffer
	src, err := newSources(cfg, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	broken := errors.New("the key is in a vault that does not answer")
	sign := func(auth.Claims, string, time.Time) (string, error) { return "", broken }
	who := caller.Caller{RequestID: "req-sign-1", Subject: "c1", Client: ProfileWeb, Scopes: []string{"analytics:read"}}
	ctx := withSigner(caller.With(context.Background(), who), sign, who)

	_, err = src.Analytics.Summary(ctx, nil)
	if !errors.Is(err, errIdentityToken) || !errors.Is(err, sources.ErrBadRequest) || !errors.Is(err, broken) {
		t.Fatalf("Summary: got %v, want errIdentityToken, a call that could not be built, with its cause", err)
	}
	if _, isSourceError := sources.AsError(err); isSourceError {
		t.Errorf("Summary: got the source error %v, want gqlbff's own failure, not the source's", err)
	}
	if n := svcs.Analytics.Calls(); n != 0 {
		t.Errorf("analytics got %d calls, want none without the token", n)
	}
	line := logs.String()
	for _, want := range []string{"identity token not signed", "request_id=req-sign-1", "source=analytics", "vault"} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q: want %q in it", line, want)
		}
	}

	// The sources that take no identity token are called as usual.
	if _, err := src.Orders.ByIDs(ctx, []string{"o1"}); err != nil {
		t.Errorf("orders, which takes no identity token: %v", err)
	}
}
