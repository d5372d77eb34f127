package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
)

// maxRequestIDLen bounds a caller's own X-Request-Id.
const maxRequestIDLen = 128

// requestMeta decides the request id once, at the edge, and puts it in the
// request's caller (caller.Caller), which every source call of the request
// reads; traceContext does the same for the trace context. The caller
// goes in the request's caller.Request, which the layers under it fill in
// place (the authenticated caller, the access record, the loaders): one
// context value for all of them. Headers
// that only gqlbff may set toward the sources are removed from the request.
func requestMeta(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		r.Header.Del("X-User-Id")
		r.Header.Del("X-User-Scopes")
		ctx, _ := caller.NewRequest(r.Context(), caller.Caller{RequestID: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// operationScope is the innermost layer of /graphql, in one handler (one
// copy of the request, not three):
//   - the body limit: a body declared over n bytes is refused at once
//     (413), a longer one fails its read (the transport answers 413);
//   - the deadline d, which bounds the whole request: every source call and
//     retry inside it;
//   - the request's own dataloaders and stale-record collector.
func operationScope(d time.Duration, n int64, src *sources.Sources) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				writeErrors(r.Context(), w, http.StatusRequestEntityTooLarge, newError(CodeBadUserInput, "the request body is over the limit"))
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			r = r.WithContext(withLoadersAndStale(ctx, src.NewLoaders()))
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}
