// Package caller is who is calling: the one value a request's context
// carries about its caller, from the edge down to the source calls. The
// server sets it at the edge (the request id first, then, once, the
// authenticated caller); policies, resolvers and source clients read it
// and never parse tokens. The same value, a Request, holds the other
// values a request's layers keep for the whole request, each in a slot
// of its own package's (NewSlot), so that a request's context is one
// value deep for all of them.
package caller

import (
	"context"
	"sync/atomic"
)

// Caller is who is calling and as which request.
type Caller struct {
	// RequestID is the request's id, sent to the sources as X-Request-Id.
	RequestID string
	// Subject is the token's sub; empty for an anonymous caller.
	Subject string
	// Scopes are the token's scopes.
	Scopes []string
	// Client is the caller's client profile: web, mobile or partner.
	Client string
	// RemoteIP is the caller's address: what tells anonymous callers apart.
	RemoteIP string
	// AppName and AppVersion name the client application as the token's
	// configured claims do (usage.clientNameClaim, clientVersionClaim):
	// a label for the field usage, never a decision.
	AppName, AppVersion string
	// Authorization is the caller's own Authorization header, sent only to
	// the sources configured to forward it; empty for an anonymous caller.
	Authorization string
}

// Anonymous reports whether the caller presented no token.
func (c Caller) Anonymous() bool { return c.Subject == "" }

type key struct{}

// With returns a context that carries c. Under a Request (NewRequest) the
// context carries a copy of it with c as its caller, so that its values
// stay.
func With(ctx context.Context, c Caller) context.Context {
	if r := RequestOf(ctx); r != nil {
		n := *r
		n.caller = c
		return context.WithValue(ctx, key{}, &n)
	}
	return context.WithValue(ctx, key{}, c)
}

// From returns the caller of ctx; a zero Caller (anonymous, of no profile,
// with no request id) when none was set.
func From(ctx context.Context) Caller {
	switch v := ctx.Value(key{}).(type) {
	case *Request:
		return v.caller
	case Caller:
		return v
	}
	return Caller{}
}

// maxSlots bounds the slots a Request holds (NewSlot).
const maxSlots = 6

// Request is what a request's context carries about the request in one
// value: its caller, and the values that the request's layers keep for the
// whole request (its access record, its loaders, its collector of stale
// records...), each in a slot of its own. One value instead of a context
// each: fewer allocations per request, and every lookup of any value
// walks a shorter chain of contexts.
//
// The edge of a request makes it (NewRequest), and the request's own
// layers fill it in place (SetCaller, Set) while they hand the request
// down, before its work starts: a value set in place is seen through every
// context of the request, the outer ones too. After that it is read only,
// from any goroutine. Values for a part of a request only go through
// WithValue, which leaves the Request as it is.
type Request struct {
	caller Caller
	values [maxSlots]any
}

// Slot names one value of a Request. Packages make theirs once
// (NewSlot, in a package variable).
type Slot struct{ i uint8 }

var slots atomic.Int32

// NewSlot returns a slot of its own. It panics past the slots a Request
// has room for: that is a wiring bug, found at start-up.
func NewSlot() Slot {
	n := slots.Add(1) - 1
	if n >= maxSlots {
		panic("caller: more slots than a Request has (maxSlots)")
	}
	return Slot{i: uint8(n)}
}

// NewRequest returns a context that carries a new Request for c, and the
// Request, for the request's layers to fill in place.
func NewRequest(ctx context.Context, c Caller) (context.Context, *Request) {
	r := &Request{caller: c}
	return context.WithValue(ctx, key{}, r), r
}

// RequestOf returns the Request of ctx; nil when there is none.
func RequestOf(ctx context.Context) *Request {
	r, _ := ctx.Value(key{}).(*Request)
	return r
}

// SetCaller makes c the request's caller, in place (see Request).
func (r *Request) SetCaller(c Caller) { r.caller = c }

// Set puts v in slot s, in place (see Request).
func (r *Request) Set(s Slot, v any) { r.values[s.i] = v }

// Value returns the value in slot s; nil when none was set.
func (r *Request) Value(s Slot) any { return r.values[s.i] }

// WithValue returns a context whose Request has v in slot s: a copy of
// ctx's Request, or a new one for ctx's caller, so that ctx's own is left
// as it is.
func WithValue(ctx context.Context, s Slot, v any) context.Context {
	var n Request
	if r := RequestOf(ctx); r != nil {
		n = *r
	} else {
		n.caller = From(ctx)
	}
	n.values[s.i] = v
	return context.WithValue(ctx, key{}, &n)
}

// Value returns the value in slot s of ctx's Request; nil when there is
// none.
func Value(ctx context.Context, s Slot) any {
	if r := RequestOf(ctx); r != nil {
		return r.values[s.i]
	}
	return nil
}
