package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gqlbff/gqlbff/auth"
	"github.com/gqlbff/gqlbff/caller"
)

// The identity tokens gqlbff signs (auth.Signer) for the sources whose
// sendIdentity is on, so a REST service can verify who is asking without
// trusting the network; their public key is published at JWKSPath.
const (
	// IdentityHeader carries the token to the source.
	IdentityHeader = "X-Gqlbff-Identity"
	// JWKSPath publishes the public key of the identity tokens.
	JWKSPath = "/.well-known/jwks.json"
)

// errIdentityToken fails a source call whose identity token could not be
// signed: gqlbff's failure, not the source's, so the call is not made.
var errIdentityToken = errors.New("the identity token for the source could not be signed")

// signFunc signs a caller's identity token for a source (auth.Signer.Sign).
type signFunc func(c auth.Claims, audience string, now time.Time) (string, error)

// identityTokens are one request's identity tokens, signed on a source's
// first call and reused by its next ones.
type identityTokens struct {
	sign  signFunc
	id    caller.Caller
	now   time.Time
	mu    sync.Mutex
	bySrc map[string]string
}

type identityTokensKey struct{}

// withIdentityTokens lets the sources' header hooks sign for id.
func withIdentityTokens(ctx context.Context, s *auth.Signer, id caller.Caller) context.Context {
	if s == nil {
		return ctx
	}
	return withSigner(ctx, s.Sign, id)
}

// withSigner lets the sources' header hooks sign for id with sign.
func withSigner(ctx context.Context, sign signFunc, id caller.Caller) context.Context {
	if id.Anonymous() {
		return ctx
	}
	return context.WithValue(ctx, identityTokensKey{}, &identityTokens{sign: sign, id: id, now: time.Now(), bySrc: map[string]string{}})
}

func (t *identityTokens) token(source string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, ok := t.bySrc[source]; ok {
		return tok, nil
	}
	tok, err := t.sign(auth.Claims{Subject: t.id.Subject, Scopes: t.id.Scopes, Client: t.id.Client}, source, t.now)
	if err != nil {
		return "", err
	}
	t.bySrc[source] = tok
	return tok, nil
}

// identityHeader is the header hook of a source that gets identity tokens:
// every call of an authenticated request carries the caller's token for
// that source. An anonymous caller's calls carry none. A token that cannot
// be signed is logged with the request id and fails the call
// (errIdentityToken) before it is made: sent without its token, it would
// come back as the source's 401, an unavailable source with no trace of why.
func identityHeader(source string, log *slog.Logger) func(context.Context, http.Header) error {
	return func(ctx context.Context, h http.Header) error {
		t, _ := ctx.Value(identityTokensKey{}).(*identityTokens)
		if t == nil {
			return nil
		}
		tok, err := t.token(source)
		if err != nil {
			log.ErrorContext(ctx, "identity token not signed: the source call is not made",
				"request_id", caller.From(ctx).RequestID, "source", source, "error", err.Error())
			return fmt.Errorf("%w: %w", errIdentityToken, err)
		}
		h.Set(IdentityHeader, tok)
		return nil
	}
}

// warnUnsharedIdentityKey warns when the identity key is generated at start
// while a Redis is configured: Redis is shared by replicas, and replicas
// that each generate their own key sign with keys that differ, so a source
// that fetched the JWKS from one of them refuses the tokens of the others.
func warnUnsharedIdentityKey(cfg Config, log *slog.Logger) {
	if cfg.Identity.Key != "" || cfg.Identity.KeyFile != "" || cfg.Redis.URL == "" {
		return
	}
	log.Warn("identity key generated at start while redis.url is set: replicas sign with keys of their own",
		"why", "a source that fetched one replica's "+JWKSPath+" refuses the identity tokens of the others",
		"fix", "give every replica the same Ed25519 key (identity.keyFile or GQLBFF_IDENTITY_KEY_FILE, PKCS #8 PEM)")
}
