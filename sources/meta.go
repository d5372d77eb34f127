package sources

import "context"

// Meta is what every source call carries about the incoming request: the
// headers of the REST contract. The server fills it in once per request.
// The W3C traceparent travels in the context's trace span instead, written
// by the Observer's Inject.
type Meta struct {
	// RequestID is sent as X-Request-Id.
	RequestID string
	// UserID and Scopes describe an authenticated caller (X-User-Id,
	// X-User-Scopes); both empty for an anonymous one.
	UserID string
	Scopes []string
	// Authorization is the caller's own header, sent only to sources whose
	// configuration says to forward it.
	Authorization string
}

type metaKey struct{}

// WithMeta returns a context whose source calls carry m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta stored by WithMeta, or a zero Meta.
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}
