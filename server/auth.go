package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/caller"
)

// authenticate decides who is calling, once, at the edge: it verifies the
// bearer token and puts the whole caller (caller.Caller: subject, scopes,
// profile, address, with the request id requestMeta set) in the context,
// where policies, resolvers and sources read it, and, through signer (nil:
// none), an identity token for the sources that want one. The caller's address (behind the
// trusted proxies) keys an anonymous caller's budget. A missing token is
// 401 unless the default profile allows anonymous callers; a bad token is
// always 401, its reason logged with the request id; more than one
// Authorization header is 400. Nothing downstream
// parses tokens.
func authenticate(v *auth.Verifier, ps profiles, signer *auth.Signer, trusted []netip.Prefix, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.Header.Values("Authorization")) > 1 {
				// Which credential is meant is ambiguous: a proxy may
				// read one and gqlbff another.
				writeErrors(r.Context(), w, http.StatusBadRequest, newError(CodeBadUserInput, "more than one Authorization header"))
				return
			}
			header := r.Header.Get("Authorization")
			token, err := auth.BearerToken(header)
			var id caller.Caller
			switch {
			case errors.Is(err, auth.ErrNoToken):
				id = caller.Caller{Client: ps.fallback.name}
				if !ps.fallback.allowAnonymous {
					unauthenticated(r.Context(), w, `Bearer`, "this operation needs a bearer token")
					return
				}
			case err == nil:
				id, err = identityOf(r.Context(), v, token, ps)
			}
			if err != nil && !errors.Is(err, auth.ErrNoToken) {
				log.InfoContext(r.Context(), "bearer token refused", "request_id", caller.From(r.Context()).RequestID, "reason", err.Error())
				unauthenticated(r.Context(), w, `Bearer error="invalid_token"`, "the bearer token is invalid")
				return
			}
			id.RequestID = caller.From(r.Context()).RequestID
			id.RemoteIP = clientIP(r, trusted)
			if !id.Anonymous() {
				id.Authorization = header
			}
			ctx := r.Context()
			if req := caller.RequestOf(ctx); req != nil {
				req.SetCaller(id) // in place: requestMeta made it for this request
			} else {
				ctx = caller.With(ctx, id)
			}
			if ctx = withIdentityTokens(ctx, signer, id); ctx != r.Context() {
				r = r.WithContext(ctx)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// identityOf verifies token and decides the caller's profile: the one its
// client claim names or, without one, the default. A client claim that
// names no profile makes the token invalid.
func identityOf(ctx context.Context, v *auth.Verifier, token string, ps profiles) (caller.Caller, error) {
	c, err := v.Verify(ctx, token)
	if err != nil {
		return caller.Caller{}, err
	}
	id := caller.Caller{Subject: c.Subject, Scopes: c.Scopes, Client: ps.fallback.name, AppName: c.AppName, AppVersion: c.AppVersion}
	if c.Client != "" {
		if !ps.known(c.Client) {
			return caller.Caller{}, fmt.Errorf("%w: unknown client %q", auth.ErrBadToken, c.Client)
		}
		id.Client = c.Client
	}
	return id, nil
}

func unauthenticated(ctx context.Context, w http.ResponseWriter, challenge, msg string) {
	w.Header().Set("WWW-Authenticate", challenge)
	writeErrors(ctx, w, http.StatusUnauthorized, newError(CodeUnauthenticated, "%s", msg))
}
