package auth

import (
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrNoSigningKey is MintToken's answer when cfg has no HS256 secret: a
// dev token can only be signed with a key gqlbff holds.
var ErrNoSigningKey = errors.New("no HS256 key configured: set jwt.secret (GQLBFF_JWT_SECRET)")

// MintToken signs an HS256 token, for a developer or a test, that cfg's
// own verifier accepts: its issuer and audience when set, the subject, and
// the client and scopes in the claims cfg names (scope as a space-separated
// string, scp or roles as an array), valid for ttl.
func MintToken(cfg JWTConfig, sub, client string, scopes []string, ttl time.Duration) (string, error) {
	if cfg.Secret == "" {
		return "", ErrNoSigningKey
	}
	now := time.Now()
	claims := jwt.MapClaims{
		"sub": sub,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	if cfg.Issuer != "" {
		claims["iss"] = cfg.Issuer
	}
	if cfg.Audience != "" {
		claims["aud"] = cfg.Audience
	}
	if c := cfg.ClientClaim; c != "" {
		claims[c] = client
	}
	if c := cfg.ScopeClaim; c == "scope" || c == "" {
		claims["scope"] = strings.Join(scopes, " ")
	} else {
		claims[c] = scopes
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(cfg.Secret))
}
