package server_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"sync"
	"testing"
)

// Key material of the tests; they encode JWKs here, and PEM and tokens
// through internal/testkit (golang-jwt), rather than through gqlbff's code.

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
