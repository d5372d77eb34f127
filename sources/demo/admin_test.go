package demo

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

func post(t *testing.T, ts *httptest.Server, path, body string) answer {
	t.Helper()
	return do(t, ts.Client(), http.MethodPost, ts.URL+path, strings.NewReader(body))
}

func TestCountersAndLog(t *testing.T) {
	svc, ts := serve(t, sources.OrdersSource, small)
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/orders?ids=o1", nil)
	req.Header.Set("X-Request-Id", "abc")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	get(t, ts, "/orders/o1")
	get(t, ts, "/orders/o2")
	get(t, ts, "/_demo/stats")
	log := svc.Requests()
	tests := []struct {
		name      string
		got, want any
	}{
		{"calls", svc.Calls(), 3},
		{"calls to /orders/", svc.CallsTo("/orders/"), 2},
		{"calls to /orders", svc.CallsTo("/orders"), 3},
		{"logged calls", len(log), 3},
		{"method", log[0].Method, http.MethodGet},
		{"path", log[0].Path, "/orders"},
		{"query", log[0].RawQuery, "ids=o1"},
		{"header", log[0].Header.Get("X-Request-Id"), "abc"},
		{"time", !log[0].Time.IsZero(), true},
		{"in flight", svc.InFlight(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestLogKeepsTheLast10000(t *testing.T) {
	svc := NewService(sources.CustomersSource, small)
	h := svc.Handler()
	for i := range maxLog + 5 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fmt.Sprintf("/customers/c1?n=%d", i), nil))
	}
	log := svc.Requests()
	if len(log) != maxLog || log[0].RawQuery != "n=5" || log[len(log)-1].RawQuery != fmt.Sprintf("n=%d", maxLog+4) {
		t.Errorf("got %d calls from %s to %s, want %d from n=5 to n=%d", len(log), log[0].RawQuery, log[len(log)-1].RawQuery, maxLog, maxLog+4)
	}
	if got := svc.Calls(); got != maxLog+5 {
		t.Errorf("got %d calls, want %d", got, maxLog+5)
	}
}

func TestReset(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	svc.SetStatus(http.StatusBadGateway)
	svc.SetLatency(time.Millisecond)
	svc.SetDropIDs("c1")
	get(t, ts, "/customers/c1")
	svc.Reset()
	if got := svc.Faults(); !reflect.DeepEqual(got, Faults{}) {
		t.Errorf("got faults %+v, want none", got)
	}
	if got := svc.Counters(); got != (Counters{}) || len(svc.Requests()) != 0 {
		t.Errorf("got counters %+v and %d logged calls, want none", got, len(svc.Requests()))
	}
	decode[sources.Customer](t, get(t, ts, "/customers/c1"))
}

func TestSetFaultsRoundTrip(t *testing.T) {
	svc := NewService(sources.OrdersSource, small)
	want := Faults{Latency: "5ms", ErrorRate: 0.5, Malformed: true, Down: true, Status: 429, RetryAfter: "1",
		Oversized: 10, Stall: "1s", DropIDs: []string{"o1", "o2"}, ShuffleAndDuplicate: true}
	if err := svc.SetFaults(want); err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got := svc.Faults(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestAdminFaults(t *testing.T) {
	svc, ts := serve(t, sources.CustomersSource, small)
	got := decode[Faults](t, post(t, ts, "/_demo/faults", `{"latency":"5ms","errorRate":0.5,"malformed":false,"down":false,"status":0}`))
	if want := (Faults{Latency: "5ms", ErrorRate: 0.5}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	decode[Faults](t, post(t, ts, "/_demo/faults", `{"status":502}`))
	errorOf(t, get(t, ts, "/customers/c1"), http.StatusBadGateway)
	if got, want := decode[Faults](t, get(t, ts, "/_demo/faults")), (Faults{Status: 502}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v (a POST replaces every knob)", got, want)
	}
	decode[Faults](t, post(t, ts, "/_demo/faults", `{"down":true}`))
	if got, want := decode[Counters](t, get(t, ts, "/_demo/stats")), (Counters{Calls: 1}); got != want {
		t.Errorf("got %+v while down, want %+v", got, want)
	}
	if got := decode[Counters](t, post(t, ts, "/_demo/reset", "")); got != (Counters{}) || !reflect.DeepEqual(svc.Faults(), Faults{}) {
		t.Errorf("got %+v and faults %+v after reset, want none", got, svc.Faults())
	}
}

func TestAdminBadRequests(t *testing.T) {
	_, ts := serve(t, sources.AnalyticsSource, small)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"bad latency", http.MethodPost, "/_demo/faults", `{"latency":"soon"}`, http.StatusBadRequest},
		{"negative stall", http.MethodPost, "/_demo/faults", `{"stall":"-1s"}`, http.StatusBadRequest},
		{"error rate above 1", http.MethodPost, "/_demo/faults", `{"errorRate":2}`, http.StatusBadRequest},
		{"bad status", http.MethodPost, "/_demo/faults", `{"status":42}`, http.StatusBadRequest},
		{"negative oversized", http.MethodPost, "/_demo/faults", `{"oversized":-1}`, http.StatusBadRequest},
		{"unknown knob", http.MethodPost, "/_demo/faults", `{"slow":true}`, http.StatusBadRequest},
		{"not json", http.MethodPost, "/_demo/faults", `nope`, http.StatusBadRequest},
		{"wrong method", http.MethodPut, "/_demo/faults", `{}`, http.StatusMethodNotAllowed},
		{"stats by post", http.MethodPost, "/_demo/stats", ``, http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/_demo/nope", ``, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errorOf(t, do(t, ts.Client(), tt.method, ts.URL+tt.path, strings.NewReader(tt.body)), tt.want)
		})
	}
}
