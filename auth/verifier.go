// Package auth verifies bearer tokens and signs identity tokens: the JWT,
// key, JWK and JWKS code of gqlbff, on golang-jwt, golang-lru and the
// standard library only. It knows nothing of GraphQL, client profiles or HTTP middleware:
// Verify answers a token's claims, and the caller decides what they allow.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Verifier checks bearer tokens and reads the caller's identity from them.
// Its keys are the HS256 secret, the configured public keys and the
// issuer's JWKS; each verifies exactly one algorithm (keys.go).
type Verifier struct {
	cfg    JWTConfig
	parser *jwt.Parser
	// byKID holds the configured keys that have a kid; noKID those that do
	// not, by algorithm: a token without a kid may use only these.
	byKID map[string]verificationKey
	noKID map[string][]verificationKey
	jwks  *jwksCache
	// verified remembers the tokens verified lately (verified.go).
	verified *verifiedCache
	now      func() time.Time
	// appClaims name the claims read into Claims.AppName and AppVersion
	// (ReadAppClaims); empty: none.
	appClaims [2]string
}

var errUnknownKey = errors.New("no key for this token")

// accessTokenTypes are the typ headers of an access token (RFC 7519, RFC
// 9068), compared in lower case; a token may also have none. Any other
// typ, gqlbff's own identity tokens' included, is refused.
var accessTokenTypes = []string{"jwt", "at+jwt", "application/at+jwt"}

