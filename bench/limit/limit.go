// Package limit is "the limit" of the benchmarks: for each client operation,
// a hand-written net/http handler that makes the same batched source calls
// as gqlbff, with plain encoding/json, and writes the same JSON answer, with
// no GraphQL layer at all. What gqlbff costs on top of it is the price of
// the graph. It is never shipped.
//
// Each operation is served at /{operation name} (as in testdata/operations),
// by POST with gqlbff's JSON body or by GET with ?variables=; the query text
// and a documentId are ignored: the route is the operation.
package limit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gqlbff/gqlbff/bench/serve"
	"github.com/gqlbff/gqlbff/sources"
)

// maxIDs is gqlbff's limit on `first` and on the length of `ids`.
const maxIDs = 100

// operation answers one operation's data member from its variables (raw
// JSON, possibly empty) and the caller's subject.
type operation func(ctx context.Context, src *sources.Sources, vars []byte, subject string) (any, error)

// Operations are the operations the limit serves, by name.
var Operations = map[string]operation{
	"order_detail":     orderDetail,
	"customers_by_ids": customersByIDs,
	"dashboard":        dashboard,
	"orders_fanout":    ordersFanout,
	"me":               me,
}

// New returns the limit's handler over opts.Sources.
func New(opts serve.Options) http.Handler {
	mux := http.NewServeMux()
	for name, op := range Operations {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			vars, err := variables(w, r)
			if err != nil {
				write(w, http.StatusBadRequest, errorsAnswer("BAD_USER_INPUT", err.Error()))
				return
			}
			data, err := op(r.Context(), opts.Sources, vars, serve.Subject(r))
			var bad *badInput
			switch {
			case errors.As(err, &bad):
				write(w, http.StatusBadRequest, errorsAnswer("BAD_USER_INPUT", bad.msg))
			case err != nil:
				write(w, http.StatusOK, errorsAnswer(code(err), "source failed"))
			default:
				write(w, http.StatusOK, answer{Data: data})
			}
		})
	}
	return mux
}

type answer struct {
	Data any `json:"data"`
}

type gqlError struct {
	Message    string            `json:"message"`
	Extensions map[string]string `json:"extensions"`
}

func errorsAnswer(code, msg string) any {
	return struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{Message: msg, Extensions: map[string]string{"code": code}}}}
}

// code names a source failure as gqlbff would.
func code(err error) string {
	switch {
	case errors.Is(err, sources.ErrTimeout):
		return "SOURCE_TIMEOUT"
	case errors.Is(err, sources.ErrBadResponse):
		return "SOURCE_BAD_RESPONSE"
	default:
		return "SOURCE_UNAVAILABLE"
	}
}

type badInput struct{ msg string }

func (b *badInput) Error() string { return b.msg }

func badInputf(format string, args ...any) error { return &badInput{fmt.Sprintf(format, args...)} }

// variables reads the variables of a POST body or a GET query.
func variables(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	switch r.Method {
	case http.MethodGet:
		return []byte(r.URL.Query().Get("variables")), nil
	case http.MethodPost:
		var body struct {
			Variables json.RawMessage `json:"variables"`
		}
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			return nil, errors.New("the request body could not be read")
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, errors.New("the request body is not valid JSON")
		}
		return body.Variables, nil
	default:
		return nil, fmt.Errorf("method %s is not allowed", r.Method)
	}
}

// decodeVars decodes variables into v; no variables leave v as it is.
func decodeVars(vars []byte, v any) error {
	if len(vars) == 0 || string(vars) == "null" {
		return nil
	}
	if err := json.Unmarshal(vars, v); err != nil {
		return badInputf("variables: %v", err)
	}
	return nil
}

func write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
