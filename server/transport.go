package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/internal/bufpool"
)

// transport is gqlbff's only GraphQL transport: POST with a JSON body and
// GET with query parameters (queries only; get.go). It takes every method
// so that each wrong request gets the right status and a coded error: 405,
// 413, 415, 400, instead of gqlgen's generic "transport not supported".
type transport struct {
	// tokenLimit bounds the lexing of a GET's query text.
	tokenLimit int
	// cacheMaxAge, when positive, caps the max-age of answers.
	cacheMaxAge time.Duration
	// profiles give the caller's limit on operationName.
	profiles profiles
	// hints are the operations' cache hints (@cacheControl).
	hints *hintCache
}

var _ graphql.Transport = transport{}

func (transport) Supports(*http.Request) bool { return true }

// params is the body of a POST and the query of a GET.
type params struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	DocumentID    string         `json:"documentId"`
}

func (t transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	var (
		p   params
		err *gqlerror.Error
		st  int
	)
	switch r.Method {
	case http.MethodPost:
		st, err = readPost(r, &p)
	case http.MethodGet:
		st, err = readGet(r, &p)
	default:
		w.Header().Set("Allow", "GET, POST")
		st, err = http.StatusMethodNotAllowed, newError(CodeBadUserInput, "method %s is not allowed; use GET or POST", r.Method)
	}
	rec := recordFrom(r.Context())
	rec.setClient(caller.From(r.Context()).Client)
	if n, limit := len(p.OperationName), t.profiles.of(r.Context()).structure.OperationName; err == nil && limit > 0 && n > limit {
		// Neither echoed nor logged: the name is the caller's text.
		st, err = http.StatusBadRequest, newError(CodeBadUserInput, "operationName is %d bytes long, over the limit of %d", n, limit)
		p.OperationName = ""
	}
	rec.setOperation(p.OperationName, false)
	if err != nil {
		writeErrors(r.Context(), w, st, err)
		return
	}
	if p.Query == "" && p.DocumentID == "" && p.Extensions["persistedQuery"] == nil {
		writeErrors(r.Context(), w, http.StatusBadRequest, newError(CodeBadUserInput, "no query in the request"))
		return
	}
	if r.Method == http.MethodGet && p.Query != "" {
		// Refuse a mutation before anything else looks at it, even one the
		// schema would not validate: GET is safe, whatever the document.
		if op := operationType(p.Query, p.OperationName, t.tokenLimit); op != "" && op != ast.Query {
			refuseGET(r.Context(), w, op)
			return
		}
	}

	raw := &graphql.RawParams{
		Query:         p.Query,
		OperationName: p.OperationName,
		Variables:     p.Variables,
		Extensions:    p.Extensions,
		Headers:       r.Header,
		ReadTime:      graphql.TraceTiming{Start: start, End: graphql.Now()},
	}
	if p.DocumentID != "" {
		if raw.Extensions == nil {
			raw.Extensions = map[string]any{}
		}
		raw.Extensions["documentId"] = p.DocumentID
	}

	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if opCtx != nil && opCtx.Operation != nil {
		rec.setOperation(opCtx.Operation.Name, true)
	}
	if errs != nil {
		writeRefused(ctx, w, r, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	w.Header().Set("Content-Type", responseType(r))
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		refuseGET(r.Context(), w, opCtx.Operation.Operation)
		return
	}
	handler, ctx := exec.DispatchOperation(context.WithValue(ctx, executingKey{}, true), opCtx)
	resp := handler(ctx)
	if resp == nil {
		// The client went away; nobody reads an answer.
		return
	}
	addStale(ctx, resp)
	if cs := cacheStatus(ctx, resp); cs != "" {
		w.Header().Set("Cache-Status", cs)
	}
	setCacheHeaders(ctx, w.Header(), opCtx, t.hints, resp, t.cacheMaxAge)
	if r.Method == http.MethodGet {
		writeCacheable(ctx, w, r, resp)
		return
	}
	writeResponse(ctx, w, http.StatusOK, resp)
}

// setRetryAfter tells a rate-limited client, in whole seconds rounded up,
// when its budget holds what it asked for.
func setRetryAfter(h http.Header, errs gqlerror.List) {
	for _, e := range errs {
		if ms, ok := e.Extensions[retryAfterKey].(int64); ok {
			h.Set("Retry-After", strconv.FormatInt(retryAfterSeconds(time.Duration(ms)*time.Millisecond), 10))
			return
		}
	}
}

func readPost(r *http.Request, p *params) (int, *gqlerror.Error) {
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return http.StatusUnsupportedMediaType, newError(CodeBadUserInput, "compressed request bodies are not accepted")
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return http.StatusUnsupportedMediaType, newError(CodeBadUserInput, "Content-Type must be application/json")
	}
	buf := bodyBuffers.Get()
	defer bodyBuffers.Put(buf)
	if n := r.ContentLength; n > 0 && n < int64(bodyBuffers.Max()) {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom keeps MinRead free to see the end
	}
	if _, err := buf.ReadFrom(r.Body); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return http.StatusRequestEntityTooLarge, newError(CodeBadUserInput, "the request body is over the limit")
		}
		return http.StatusBadRequest, newError(CodeBadUserInput, "the request body could not be read")
	}
	body := bytes.TrimSpace(buf.Bytes())
	switch {
	case len(body) == 0:
		return http.StatusBadRequest, newError(CodeBadUserInput, "the request body is empty")
	case body[0] == '[':
		return http.StatusBadRequest, newError(CodeBadUserInput, "batched requests (a JSON array) are not supported")
	case body[0] != '{':
		return http.StatusBadRequest, newError(CodeBadUserInput, "the request body must be a JSON object")
	}
	if decodeParams(body, p) {
		return 0, nil
	}
	if err := decodeJSON(body, p); err != nil {
		return http.StatusBadRequest, newError(CodeBadUserInput, "the request body is not valid JSON: %s", jsonProblem(err))
	}
	if repeatsKey(body) {
		return http.StatusBadRequest, newError(CodeBadUserInput, "the request body repeats a key in an object")
	}
	return 0, nil
}

