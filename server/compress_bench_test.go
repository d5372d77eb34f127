package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gqlbff/gqlbff/sources/demo"
)

// BenchmarkCompression is the compress middleware's cost per answer and the
// bytes it saves, for answers shaped like gqlbff's (orders as JSON from
// the seeded demo data) of about 2 KB and 17 KB, the size of a dashboard.
//
//	go test -run '^$' -bench Compression -benchmem ./server/
func BenchmarkCompression(b *testing.B) {
	d := demo.NewDataset(demo.DefaultSeed, demo.DefaultCustomers, demo.DefaultOrders)
	orders := d.RecentOrders("")
	for _, n := range []int{4, 40} {
		payload, err := json.Marshal(map[string]any{"data": map[string]any{"orders": orders[:n]}})
		if err != nil {
			b.Fatal(err)
		}
		for _, enc := range []string{"identity", "gzip", "zstd"} {
			b.Run(fmt.Sprintf("%dB/%s", len(payload), enc), func(b *testing.B) {
				h := compress(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(payload)
				}))
				req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
				req.Header.Set("Accept-Encoding", enc)
				var out int
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					out = rec.Body.Len()
				}
				b.ReportMetric(float64(out), "bytes-out")
				b.ReportMetric(100*(1-float64(out)/float64(len(payload))), "%saved")
			})
		}
	}
}
