package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestWriteResponseIsJSONMarshal: the answer assembled around gqlgen's data
// is byte for byte what json.Marshal of the response wrote before.
func TestWriteResponseIsJSONMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "orders is unavailable", Path: ast.Path{ast.PathName("dashboard"), ast.PathName("recentOrders")},
		Extensions: map[string]any{"code": CodeSourceUnavailable, "source": "orders"}}}
	hasNext := false
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
		{"incremental", graphql.Response{Data: json.RawMessage(`{"x":1}`), Label: "l", HasNext: &hasNext}},
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
