package server

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxTokenBytes bounds a bearer token, checked before any parsing
// (golang-jwt CVE-2025-30204).
const maxTokenBytes = 8 << 10

// Verifier checks bearer tokens and reads the caller's identity from them.
// The accepted algorithms are pinned per key: an HS256 secret only ever
// verifies HS256, so alg:none and RS/HS confusion cannot happen.
type Verifier struct {
	cfg    JWTConfig
	parser *jwt.Parser
	keys   jwt.Keyfunc
}

// Errors of Verify; match them with errors.Is.
var (
	ErrNoToken       = errors.New("no bearer token")
	ErrTokenTooLarge = errors.New("bearer token over 8 KiB")
	ErrBadToken      = errors.New("invalid token")
)

// NewVerifier returns a verifier for cfg; with no key configured it refuses
// every token.
func NewVerifier(cfg JWTConfig) *Verifier {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithStrictDecoding(),
		jwt.WithIssuedAt(),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	secret := []byte(cfg.Secret)
	keys := func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok || len(secret) == 0 {
			return nil, fmt.Errorf("no key for %v", t.Header["alg"])
		}
		return secret, nil
	}
	return &Verifier{cfg: cfg, parser: jwt.NewParser(opts...), keys: keys}
}

// BearerToken extracts the token of an Authorization header: Bearer only,
// at most 8 KiB.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: not a bearer token", ErrBadToken)
	}
	token = strings.TrimSpace(token)
	if len(token) > maxTokenBytes {
		return "", ErrTokenTooLarge
	}
	if token == "" {
		return "", fmt.Errorf("%w: empty", ErrBadToken)
	}
	return token, nil
}

// Verify checks a token and answers the identity it carries. A client claim
// that names no profile makes the token invalid; a missing one means the
// default profile.
func (v *Verifier) Verify(token string, profiles ProfilesConfig) (Identity, error) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.keys); err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return Identity{}, fmt.Errorf("%w: no subject", ErrBadToken)
	}
	id := Identity{Subject: sub, Client: profiles.Default, Scopes: scopesOf(claims[v.cfg.ScopeClaim])}
	if c, ok := claims[v.cfg.ClientClaim]; ok {
		name, _ := c.(string)
		if _, known := profiles.Profile(name); !known {
			return Identity{}, fmt.Errorf("%w: unknown client %q", ErrBadToken, name)
		}
		id.Client = name
	}
	return id, nil
}

// scopesOf reads a space-separated string (RFC 8693 scope) or an array of
// strings (scp, roles).
func scopesOf(v any) []string {
	switch s := v.(type) {
	case string:
		return strings.Fields(s)
	case []any:
		out := make([]string, 0, len(s))
		for _, e := range s {
			if str, ok := e.(string); ok && str != "" && !slices.Contains(out, str) {
				out = append(out, str)
			}
		}
		return out
	default:
		return nil
	}
}

// MintToken signs an HS256 token for a developer or a test: subject,
// client profile, space-separated scopes, valid for ttl.
func MintToken(secret, sub, client string, scopes []string, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{
		"sub":    sub,
		"client": client,
		"scope":  strings.Join(scopes, " "),
		"iat":    now.Unix(),
		"exp":    now.Add(ttl).Unix(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}
