package auth_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
)

// signRaw signs a header and a claims set written as raw JSON (what
// jwt.MapClaims cannot write: repeated keys) with the test's HS256 secret.
func signRaw(header, claims string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// TestVerifyRefusesRepeatedKeys: encoding/json keeps the last of a
// repeated key, so a repeated exp with a future value passed (issue 12).
// A key repeated anywhere in the header or the claims refuses the token.
func TestVerifyRefusesRepeatedKeys(t *testing.T) {
	v := verifier(t)
	past, future := time.Now().Add(-time.Hour).Unix(), time.Now().Add(time.Hour).Unix()
	hdr := `{"alg":"HS256","typ":"JWT"}`
	good := fmt.Sprintf(`{"sub":"c1","exp":%d,"scope":"orders:read","nested":{"a":1,"b":[{"a":2},{"a":3}]}}`, future)
	if c, err := v.Verify(context.Background(), signRaw(hdr, good)); err != nil || c.Subject != "c1" {
		t.Fatalf("the same keys at different places: got %+v, %v; want c1", c, err)
	}
	for name, tok := range map[string]string{
		"exp, the last in the future": signRaw(hdr, fmt.Sprintf(`{"sub":"c1","exp":%d,"exp":%d}`, past, future)),
		"sub":                         signRaw(hdr, fmt.Sprintf(`{"sub":"c1","exp":%d,"sub":"admin"}`, future)),
		"scope":                       signRaw(hdr, fmt.Sprintf(`{"sub":"c1","exp":%d,"scope":"a","scope":"orders:read"}`, future)),
		"inside a nested claim":       signRaw(hdr, fmt.Sprintf(`{"sub":"c1","exp":%d,"x":{"k":[{"a":1,"a":2}]}}`, future)),
		"alg in the header":           signRaw(`{"alg":"none","alg":"HS256"}`, fmt.Sprintf(`{"sub":"c1","exp":%d}`, future)),
	} {
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("%s repeated: got %v, want ErrBadToken", name, err)
		}
	}
}

// TestVerifyRefusesIdentitiesHTTPCannotCarry: the subject and the scopes
// travel to the sources as header values (X-User-Id, X-User-Scopes); one
// that HTTP cannot carry is refused when the token is, never left to fail
// at the source (issue 12: a CR in sub opened every source's breaker).
func TestVerifyRefusesIdentitiesHTTPCannotCarry(t *testing.T) {
	v := verifier(t)
	exp := time.Now().Add(time.Hour).Unix()
	for _, sub := range []string{"c1\r", "c1\nX-Admin: 1", "c1\x00", "c1\x7f", "c1\t", " c1"} {
		if _, err := v.Verify(context.Background(), hs256(t, jwt.MapClaims{"sub": sub, "exp": exp})); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("sub %q: got %v, want ErrBadToken", sub, err)
		}
	}
	for _, scope := range []any{"orders:read \x00", "orders:read\r\ncustomers:read", []any{"orders:read", "a\x7f"}, []any{"orders:read customers:read"}} {
		if _, err := v.Verify(context.Background(), hs256(t, jwt.MapClaims{"sub": "c1", "exp": exp, "scope": scope})); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("scope %q: got %v, want ErrBadToken", scope, err)
		}
	}
	// Unicode is fine (obs-text travels), and so are repeated spaces.
	c, err := v.Verify(context.Background(), hs256(t, jwt.MapClaims{"sub": "zoë", "exp": exp, "scope": " orders:read  customers:read orders:read"}))
	if err != nil || c.Subject != "zoë" || !slices.Equal(c.Scopes, []string{"orders:read", "customers:read"}) {
		t.Errorf("got %+v, %v; want zoë with orders:read and customers:read", c, err)
	}
}