// NewVerifier returns a verifier for cfg. With a JWKS URL it starts a
// refresher that Close stops. With no key at all it refuses every token.
func NewVerifier(cfg JWTConfig, log *slog.Logger) (*Verifier, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v := &Verifier{cfg: cfg, byKID: map[string]verificationKey{}, noKID: map[string][]verificationKey{},
		verified: newVerifiedCache(cfg.Leeway), now: time.Now}
	var keys []verificationKey
	if cfg.Secret != "" {
		keys = append(keys, verificationKey{alg: "HS256", pub: []byte(cfg.Secret)})
	}
	for i, kc := range cfg.Keys {
		k, err := loadKey(kc)
		if err != nil {
			return nil, fmt.Errorf("jwt.keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	methods := []string{} // not nil: with no key, no method is valid
	for _, k := range keys {
		if k.kid == "" {
			v.noKID[k.alg] = append(v.noKID[k.alg], k)
		} else if _, dup := v.byKID[k.kid]; dup {
			return nil, fmt.Errorf("jwt.keys: kid %q is not unique", k.kid)
		} else {
			v.byKID[k.kid] = k
		}
		methods = appendNew(methods, k.alg)
	}
	if cfg.JWKSURL != "" {
		for _, alg := range cfg.JWKSAlgorithms {
			methods = appendNew(methods, alg)
		}
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithStrictDecoding(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	if cfg.JWKSURL != "" {
		v.jwks = newJWKSCache(cfg, log)
	}
	return v, nil
}

// Close stops the JWKS refresher, if any.
func (v *Verifier) Close() {
	if v.jwks != nil {
		v.jwks.close()
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// key is the key function: it picks the token's key by kid (a configured
// key, else the cached JWKS) or, without a kid, among the configured keys
// without one, and hands it over only when the key's algorithm is the
// token's and its type fits the method. Headers that name other keys
// (jku, x5u, jwk, x5c) are never read.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	alg := t.Method.Alg()
	if typ, present := t.Header["typ"]; present {
		if s, ok := typ.(string); !ok || !slices.Contains(accessTokenTypes, strings.ToLower(s)) {
			return nil, fmt.Errorf("typ %v is not an access token", typ)
		}
	}
	if _, ok := t.Header["crit"]; ok {
		return nil, errors.New("crit header: no extension is understood")
	}
	candidates := v.noKID[alg]
	if raw, ok := t.Header["kid"]; ok {
		kid, isStr := raw.(string)
		if !isStr || kid == "" {
			return nil, errors.New("kid is not a non-empty string")
		}
		candidates = nil
		if k, found := v.byKID[kid]; found {
			candidates = []verificationKey{k}
		} else if v.jwks != nil {
			if k, found := v.jwks.lookup(ctx, kid); found {
				candidates = []verificationKey{k}
			}
		}
	}
	var set jwt.VerificationKeySet
	for _, k := range candidates {
		if k.alg == alg && methodFits(t.Method, k.pub) {
			set.Keys = append(set.Keys, k.pub)
		}
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w (alg %s)", errUnknownKey, alg)
	}
	return set, nil
}

// Claims are what a verified token says of its caller.
type Claims struct {
	// Subject is the token's sub, never empty.
	Subject string
	// Scopes are the scopes of the configured scope claim. The slice may be
	// shared with other requests of the same token: read it, never change
	// it.
	Scopes []string
	// Client is the configured client claim; empty when the token has
	// none. Whether it names a known client is the caller's decision.
	Client string
	// AppName and AppVersion are the claims ReadAppClaims names, when they
	// are strings: the client application's name and version, a label for
	// statistics, never a decision.
	AppName, AppVersion string
}

// ReadAppClaims makes Verify read the claims name and version (either may
// be empty: not read) into Claims.AppName and AppVersion. Call it before
// the first Verify.
func (v *Verifier) ReadAppClaims(name, version string) { v.appClaims = [2]string{name, version} }

// Verify checks a token and answers the claims it carries. A client claim
// that is not a non-empty string makes the token invalid; so does a key
// repeated in its header or claims, and a subject or scope that could not
// travel to the sources as a header value (a control character: the sources
// see the subject in X-User-Id and the scopes, space-separated, in
// X-User-Scopes). A kid the JWKS cache does not know may wait for a fetch
// (at most the JWKS timeout), or until ctx is done. Every error wraps
// ErrBadToken or is ErrTokenTooLarge.
func (v *Verifier) Verify(ctx context.Context, token string) (Claims, error) {
	if len(token) > maxTokenBytes {
		return Claims{}, ErrTokenTooLarge
	}
	keys := v.jwksKeys()
	if c, ok := v.verified.get(token, v.now(), keys); ok {
		return c, nil
	}
	if err := duplicateKeys(token); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	claims := jwt.MapClaims{}
	keyfunc := func(t *jwt.Token) (any, error) { return v.key(ctx, t) }
	if _, err := v.parser.ParseWithClaims(token, claims, keyfunc); err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	sub, err := claims.GetSubject()
	if err != nil || sub == "" {
		return Claims{}, fmt.Errorf("%w: no subject", ErrBadToken)
	}
	if !headerSafe(sub) {
		return Claims{}, fmt.Errorf("%w: the subject holds a control character or surrounding space", ErrBadToken)
	}
	scopes, err := scopesOf(claims[v.cfg.ScopeClaim])
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	c := Claims{Subject: sub, Scopes: scopes}
	if raw, ok := claims[v.cfg.ClientClaim]; ok {
		name, _ := raw.(string)
		if name == "" {
			return Claims{}, fmt.Errorf("%w: client claim %v is not a non-empty string", ErrBadToken, raw)
		}
		c.Client = name
	}
	if v.appClaims[0] != "" {
		c.AppName, _ = claims[v.appClaims[0]].(string)
	}
	if v.appClaims[1] != "" {
		c.AppVersion, _ = claims[v.appClaims[1]].(string)
	}
	v.verified.put(token, c, claims, keys)
	return c, nil
}

// jwksKeys is the JWKS key set in use (nil without a JWKS): a remembered
// token holds only while it is the one it was verified under.
func (v *Verifier) jwksKeys() any {
	if v.jwks == nil {
		return nil
	}
	return v.jwks.keys.Load()
}

// scopesOf reads a space-separated string (RFC 8693 scope) or an array of
// strings (scp, roles). A scope with a control character, or an array
// element with a space, is an error: scopes travel space-separated in a
// header.
func scopesOf(v any) ([]string, error) {
	var out []string
	switch s := v.(type) {
	case string:
		out = strings.Split(s, " ")
	case []any:
		out = make([]string, 0, len(s))
		for _, e := range s {
			if str, ok := e.(string); ok {
				if strings.Contains(str, " ") {
					return nil, fmt.Errorf("the scope %q holds a space", str)
				}
				out = append(out, str)
			}
		}
	default:
		return nil, nil
	}
	kept := out[:0]
	for _, sc := range out {
		if !headerSafe(sc) {
			return nil, fmt.Errorf("a scope holds a control character")
		}
		if sc != "" && !slices.Contains(kept, sc) {
			kept = append(kept, sc)
		}
	}
	return kept, nil
}
