package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// JWTKeyConfig is one trusted public key of the token issuer.
type JWTKeyConfig struct {
	// File is a PEM file holding the key: PUBLIC KEY, RSA PUBLIC KEY or
	// CERTIFICATE.
	File string `yaml:"file"`
	// PEM is the key itself, instead of File.
	PEM string `yaml:"pem"`
	// Alg is the one algorithm the key verifies; empty: by its type (RSA:
	// RS256, EC P-256: ES256, P-384: ES384, P-521: ES512, Ed25519: EdDSA).
	Alg string `yaml:"alg"`
	// KID is the kid of the tokens the key verifies; empty: the key
	// verifies the tokens that name no kid.
	KID string `yaml:"kid"`
}

// IdentityConfig configures the identity tokens gqlbff signs for the
// sources whose sendIdentity is on (X-Gqlbff-Identity): EdDSA JWTs whose
// public key is published at /.well-known/jwks.json.
type IdentityConfig struct {
	// Key is the Ed25519 private key, PEM (PKCS #8). Neither Key nor
	// KeyFile: a key is generated at start, so the sources must refetch the
	// published key after each restart.
	Key string `yaml:"key" env:"KEY"`
	// KeyFile reads Key from a file.
	KeyFile string `yaml:"keyFile" env:"KEY_FILE"`
	// Issuer is the tokens' iss.
	Issuer string `yaml:"issuer" env:"ISSUER"`
	// TTL is how long one token is valid.
	TTL time.Duration `yaml:"ttl" env:"TTL"`
}

// CORSConfig says which browser origins may call the graph (rs/cors). A
// disallowed origin gets no CORS headers, so the browser keeps the answer
// from the page.
type CORSConfig struct {
	// AllowedOrigins are exact origins (https://app.example.com); without
	// credentials one * per origin is a wildcard, and "*" allows all.
	AllowedOrigins []string `yaml:"allowedOrigins" env:"ALLOWED_ORIGINS"`
	// AllowCredentials lets browsers send cookies and read the answer with
	// them; it refuses wildcard origins (rs/cors #197).
	AllowCredentials bool `yaml:"allowCredentials" env:"ALLOW_CREDENTIALS"`
	// AllowedHeaders are the request headers a cross-origin caller may send.
	AllowedHeaders []string `yaml:"allowedHeaders" env:"ALLOWED_HEADERS"`
	// ExposedHeaders are the answer headers its script may read.
	ExposedHeaders []string `yaml:"exposedHeaders" env:"EXPOSED_HEADERS"`
	// MaxAge is how long a browser may cache a preflight answer.
	MaxAge time.Duration `yaml:"maxAge" env:"MAX_AGE"`
}

// CSRFConfig configures CSRF prevention, as Apollo Server's csrfPrevention:
// a GET, or a POST with a simple content type, must carry a header that a
// browser would have preflighted.
type CSRFConfig struct {
	// Prevention turns the check on.
	Prevention bool `yaml:"prevention" env:"PREVENTION"`
	// Headers are the headers any one of which lets such a request through.
	Headers []string `yaml:"headers" env:"HEADERS"`
}

