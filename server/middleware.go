package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gqlbff/gqlbff/sources"
)

// maxRequestIDLen bounds a caller's own X-Request-Id.
const maxRequestIDLen = 128

// requestMeta decides the request id and trace context once, at the edge,
// and hands them to every source call of the request (sources.Meta). Headers
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
		m := sources.Meta{RequestID: id, TraceParent: childTraceParent(r.Header.Get("Traceparent"))}
		next.ServeHTTP(w, r.WithContext(sources.WithMeta(r.Context(), m)))
	})
}

// RequestID returns the id of the request ctx belongs to.
func RequestID(ctx context.Context) string { return sources.MetaFrom(ctx).RequestID }

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

// childTraceParent continues a caller's W3C trace with a new span id, or
// starts a new trace when the caller sent none or a malformed one.
func childTraceParent(in string) string {
	var span [8]byte
	_, _ = rand.Read(span[:])
	if traceID, flags, ok := parseTraceParent(in); ok {
		return "00-" + traceID + "-" + hex.EncodeToString(span[:]) + "-" + flags
	}
	var trace [16]byte
	_, _ = rand.Read(trace[:])
	return "00-" + hex.EncodeToString(trace[:]) + "-" + hex.EncodeToString(span[:]) + "-01"
}

// parseTraceParent reads version 00 of the W3C traceparent header.
func parseTraceParent(h string) (traceID, flags string, ok bool) {
	if len(h) != 55 || h[:3] != "00-" || h[35] != '-' || h[52] != '-' {
		return "", "", false
	}
	traceID, parent, flags := h[3:35], h[36:52], h[53:55]
	if !isLowerHex(traceID) || !isLowerHex(parent) || !isLowerHex(flags) ||
		traceID == "00000000000000000000000000000000" || parent == "0000000000000000" {
		return "", "", false
	}
	return traceID, flags, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// deadline bounds the whole request: every source call and retry inside it.
func deadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// bodyLimit caps the request body; the transport answers 413 past it.
func bodyLimit(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				writeErrors(w, http.StatusRequestEntityTooLarge, newError(CodeBadUserInput, "the request body is over the limit"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// withLoaders gives each request its own dataloaders.
func withLoaders(src *sources.Sources) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := sources.WithLoaders(r.Context(), src.NewLoaders())
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
