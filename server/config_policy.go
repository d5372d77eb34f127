package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
)

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
		errs = append(errs, config.Errorf(key, format, args...))
	}
	errs = append(errs, under("jwt", c.JWT.Validate())...)
	errs = append(errs, under("identity", c.Identity.Validate())...)
	if p, ok := c.Profiles.Profile(c.Profiles.Default); ok && !p.AllowAnonymous && !c.JWT.HasKey() {
		bad("jwt", "no key and profiles.%s.allowAnonymous is false, so no caller could run an operation: set jwt.secret (GQLBFF_JWT_SECRET), jwt.keys or jwt.jwksURL (GQLBFF_JWKS_URL)", c.Profiles.Default)
	}
	if c.Identity.TTL < c.HTTP.RequestTimeout {
		bad("identity.ttl", "must be at least http.requestTimeout (%s), so a token outlives its request; got %s", c.HTTP.RequestTimeout, c.Identity.TTL)
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

// under puts the section key in front of each of err's joined problems,
// as auth's Validate names keys relative to their section.
func under(section string, err error) []error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		// auth, a leaf, says "key: reason"; the key becomes section.key.
		key, reason, ok := strings.Cut(e.Error(), ": ")
		if !ok || strings.ContainsAny(key, " \t") {
			key, reason = "", e.Error()
		}
		out[i] = config.Prefixed(section, &config.Error{Key: key, Reason: reason})[0]
	}
	return out
}

func (c CORSConfig) validate() []error {
	var errs []error
	for _, o := range c.AllowedOrigins {
		if err := checkOrigin(o, c.AllowCredentials); err != nil {
			errs = append(errs, config.Errorf("cors.allowedOrigins", "%v", err))
		}
	}
	for _, h := range c.AllowedHeaders {
		if h != "*" && !isToken(h) {
			errs = append(errs, config.Errorf("cors.allowedHeaders", "%q is not a header name", h))
		}
	}
	if c.MaxAge < 0 || c.MaxAge > 24*time.Hour {
		errs = append(errs, config.Errorf("cors.maxAge", "must be between 0 and 24h, got %s", c.MaxAge))
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
