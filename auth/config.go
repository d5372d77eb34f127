package auth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"time"
)

// JWTConfig configures bearer-token verification (HARDENING.md, JWT). Its
// yaml and env tags are those of gqlbff's config file and environment.
type JWTConfig struct {
	// Secret is the HS256 key, raw text; empty disables HS256.
	Secret string `yaml:"secret" env:"JWT_SECRET"`
	// Issuer, when set, must equal the token's iss.
	Issuer string `yaml:"issuer" env:"JWT_ISSUER"`
	// Audience, when set, must be among the token's aud.
	Audience string `yaml:"audience" env:"JWT_AUDIENCE"`
	// Keys are trusted public keys (PEM), each pinned to one algorithm.
	Keys []KeyConfig `yaml:"keys" env:"JWT_KEYS"`
	// JWKSURL is where the issuer publishes its public keys.
	JWKSURL string `yaml:"jwksURL" env:"JWKS_URL"`
	// JWKSAlgorithms are the algorithms accepted from the JWKS; a key
	// whose alg (or, without one, whose type's default) is not listed is
	// ignored.
	JWKSAlgorithms []string `yaml:"jwksAlgorithms" env:"JWKS_ALGORITHMS"`
	// JWKSRefresh is how often the JWKS is fetched in the background.
	JWKSRefresh time.Duration `yaml:"jwksRefresh" env:"JWKS_REFRESH"`
	// JWKSMinRefetch is how long an unknown kid waits after the last fetch
	// it caused before it may cause another.
	JWKSMinRefetch time.Duration `yaml:"jwksMinRefetch" env:"JWKS_MIN_REFETCH"`
	// JWKSTimeout bounds one JWKS fetch.
	JWKSTimeout time.Duration `yaml:"jwksTimeout" env:"JWKS_TIMEOUT"`
	// JWKSMaxBytes caps the JWKS document.
	JWKSMaxBytes int64 `yaml:"jwksMaxBytes" env:"JWKS_MAX_BYTES"`
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration `yaml:"leeway" env:"JWT_LEEWAY"`
	// ScopeClaim names the claim holding the scopes: scope (a
	// space-separated string), scp or roles (arrays).
	ScopeClaim string `yaml:"scopeClaim" env:"JWT_SCOPE_CLAIM"`
	// ClientClaim names the claim holding the client profile.
	ClientClaim string `yaml:"clientClaim" env:"JWT_CLIENT_CLAIM"`
}

// KeyConfig is one trusted public key of the token issuer.
type KeyConfig struct {
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

// IdentityConfig configures the identity tokens a Signer signs for the
// sources that ask for them: EdDSA JWTs whose public key the Signer
// publishes as a JWK Set.
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

// Validate reports every problem of c at once, joined, each error naming
// its key relative to the jwt section ("secret: ...", "keys[0]: ...").
func (c JWTConfig) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.Secret != "" && len(c.Secret) < minHMACSize {
		bad("secret", "an HS256 key needs at least %d bytes, got %d", minHMACSize, len(c.Secret))
	}
	if c.Leeway < 0 || c.Leeway > 5*time.Minute {
		bad("leeway", "must be between 0 and 5m, got %s", c.Leeway)
	}
	switch c.ScopeClaim {
	case "scope", "scp", "roles":
	default:
		bad("scopeClaim", "want scope, scp or roles, got %q", c.ScopeClaim)
	}
	if c.ClientClaim == "" {
		bad("clientClaim", "must not be empty")
	}
	kids := map[string]bool{}
	for i, kc := range c.Keys {
		key := fmt.Sprintf("keys[%d]", i)
		if _, err := loadKey(kc); err != nil {
			bad(key, "%v", err)
		}
		if kc.KID != "" && kids[kc.KID] {
			bad(key+".kid", "%q is not unique", kc.KID)
		}
		kids[kc.KID] = true
	}
	if c.JWKSURL != "" {
		if err := checkJWKSURL(c.JWKSURL); err != nil {
			bad("jwksURL", "%v", err)
		}
		if len(c.JWKSAlgorithms) == 0 {
			bad("jwksAlgorithms", "must not be empty with a JWKS URL")
		}
	}
	for _, alg := range c.JWKSAlgorithms {
		if !slices.Contains(asymmetricAlgorithms, alg) {
			bad("jwksAlgorithms", "want some of %v, got %q", asymmetricAlgorithms, alg)
		}
	}
	for _, d := range []struct {
		key     string
		d, most time.Duration
	}{
		{"jwksRefresh", c.JWKSRefresh, 24 * time.Hour},
		{"jwksMinRefetch", c.JWKSMinRefetch, time.Hour},
		{"jwksTimeout", c.JWKSTimeout, 30 * time.Second},
	} {
		if d.d <= 0 || d.d > d.most {
			bad(d.key, "must be positive and at most %s, got %s", d.most, d.d)
		}
	}
	if c.JWKSMaxBytes < 1<<10 || c.JWKSMaxBytes > 1<<20 {
		bad("jwksMaxBytes", "must be between 1024 and 1048576, got %d", c.JWKSMaxBytes)
	}
	return errors.Join(errs...)
}

// HasKey reports whether c names any key at all: a secret, a public key or
// a JWKS. Without one, every token is refused.
func (c JWTConfig) HasKey() bool {
	return c.Secret != "" || len(c.Keys) > 0 || c.JWKSURL != ""
}

// Validate reports every problem of c at once, joined, each error naming
// its key relative to the identity section ("key: ...", "ttl: ...").
func (c IdentityConfig) Validate() error {
	var errs []error
	if _, err := loadIdentityKey(c); err != nil {
		errs = append(errs, fmt.Errorf("key: %v", err))
	}
	if c.TTL <= 0 || c.TTL > time.Hour {
		errs = append(errs, fmt.Errorf("ttl: must be positive and at most %s, got %s", time.Hour, c.TTL))
	}
	if c.Issuer == "" {
		errs = append(errs, errors.New("issuer: must not be empty"))
	}
	return errors.Join(errs...)
}

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
