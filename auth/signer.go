package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The identity tokens gqlbff signs for the sources that ask for one, so a
// REST service can verify who is asking without trusting the network: an
// EdDSA JWT with the caller's sub, scope and client, the source's name as
// aud, valid for a minute, and its public key published at
// JWKSPath.
const (
	// IdentityHeader carries the token to the source.
	IdentityHeader = "X-Gqlbff-Identity"
	// IdentityTokenType is the token's typ, so that it cannot pass for an
	// access token (gqlbff itself refuses it as a bearer token).
	IdentityTokenType = "gqlbff-identity+jwt"
	// JWKSPath publishes the public key of the identity tokens.
	JWKSPath = "/.well-known/jwks.json"
)

// identitySigner signs the identity tokens.
type identitySigner struct {
	key    ed25519.PrivateKey
	kid    string
	issuer string
	ttl    time.Duration
	jwks   []byte // the published JWK Set
}

// loadIdentityKey reads the configured Ed25519 key; nil when none is.
func loadIdentityKey(cfg IdentityConfig) (ed25519.PrivateKey, error) {
	raw := []byte(cfg.Key)
	switch {
	case cfg.Key != "" && cfg.KeyFile != "":
		return nil, errors.New("set identity.key or identity.keyFile, not both")
	case cfg.KeyFile != "":
		b, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return nil, err
		}
		raw = b
	case cfg.Key == "":
		return nil, nil
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("want a PEM PRIVATE KEY (PKCS #8) block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("want an Ed25519 key, got %T", k)
	}
	return ed, nil
}

// newIdentitySigner uses the configured key or, without one, a key
// generated now.
func newIdentitySigner(cfg IdentityConfig) (*identitySigner, error) {
	key, err := loadIdentityKey(cfg)
	if err != nil {
		return nil, fmt.Errorf("identity.key: %w", err)
	}
	if key == nil {
		if _, key, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
	}
	pub := ed25519JWK(key.Public().(ed25519.PublicKey))
	set, err := json.Marshal(map[string][]jwk{"keys": {pub}})
	if err != nil {
		return nil, err
	}
	return &identitySigner{key: key, kid: pub.Kid, issuer: cfg.Issuer, ttl: cfg.TTL, jwks: set}, nil
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

// sign mints the token of id for the source named audience.
func (s *identitySigner) sign(id Identity, audience string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":    s.issuer,
		"sub":    id.Subject,
		"aud":    audience,
		"scope":  ScopeString(id.Scopes),
		"client": id.Client,
		"iat":    now.Unix(),
		"exp":    now.Add(s.ttl).Unix(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	t.Header["typ"] = IdentityTokenType
	return t.SignedString(s.key)
}

// ServeHTTP publishes the public key as a JWK Set.
func (s *identitySigner) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.jwks)
}

// identityTokens are one request's identity tokens, signed on a source's
// first call and reused by its next ones.
type identityTokens struct {
	signer *identitySigner
	id     Identity
	now    time.Time
	mu     sync.Mutex
	bySrc  map[string]string
}

type identityTokensKey struct{}

// withIdentityTokens lets the sources' header hooks sign for id.
func withIdentityTokens(ctx context.Context, s *identitySigner, id Identity) context.Context {
	if s == nil || id.Anonymous() {
		return ctx
	}
	return context.WithValue(ctx, identityTokensKey{}, &identityTokens{signer: s, id: id, now: time.Now(), bySrc: map[string]string{}})
}

func (t *identityTokens) token(source string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tok, ok := t.bySrc[source]; ok {
		return tok, nil
	}
	tok, err := t.signer.sign(t.id, source, t.now)
	if err != nil {
		return "", err
	}
	t.bySrc[source] = tok
	return tok, nil
}

// identityHeader is the header hook of a source that gets identity tokens:
// every call of an authenticated request carries the caller's token for
// that source. An anonymous caller's calls carry none.
func identityHeader(source string) func(context.Context, http.Header) {
	return func(ctx context.Context, h http.Header) {
		t, _ := ctx.Value(identityTokensKey{}).(*identityTokens)
		if t == nil {
			return
		}
		if tok, err := t.token(source); err == nil {
			h.Set(IdentityHeader, tok)
		}
	}
}
