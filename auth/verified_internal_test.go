package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const internalSecret = "a-test-secret-of-at-least-32-bytes!!"

func internalToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(internalSecret))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestVerifiedTokensAreRememberedUntilTheyExpire: a token verified once is
// answered from memory the next time, with the same claims; it stops
// holding at its expiry plus the leeway, as the parser would refuse it;
// refused tokens are not remembered, and a token that differs in one byte
// from a remembered one is checked in full.
func TestVerifiedTokensAreRememberedUntilTheyExpire(t *testing.T) {
	const leeway = time.Second
	v, err := NewVerifier(JWTConfig{Secret: internalSecret, Leeway: leeway, ScopeClaim: "scope", ClientClaim: "client"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	now := time.Now().Truncate(time.Second)
	v.now = func() time.Time { return now }
	exp := now.Add(time.Minute)
	tok := internalToken(t, jwt.MapClaims{"sub": "c7", "scope": "orders:read customers:read", "client": "web", "exp": exp.Unix(), "iat": now.Unix()})

	first, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if v.verified.lru.Len() != 1 {
		t.Fatalf("remembered tokens after one verification: %d, want 1", v.verified.lru.Len())
	}
	second, err := v.Verify(context.Background(), tok)
	if err != nil || second.Subject != first.Subject || second.Client != "web" || len(second.Scopes) != 2 {
		t.Fatalf("from memory: %+v, %v; want %+v", second, err, first)
	}

	// One byte changed in the signature: never the remembered answer.
	tampered := tok[:len(tok)-2] + string("AB"[tok[len(tok)-2]%2]) + tok[len(tok)-1:]
	if tampered == tok {
		t.Fatal("the tampered token is the token")
	}
	if _, err := v.Verify(context.Background(), tampered); !errors.Is(err, ErrBadToken) {
		t.Fatalf("tampered token: %v, want ErrBadToken", err)
	}
	if v.verified.lru.Len() != 1 {
		t.Errorf("a refused token was remembered: %d entries", v.verified.lru.Len())
	}

	// Within the leeway after exp it still holds, as for the parser.
	now = exp.Add(leeway / 2)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	// Past it, it is refused, not answered from memory, and forgotten.
	now = exp.Add(leeway)
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrBadToken) {
		t.Fatalf("past exp and leeway: %v, want ErrBadToken", err)
	}
	if v.verified.lru.Len() != 0 {
		t.Errorf("an expired token is still remembered")
	}
}

// BenchmarkVerify is one HS256 token verified: in full (a token not seen
// before: each iteration forgets it) and from memory (BENCHMARKS.md).
func BenchmarkVerify(b *testing.B) {
	v, err := NewVerifier(JWTConfig{Secret: internalSecret, Leeway: time.Second, ScopeClaim: "scope", ClientClaim: "client"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "c7", "client": "web",
		"scope": "orders:read customers:read analytics:read", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte(internalSecret))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("in full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v.verified.lru.Purge()
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
