package server

import (
	"net/http"
	"strings"
)

// simpleContentTypes are the content types a browser sends cross-origin
// without a preflight.
var simpleContentTypes = map[string]bool{
	"application/x-www-form-urlencoded": true,
	"multipart/form-data":               true,
	"text/plain":                        true,
}

// csrfPrevention refuses a request a browser could have sent cross-origin
// without asking first, as Apollo Server's csrfPrevention does: one with
// no content type or a simple one (a GET, a form post) must carry one of
// headers, which no page can add without a CORS preflight. Such a request
// could otherwise run a query with the victim's cookies or network
// position; the transport refuses non-JSON POST bodies anyway (415), so
// GET is the case that matters.
func csrfPrevention(headers []string) func(http.Handler) http.Handler {
	canonical := make([]string, len(headers))
	for i, h := range headers {
		canonical[i] = http.CanonicalHeaderKey(h)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if preflighted(r, canonical) {
				next.ServeHTTP(w, r)
				return
			}
			writeErrors(r.Context(), w, http.StatusBadRequest, newError(CodeBadUserInput,
				"this request has been blocked as a possible CSRF: send Content-Type: application/json, or a GraphQL-Preflight or X-Requested-With header"))
		})
	}
}

// preflighted reports whether a browser would have preflighted r. A
// header counts even when empty: no page can send it, empty or not,
// without a preflight. headers are in canonical form.
func preflighted(r *http.Request, headers []string) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		// Only application/json bodies run, and a browser preflights that
		// content type; the transport answers any other one 415.
		return true
	default:
		return true // any other method is preflighted (and the transport refuses it)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// The essence as a browser's lenient MIME parser sees it: a
		// stricter parser (mime.ParseMediaType) would fail on "text/plain;
		// x" and so let through what no browser preflights.
		essence, _, _ := strings.Cut(ct, ";")
		if !simpleContentTypes[strings.ToLower(strings.Trim(essence, " \t\r\n"))] {
			return true // a browser preflights any other content type
		}
	}
	for _, h := range headers {
		if _, ok := r.Header[h]; ok {
			return true
		}
	}
	return false
}
