// Package caller is who is calling: the one value a request's context
// carries about its caller, from the edge down to the source calls. The
// server sets it at the edge (the request id first, then, once, the
// authenticated caller); policies, resolvers and source clients read it
// and never parse tokens.
package caller

import "context"

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

// With returns a context that carries c.
func With(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, key{}, c)
}

// From returns the caller of ctx; a zero Caller (anonymous, of no profile,
// with no request id) when none was set.
func From(ctx context.Context) Caller {
	c, _ := ctx.Value(key{}).(Caller)
	return c
}
