package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/sources"
)

// BenchmarkRequestChain is the request plumbing every /graphql request
// passes before the GraphQL layer besides the policy chain
// (BenchmarkPolicyChain): request id, deadline, body limit, loaders.
func BenchmarkRequestChain(b *testing.B) {
	src := sources.New(sources.Config{})
	defer src.Close()
	cfg := Default()
	body := `{"query":"{ dashboard { summary { orderCount } } }"}`
	final := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = sources.For(r.Context())
	})
	h := chain(final, requestMeta, operationScope(cfg.HTTP.RequestTimeout, cfg.HTTP.MaxBodyBytes, src))
	for _, tc := range []struct{ name, traceparent string }{
		{"new trace", ""},
		{"caller's trace", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				if tc.traceparent != "" {
					r.Header.Set("Traceparent", tc.traceparent)
				}
				h.ServeHTTP(discard{h: http.Header{}}, r)
			}
		})
	}
}

// BenchmarkWriteResponse is the transport writing an executed answer:
// the fan-out's (50 orders with customers, ~30 KiB) and a small one, with
// and without errors.
func BenchmarkWriteResponse(b *testing.B) {
	fanout := fanoutData(50)
	small := json.RawMessage(`{"order":{"id":"o42","status":"PAID","total":{"amount":"12.50","currency":"EUR"}}}`)
	errs := gqlerror.List{{Message: "orders is unavailable", Path: ast.Path{ast.PathName("dashboard"), ast.PathName("recentOrders")}, Extensions: map[string]any{"code": CodeSourceUnavailable, "source": "orders"}}}
	for _, tc := range []struct {
		name string
		resp *graphql.Response
	}{
		{"fanout", &graphql.Response{Data: fanout}},
		{"small", &graphql.Response{Data: small}},
		{"small with an error", &graphql.Response{Data: small, Errors: errs}},
		{"small with the cost report", &graphql.Response{Data: small, Extensions: map[string]any{"cost": costReport{RequestedQueryCost: 12, ActualQueryCost: 7,
			ThrottleStatus: &throttleStatus{MaximumAvailable: 20000, CurrentlyAvailable: 19988, RestoreRate: 1000}}}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.resp.Data)))
			b.ReportAllocs()
			w := discard{h: http.Header{}}
			for b.Loop() {
				writeResponse(context.Background(), w, http.StatusOK, tc.resp)
			}
		})
	}
}

// fanoutData is data shaped like orders_fanout's answer, n edges.
func fanoutData(n int) json.RawMessage {
	var sb strings.Builder
	sb.WriteString(`{"orders":{"pageInfo":{"hasNextPage":true,"endCursor":"djF8fDUwfA"},"edges":[`)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"cursor":"djF8fCV8%d","node":{"id":"o%d","status":"PAID","total":{"amount":"%d.50","currency":"EUR"},`+
			`"customer":{"id":"c%d","name":"Customer Number %d","stats":{"lifetimeValue":{"amount":"1234.56"},"orderCount":%d,"lastOrderAt":%q},`+
			`"orders":[{"id":"o%d"},{"id":"o%d"},{"id":"o%d"}]}}}`, i, 20000-i, i*3, i%40, i%40, i+3, at.Format(time.RFC3339Nano), i, i+1, i+2)
	}
	sb.WriteString(`]}}`)
	return json.RawMessage(sb.String())
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d discard) Header() http.Header       { return d.h }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// WriteString is there because http.ResponseWriter has it too.
func (discard) WriteString(s string) (int, error) { return len(s), nil }

// BenchmarkReadPost is the transport reading a POST body into its params:
// customers_by_ids's as make bench sends it (its 22 ids), and a body the
// fast path leaves to the general one (a member it does not know).
func BenchmarkReadPost(b *testing.B) {
	text, err := os.ReadFile("../testdata/operations/customers_by_ids.graphql")
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, 0, 22)
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("c%d", i+1))
	}
	ids = append(ids, "nope", "c1")
	usual, _ := json.Marshal(map[string]any{"query": string(text), "variables": map[string]any{"ids": ids}})
	other, _ := json.Marshal(map[string]any{"query": string(text), "variables": map[string]any{"ids": ids}, "other": 1})
	for _, tc := range []struct {
		name string
		body []byte
	}{{"customers_by_ids", usual}, {"an unknown member", other}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(tc.body))
				r.Header.Set("Content-Type", "application/json")
				var p params
				if st, err := readPost(r, &p); err != nil {
					b.Fatalf("%d %v", st, err)
				}
			}
		})
	}
}
