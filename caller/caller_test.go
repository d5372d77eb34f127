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

func TestARequestCarriesTheCallerAndItsSlots(t *testing.T) {
	slot, other := caller.NewSlot(), caller.NewSlot()
	if v := caller.Value(context.Background(), slot); v != nil {
		t.Errorf("Value of an empty context: got %v, want nil", v)
	}
	outer, req := caller.NewRequest(context.Background(), caller.Caller{RequestID: "r1"})
	if caller.RequestOf(outer) != req || caller.From(outer).RequestID != "r1" {
		t.Fatalf("NewRequest: got %+v and %p, want request r1 in %p", caller.From(outer), caller.RequestOf(outer), req)
	}
	// Filled in place: seen through the contexts made before.
	inner := context.WithValue(outer, struct{}{}, 1)
	req.SetCaller(caller.Caller{RequestID: "r1", Subject: "c1"})
	req.Set(slot, "loaders")
	if c := caller.From(outer); c.Subject != "c1" || c.RequestID != "r1" {
		t.Errorf("From after SetCaller: got %+v, want c1 in request r1", c)
	}
	if v := caller.Value(inner, slot); v != "loaders" {
		t.Errorf("Value after Set: got %v, want loaders", v)
	}
	// For a part of the request: a copy, the outer contexts unchanged.
	part := caller.WithValue(inner, other, 7)
	if caller.Value(part, other) != 7 || caller.Value(part, slot) != "loaders" || caller.From(part).Subject != "c1" {
		t.Errorf("WithValue: got %v, %v, %+v; want 7, loaders and c1", caller.Value(part, other), caller.Value(part, slot), caller.From(part))
	}
	if v := caller.Value(outer, other); v != nil {
		t.Errorf("WithValue changed the request's own Request: %v", v)
	}
	as := caller.With(part, caller.Caller{Subject: "c2"})
	if caller.From(as).Subject != "c2" || caller.Value(as, other) != 7 || caller.Value(as, slot) != "loaders" {
		t.Errorf("With under a Request: got %+v, %v, %v; want c2 with both values", caller.From(as), caller.Value(as, other), caller.Value(as, slot))
	}
	if caller.From(part).Subject != "c1" {
		t.Errorf("With changed the Request it copied: %+v", caller.From(part))
	}
	// Without a Request: WithValue keeps the caller of the context.
	plain := caller.WithValue(caller.With(context.Background(), caller.Caller{Subject: "c3"}), slot, 1)
	if caller.From(plain).Subject != "c3" || caller.Value(plain, slot) != 1 {
		t.Errorf("WithValue over a plain caller: got %+v and %v, want c3 and 1", caller.From(plain), caller.Value(plain, slot))
	}
}
