package server

import "context"

// Identity is who is calling, decided once at the edge (the JWT
// middleware) and read by everything after it. Resolvers and sources never
// parse tokens.
type Identity struct {
	// Subject is the token's sub; empty for an anonymous caller.
	Subject string
	// Scopes are the token's scopes.
	Scopes []string
	// Client is the client profile: web, mobile or partner.
	Client string
	// RemoteIP is the caller's address (clientIP): what tells anonymous
	// callers apart.
	RemoteIP string
}

// Anonymous reports whether the caller presented no token.
func (id Identity) Anonymous() bool { return id.Subject == "" }

type identityKey struct{}

// WithIdentity returns a context that carries id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the caller's identity; anonymous (and of no profile)
// when none was set.
func IdentityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}
