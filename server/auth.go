package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/sources"
)

// authenticate decides who is calling, once, at the edge: it verifies the
// bearer token, puts the Identity in the context and hands the sources the
// caller's id and scopes, and, through signer (nil: none), an identity
// token for the sources that want one. The caller's address (behind the
// trusted proxies) keys an anonymous caller's budget. A missing token is
// 401 unless the default profile allows anonymous callers; a bad token is
// always 401, its reason logged with the request id. Nothing downstream
// parses tokens.
func authenticate(v *auth.Verifier, profiles ProfilesConfig, signer *auth.Signer, trusted []netip.Prefix, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			token, err := auth.BearerToken(header)
			var id Identity
			switch {
			case errors.Is(err, auth.ErrNoToken):
				id = Identity{Client: profiles.Default}
				if p, _ := profiles.Profile(id.Client); !p.AllowAnonymous {
					unauthenticated(r.Context(), w, `Bearer`, "this operation needs a bearer token")
					return
				}
			case err == nil:
				id, err = identityOf(r.Context(), v, token, profiles)
			}
			if err != nil && !errors.Is(err, auth.ErrNoToken) {
				log.InfoContext(r.Context(), "bearer token refused", "request_id", RequestID(r.Context()), "reason", err.Error())
				unauthenticated(r.Context(), w, `Bearer error="invalid_token"`, "the bearer token is invalid")
				return
			}
			id.RemoteIP = clientIP(r, trusted)
			ctx := WithIdentity(r.Context(), id)
			m := sources.MetaFrom(ctx)
			m.UserID, m.Scopes = id.Subject, id.Scopes
			if !id.Anonymous() {
				m.Authorization = header
			}
			ctx = withIdentityTokens(sources.WithMeta(ctx, m), signer, id)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// identityOf verifies token and decides the caller's profile: the one its
// client claim names or, without one, the default. A client claim that
// names no profile makes the token invalid.
func identityOf(ctx context.Context, v *auth.Verifier, token string, profiles ProfilesConfig) (Identity, error) {
	c, err := v.Verify(ctx, token)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Subject: c.Subject, Scopes: c.Scopes, Client: profiles.Default}
	if c.Client != "" {
		if _, known := profiles.Profile(c.Client); !known {
			return Identity{}, fmt.Errorf("%w: unknown client %q", auth.ErrBadToken, c.Client)
		}
		id.Client = c.Client
	}
	return id, nil
}

func unauthenticated(ctx context.Context, w http.ResponseWriter, challenge, msg string) {
	w.Header().Set("WWW-Authenticate", challenge)
	writeErrors(ctx, w, http.StatusUnauthorized, newError(CodeUnauthenticated, "%s", msg))
}

// ScopeString renders scopes as the X-User-Scopes header does.
func ScopeString(scopes []string) string { return strings.Join(scopes, " ") }
