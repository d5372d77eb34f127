package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gqlbff/gqlbff/internal/admission"
)

// BenchmarkOverloadedRefusal is the admission layer's part of a refusal:
// the limit full, no line (QueueTimeout 0 refuses at once), the 503
// OVERLOADED answer written. Under an overload the server makes thousands
// a second on the CPU the admitted requests need.
func BenchmarkOverloadedRefusal(b *testing.B) {
	l := admission.New(admission.Options{Fixed: 1})
	start, ok := l.Acquire(context.Background())
	if !ok {
		b.Fatal("the first request was refused")
	}
	defer l.Release(start, true)
	h := admit(l)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { b.Fatal("admitted past a full limit") }))
	r := httptest.NewRequest(http.MethodPost, "/graphql", http.NoBody)
	r = r.WithContext(withRecord(r.Context(), &record{}))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable {
			b.Fatalf("got %d, want 503", w.Code)
		}
	}
}
