package caller_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gqlbff/gqlbff/caller"
)

func TestFromWhatWithSet(t *testing.T) {
	if c := caller.From(context.Background()); !c.Anonymous() || c.Client != "" || c.RequestID != "" {
		t.Errorf("From an empty context: got %+v, want a zero, anonymous caller", c)
	}
	ctx := caller.With(context.Background(), caller.Caller{RequestID: "r1"})
	ctx = caller.With(ctx, caller.Caller{RequestID: "r1", Subject: "c1", Scopes: []string{"orders:read"}, Client: "web"})
	c := caller.From(ctx)
	if c.Anonymous() || c.Subject != "c1" || c.Client != "web" || c.RequestID != "r1" || !slices.Equal(c.Scopes, []string{"orders:read"}) {
		t.Errorf("From: got %+v, want c1 of web with orders:read, request r1", c)
	}
}
