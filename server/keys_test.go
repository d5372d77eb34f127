package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Key material of the tests, and tokens signed with it by golang-jwt: the
// tests encode JWKs and PEM themselves rather than through gqlbff's code.

var (
	rsaKeysMu sync.Mutex
	rsaKeys   = map[string]*rsa.PrivateKey{}
)

// rsaKey reads a committed test key: rsa-a, rsa-b, rsa-c or rsa-weak-1024.
func rsaKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	rsaKeysMu.Lock()
	defer rsaKeysMu.Unlock()
	if k, ok := rsaKeys[name]; ok {
		return k
	}
	b, err := os.ReadFile("testdata/keys/" + name + ".pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys[name] = k.(*rsa.PrivateKey)
	return rsaKeys[name]
}

var ecKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
})

// edKeys are Ed25519 keys generated once per run, by index.
var edKeys = sync.OnceValue(func() []ed25519.PrivateKey {
	out := make([]ed25519.PrivateKey, 3)
	for i := range out {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		out[i] = k
	}
	return out
})

// publicPEM encodes a public key as a PEM PUBLIC KEY block.
func publicPEM(t testing.TB, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// privatePEM encodes a private key as a PEM PRIVATE KEY (PKCS #8) block.
func privatePEM(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// sign signs claims with method and key; header entries are added to
// golang-jwt's (alg, typ), a nil value removes one.
func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
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

// rawToken assembles a token from a header, claims and signature as given,
// for the shapes no signer would produce.
func rawToken(header, claims any, sig []byte) string {
	return segment(header) + "." + segment(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// segment is v as a token segment: base64url of its JSON.
func segment(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwkOf is the public JWK of a key, as an issuer publishes it.
func jwkOf(pub any, kid string) map[string]any {
	enc := base64.RawURLEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return map[string]any{"kty": "RSA", "kid": kid, "use": "sig", "n": enc(k.N.Bytes()), "e": enc(big.NewInt(int64(k.E)).Bytes())}
	case *ecdsa.PublicKey:
		b, _ := k.Bytes() // 0x04 || x || y
		n := (len(b) - 1) / 2
		return map[string]any{"kty": "EC", "kid": kid, "crv": "P-256", "x": enc(b[1 : 1+n]), "y": enc(b[1+n:])}
	case ed25519.PublicKey:
		return map[string]any{"kty": "OKP", "kid": kid, "crv": "Ed25519", "x": enc(k)}
	default:
		panic("jwkOf: unsupported key")
	}
}
