package server

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gqlbff/gqlbff/auth"
)

// BenchmarkPolicyChain measures the policy middleware alone (CORS, request
// id and trace context, CSRF prevention, JWT verification, identity in
// context) in front of a handler that does nothing, with a valid HS256 and
// a valid RS256 token: what every request pays before the graph runs.
// BenchmarkOrderDetailByAlg is the whole operation, for the ratio in
// BENCHMARKS.md.
func BenchmarkPolicyChain(b *testing.B) {
	key := benchRSAKey(b)
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	cfg := Default()
	cfg.JWT.Secret = strings.Repeat("s", 32)
	cfg.JWT.Keys = []auth.KeyConfig{{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), KID: "rsa"}}
	cfg.CORS.AllowedOrigins = []string{"https://app.example.com"}
	v, err := auth.NewVerifier(cfg.JWT, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	h := chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}),
		policy(cfg, resolveProfiles(cfg.Profiles), v, nil, nil, nil, slog.New(slog.DiscardHandler))...)

	claims := jwt.MapClaims{"sub": "c7", "client": "web", "scope": "orders:read customers:read analytics:read",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	tokens := map[string]func() (string, error){
		"HS256": func() (string, error) {
			return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(cfg.JWT.Secret))
		},
		"RS256": func() (string, error) {
			t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
			t.Header["kid"] = "rsa"
			return t.SignedString(key)
		},
	}
	for _, alg := range []string{"HS256", "RS256"} {
		b.Run(alg, func(b *testing.B) {
			tok, err := tokens[alg]()
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", "https://app.example.com")
			req.Header.Set("Authorization", "Bearer "+tok)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// benchRSAKey reads a committed 2048-bit test key.
func benchRSAKey(b *testing.B) *rsa.PrivateKey {
	raw, err := os.ReadFile("testdata/keys/rsa-a.pem")
	if err != nil {
		b.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}