// validatePolicy checks the keys of the policy layer: JWT, identity
// tokens, CORS and CSRF.
func (c Config) validatePolicy() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	j := c.JWT
	if j.Secret != "" && len(j.Secret) < minHMACSize {
		bad("jwt.secret", "an HS256 key needs at least %d bytes, got %d", minHMACSize, len(j.Secret))
	}
	if j.Leeway < 0 || j.Leeway > 5*time.Minute {
		bad("jwt.leeway", "must be between 0 and 5m, got %s", j.Leeway)
	}
	switch j.ScopeClaim {
	case "scope", "scp", "roles":
	default:
		bad("jwt.scopeClaim", "want scope, scp or roles, got %q", j.ScopeClaim)
	}
	if j.ClientClaim == "" {
		bad("jwt.clientClaim", "must not be empty")
	}
	kids := map[string]bool{}
	for i, kc := range j.Keys {
		key := fmt.Sprintf("jwt.keys[%d]", i)
		if _, err := loadKey(kc); err != nil {
			bad(key, "%v", err)
		}
		if kc.KID != "" && kids[kc.KID] {
			bad(key+".kid", "%q is not unique", kc.KID)
		}
		kids[kc.KID] = true
	}
	if j.JWKSURL != "" {
		if err := checkJWKSURL(j.JWKSURL); err != nil {
			bad("jwt.jwksURL", "%v", err)
		}
		if len(j.JWKSAlgorithms) == 0 {
			bad("jwt.jwksAlgorithms", "must not be empty with a JWKS URL")
		}
	}
	for _, alg := range j.JWKSAlgorithms {
		if !slices.Contains(AsymmetricAlgorithms, alg) {
			bad("jwt.jwksAlgorithms", "want some of %v, got %q", AsymmetricAlgorithms, alg)
		}
	}
	for _, d := range []struct {
		key     string
		d, most time.Duration
	}{
		{"jwt.jwksRefresh", j.JWKSRefresh, 24 * time.Hour},
		{"jwt.jwksMinRefetch", j.JWKSMinRefetch, time.Hour},
		{"jwt.jwksTimeout", j.JWKSTimeout, 30 * time.Second},
		{"identity.ttl", c.Identity.TTL, time.Hour},
	} {
		if d.d <= 0 || d.d > d.most {
			bad(d.key, "must be positive and at most %s, got %s", d.most, d.d)
		}
	}
	if j.JWKSMaxBytes < 1<<10 || j.JWKSMaxBytes > 1<<20 {
		bad("jwt.jwksMaxBytes", "must be between 1024 and 1048576, got %d", j.JWKSMaxBytes)
	}
	if p, ok := c.Profiles.Profile(c.Profiles.Default); ok && !p.AllowAnonymous && j.Secret == "" && len(j.Keys) == 0 && j.JWKSURL == "" {
		bad("jwt", "no key (jwt.secret, jwt.keys or jwt.jwksURL) and profiles.%s.allowAnonymous is false: no caller could run an operation", c.Profiles.Default)
	}
	if _, err := loadIdentityKey(c.Identity); err != nil {
		bad("identity.key", "%v", err)
	}
	if c.Identity.TTL < c.HTTP.RequestTimeout {
		bad("identity.ttl", "must be at least http.requestTimeout (%s), so a token outlives its request; got %s", c.HTTP.RequestTimeout, c.Identity.TTL)
	}
	if c.Identity.Issuer == "" {
		bad("identity.issuer", "must not be empty")
	}
	errs = append(errs, c.CORS.validate()...)
	if c.CSRF.Prevention && len(c.CSRF.Headers) == 0 {
		bad("csrf.headers", "must not be empty when csrf.prevention is on")
	}
	for _, h := range c.CSRF.Headers {
		if !isToken(h) || safelisted[http.CanonicalHeaderKey(h)] {
			bad("csrf.headers", "want header names a browser must preflight, got %q", h)
		}
	}
	return errs
}

// safelisted are the CORS-safelisted request headers: a browser sends them
// cross-origin without asking first, so they prove nothing.
var safelisted = map[string]bool{"Accept": true, "Accept-Language": true, "Content-Language": true, "Content-Type": true, "Range": true}

// checkJWKSURL wants https, or http to a loopback host only: keys fetched
// in the clear could be anyone's.
func checkJWKSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("want an https URL, got %q", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("want https (http only to a loopback host), got %q", s)
}

func (c CORSConfig) validate() []error {
	var errs []error
	for _, o := range c.AllowedOrigins {
		if err := checkOrigin(o, c.AllowCredentials); err != nil {
			errs = append(errs, fmt.Errorf("cors.allowedOrigins: %w", err))
		}
	}
	for _, h := range c.AllowedHeaders {
		if h != "*" && !isToken(h) {
			errs = append(errs, fmt.Errorf("cors.allowedHeaders: %q is not a header name", h))
		}
	}
	if c.MaxAge < 0 || c.MaxAge > 24*time.Hour {
		errs = append(errs, fmt.Errorf("cors.maxAge: must be between 0 and 24h, got %s", c.MaxAge))
	}
	return errs
}

// checkOrigin wants scheme://host[:port] and nothing else. With
// credentials, no wildcard at all: rs/cors would reflect an origin that
// merely matches a pattern such as "h*" (rs/cors #197).
func checkOrigin(o string, credentials bool) error {
	if strings.Contains(o, "*") && credentials {
		return fmt.Errorf("%q: wildcard origins are refused when cors.allowCredentials is on; list exact origins", o)
	}
	if o == "*" {
		return nil
	}
	if strings.Count(o, "*") > 1 {
		return fmt.Errorf("%q: at most one wildcard per origin", o)
	}
	u, err := url.Parse(strings.Replace(o, "*", "x", 1))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return fmt.Errorf("%q: want scheme://host[:port], such as https://app.example.com", o)
	}
	return nil
}

// isToken reports whether s is an RFC 9110 token, as a header name must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
