package testkit

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Tests encode PEM and sign tokens with these, through the standard
// library and golang-jwt rather than the code under test.

// PublicPEM encodes a public key as a PEM PUBLIC KEY block.
func PublicPEM(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PrivatePEM encodes a private key as a PEM PRIVATE KEY (PKCS #8) block.
func PrivatePEM(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// SignJWT signs claims with method and key; header entries are added to
// golang-jwt's (alg, typ), a nil value removes one.
func SignJWT(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// RawToken assembles a token from a header, claims and signature as given,
// for the shapes no signer would produce.
func RawToken(header, claims any, sig []byte) string {
	return Segment(header) + "." + Segment(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Segment is v as a token segment: base64url of its JSON.
func Segment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}
