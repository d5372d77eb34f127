package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/cost"
)

// TestWriteResponseIsJSONMarshal: the answer assembled around gqlgen's data
// is byte for byte what json.Marshal of the response wrote before.
func TestWriteResponseIsJSONMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "orders is unavailable", Path: ast.Path{ast.PathName("dashboard"), ast.PathName("recentOrders")},
		Extensions: map[string]any{"code": CodeSourceUnavailable, "source": "orders"}}}
	hasNext := false
	wide := json.RawMessage(`{"orders":[` + strings.Repeat(`{"id":"o1","status":"PAID"},`, 200) + `{"id":"o2"}]}`)
	tests := []struct {
		name string
		resp graphql.Response
	}{
		{"data", graphql.Response{Data: json.RawMessage(`{"order":{"id":"o42","total":{"amount":"12.50"}}}`)}},
		{"null data", graphql.Response{Data: json.RawMessage(`null`)}},
		{"data and errors", graphql.Response{Data: json.RawMessage(`{"dashboard":{"recentOrders":null}}`), Errors: errs}},
		{"data and extensions", graphql.Response{Data: json.RawMessage(`{"me":null}`), Extensions: map[string]any{"cost": 12, "a": "b"}}},
		{"everything", graphql.Response{Data: json.RawMessage(`{"x":1}`), Errors: errs, Extensions: map[string]any{"cost": 3}}},
		{"HTML characters", graphql.Response{Data: json.RawMessage(`{"name":"Smith & <Sons>"}`)}},
		{"line separator", graphql.Response{Data: json.RawMessage("{\"name\":\"a\u2028b\u2029c\"}")}},
		{"other three-byte runes", graphql.Response{Data: json.RawMessage(`{"name":"€ – ‘x’"}`)}},
		{"errors only", graphql.Response{Errors: errs}},
		{"cost report", graphql.Response{Data: json.RawMessage(`{"x":1}`), Extensions: map[string]any{"cost": costReport{RequestedQueryCost: 12, ActualQueryCost: 7}}}},
		{"cost report with its throttle status", graphql.Response{Data: json.RawMessage(`{"x":1}`), Errors: errs, Extensions: map[string]any{"cost": costReport{RequestedQueryCost: 3, ActualQueryCost: -2,
			ThrottleStatus: &throttleStatus{MaximumAvailable: 20000, CurrentlyAvailable: 1e21, RestoreRate: 0.0000001}}}}},
		{"cost report with fields", graphql.Response{Data: json.RawMessage(`{"x":1}`), Extensions: map[string]any{"cost": costReport{RequestedQueryCost: 3, Fields: []cost.FieldCost{{}}}}}},
		{"cost report and another extension", graphql.Response{Data: json.RawMessage(`{"x":1}`), Extensions: map[string]any{"cost": costReport{}, "stale": []string{"a"}}}},
		{"incremental", graphql.Response{Data: json.RawMessage(`{"x":1}`), Label: "l", HasNext: &hasNext}},
		{"wide data", graphql.Response{Data: wide}},
		{"wide data and its cost report", graphql.Response{Data: wide, Errors: errs, Extensions: map[string]any{"cost": costReport{RequestedQueryCost: 12, ActualQueryCost: 7}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []byte
			if tt.resp.Data == nil {
				want, _ = json.Marshal(errorsOnly{Errors: tt.resp.Errors, Extensions: tt.resp.Extensions})
			} else {
				want, _ = json.Marshal(&tt.resp)
			}
			rec := httptest.NewRecorder()
			writeResponse(context.Background(), rec, http.StatusOK, &tt.resp)
			if got := rec.Body.String(); got != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if cl := rec.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(rec.Body.Len()) {
				t.Errorf("Content-Length: got %s, want %d", cl, rec.Body.Len())
			}
		})
	}
}

// writes records each Write.
type writes struct {
	httptest.ResponseRecorder
	sizes []int
}

func (w *writes) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.ResponseRecorder.Write(p)
}

// TestAWideAnswerIsWrittenAtOnce: past net/http's buffer each Write of an
// answer's parts went out in a write(2) of its own, so a wide answer's
// head, data and tail are handed over in one Write; a narrow one's fill the
// buffer together as they are.
func TestAWideAnswerIsWrittenAtOnce(t *testing.T) {
	report := map[string]any{"cost": costReport{RequestedQueryCost: 12, ActualQueryCost: 7}}
	wide := json.RawMessage(`{"orders":[` + strings.Repeat(`{"id":"o1"},`, 300) + `{"id":"o2"}]}`)
	for _, tt := range []struct {
		name   string
		resp   graphql.Response
		writes int
	}{
		{"wide", graphql.Response{Data: wide}, 1},
		{"wide with a cost report", graphql.Response{Data: wide, Extensions: report}, 1},
		{"narrow", graphql.Response{Data: json.RawMessage(`{"x":1}`)}, 3},
		{"narrow with a cost report", graphql.Response{Data: json.RawMessage(`{"x":1}`), Extensions: report}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := &writes{ResponseRecorder: *httptest.NewRecorder()}
			writeResponse(context.Background(), w, http.StatusOK, &tt.resp)
			if len(w.sizes) != tt.writes {
				t.Errorf("%d writes (%v), want %d", len(w.sizes), w.sizes, tt.writes)
			}
			want, _ := json.Marshal(&tt.resp)
			if got := w.Body.String(); got != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// FuzzCostExtensionsAreJSONMarshal: the cost report written by hand
// (appendCostExtensions) is byte for byte json.Marshal's, and refused
// (left to json.Marshal, which fails) where json.Marshal fails.
func FuzzCostExtensionsAreJSONMarshal(f *testing.F) {
	f.Add(int64(12), int64(7), true, 20000.0, 19993.0, 1000.0)
	f.Add(int64(-1), int64(0), true, 0.0, -0.0, 1e-7)
	f.Add(int64(1<<62), int64(-1<<62), true, 1e21, 123456789.125, 5e-324)
	f.Add(int64(0), int64(0), false, 0.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, requested, actual int64, throttled bool, maxAvail, avail, rate float64) {
		r := costReport{RequestedQueryCost: requested, ActualQueryCost: actual}
		if throttled {
			r.ThrottleStatus = &throttleStatus{MaximumAvailable: maxAvail, CurrentlyAvailable: avail, RestoreRate: rate}
		}
		ext := map[string]any{"cost": r}
		want, werr := json.Marshal(ext)
		got, ok := appendCostExtensions(nil, ext)
		if werr != nil {
			if ok {
				t.Fatalf("json.Marshal failed (%v) but the report was written: %s", werr, got)
			}
			return
		}
		if !ok || string(got) != string(want) {
			t.Fatalf("got  %s (ok %v)\nwant %s", got, ok, want)
		}
	})
}
