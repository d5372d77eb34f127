package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/logbuf"
)

// BenchmarkAccessLog is the access line of a request, to a file: written
// line by line by slog's JSON handler, and gathered as cmd/gqlbff writes
// its log (logbuf).
func BenchmarkAccessLog(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	lw := logbuf.New(f, logbuf.DefaultDelay, logbuf.DefaultSize)
	defer lw.Close()
	answer := []byte(`{"data":{"customers":[{"id":"c1","name":"Ada"}]}}`)
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := recordFrom(r.Context())
		rec.setOperation("CustomersByIds", true)
		reportCost(r.Context(), 23)
		_, _ = w.Write(answer)
	})
	for _, tc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"a write per line", slog.New(slog.NewJSONHandler(f, nil))},
		{"lines gathered", slog.New(logbuf.Handler(slog.NewJSONHandler(lw, nil), lw, slog.LevelWarn))},
	} {
		h := accessLog(tc.log, nil, "web", false)(final)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(""))
			for b.Loop() {
				h.ServeHTTP(discard{h: http.Header{}}, r)
			}
		})
	}
}
