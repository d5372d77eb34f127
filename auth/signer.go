package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The identity tokens gqlbff signs for the sources that ask for one, so a
// REST service can verify who is asking without trusting the network: an
// EdDSA JWT with the caller's sub, scope and client, the source's name as
// aud, valid for the configured TTL, its public key published as a JWK Set
// by the Signer's ServeHTTP.

// IdentityTokenType is an identity token's typ, so that it cannot pass for
// an access token (Verify refuses it as a bearer token).
const IdentityTokenType = "gqlbff-identity+jwt"

// Signer signs identity tokens.
type Signer struct {
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

// NewSigner uses the configured key or, without one, a key generated now.
func NewSigner(cfg IdentityConfig) (*Signer, error) {
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
	return &Signer{key: key, kid: pub.Kid, issuer: cfg.Issuer, ttl: cfg.TTL, jwks: set}, nil
}

// Sign mints the token of the caller c for the source named audience,
// issued at now.
func (s *Signer) Sign(c Claims, audience string, now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":    s.issuer,
		"sub":    c.Subject,
		"aud":    audience,
		"scope":  strings.Join(c.Scopes, " "),
		"client": c.Client,
		"iat":    now.Unix(),
		"exp":    now.Add(s.ttl).Unix(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	t.Header["typ"] = IdentityTokenType
	return t.SignedString(s.key)
}

// ServeHTTP publishes the public key as a JWK Set.
func (s *Signer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.jwks)
}