// bodyBuffers hold request bodies while they are decoded: the decoder
// copies what it keeps (strings, numbers), so a buffer goes back to the
// pool once the request's parameters are read.
var bodyBuffers = bufpool.New(64 << 10)

// isJSON reports whether a Content-Type is application/json, parameters
// or not. The bare type, what clients send most, is recognised without
// mime.ParseMediaType, which allocates a map of parameters.
func isJSON(ct string) bool {
	if ct == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func readGet(r *http.Request, p *params) (int, *gqlerror.Error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return http.StatusBadRequest, newError(CodeBadUserInput, "the query string could not be parsed")
	}
	for _, name := range []string{"query", "operationName", "variables", "extensions", "documentId"} {
		if len(q[name]) > 1 {
			return http.StatusBadRequest, newError(CodeBadUserInput, "the query string gives %s more than once", name)
		}
	}
	p.Query = q.Get("query")
	p.OperationName = q.Get("operationName")
	p.DocumentID = q.Get("documentId")
	for name, into := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
		if v := q.Get(name); v != "" {
			if err := decodeJSON([]byte(v), into); err != nil {
				return http.StatusBadRequest, newError(CodeBadUserInput, "%s is not a JSON object", name)
			}
			if repeatsKey([]byte(v)) {
				return http.StatusBadRequest, newError(CodeBadUserInput, "%s repeats a key in an object", name)
			}
		}
	}
	return 0, nil
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Only white space may follow (Decoder.More would let a stray ] or }
	// through).
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) > 0 {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonProblem names what was wrong without echoing the body back.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	default:
		return "malformed"
	}
}

// Media types of answers (GraphQL over HTTP).
const (
	mediaGraphQLResponse = "application/graphql-response+json; charset=utf-8"
	mediaJSON            = "application/json; charset=utf-8"
)

// responseType is the media type of r's answer: the GraphQL over HTTP
// specification's own when r accepts it, else application/json (a legacy
// client, */*, or no Accept at all).
func responseType(r *http.Request) string {
	if acceptsGraphQLResponse(r) {
		return mediaGraphQLResponse
	}
	return mediaJSON
}

func acceptsGraphQLResponse(r *http.Request) bool {
	for _, a := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(a, ",") {
			mt, params, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/graphql-response+json") && !refused(params) {
				return true
			}
		}
	}
	return false
}

// refused reports whether media type parameters hold q=0.
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q == 0
		}
	}
	return false
}

// writeRefused answers a request refused before execution (parse,
// validation, policy): in the media type r accepts, with the status its
// errors and that media type call for. Every executor's refusals go
// through it.
func writeRefused(ctx context.Context, w http.ResponseWriter, r *http.Request, resp *graphql.Response) {
	gr := acceptsGraphQLResponse(r)
	w.Header().Set("Content-Type", responseType(r))
	status := statusFor(resp.Errors, gr)
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusTooManyRequests {
		setRetryAfter(w.Header(), resp.Errors)
	}
	writeResponse(ctx, w, status, resp)
}
