package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/caller"
)

// GET is for queries only (HTTP's safe method; the GraphQL-over-HTTP
// spec). Its answers to queries are cacheable: an ETag (a hash of the
// body), a Cache-Control that is private when the caller is authenticated,
// and 304 for a client that already holds the answer.

// operationType is the type of the operation a document's text would run:
// the one named name, or its only one; "" when the text does not say (it
// does not parse, or names no such operation): the executor then reports
// what is wrong.
func operationType(text, name string, tokenLimit int) ast.Operation {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: text}, tokenLimit)
	if err != nil {
		return ""
	}
	op := doc.Operations.ForName(name)
	if op == nil {
		return ""
	}
	return op.Operation
}

func refuseGET(ctx context.Context, w http.ResponseWriter, op ast.Operation) {
	w.Header().Set("Allow", "POST")
	writeErrors(ctx, w, http.StatusMethodNotAllowed, newError(CodeBadUserInput, "a %s cannot be sent with GET; use POST", op))
}

// writeCacheable answers a GET query. An answer with errors (partial data
// included) is not stored anywhere; the others carry an ETag and a
// Cache-Control, and a matching If-None-Match gets 304 with no body.
func writeCacheable(ctx context.Context, w http.ResponseWriter, r *http.Request, resp *graphql.Response, maxAge time.Duration) {
	h := w.Header()
	// The answer depends on the caller and on the media type asked for.
	h.Add("Vary", "Authorization, Accept")
	if len(resp.Errors) > 0 || resp.Extensions[staleKey] != nil {
		h.Set("Cache-Control", "no-store")
		writeResponse(ctx, w, http.StatusOK, resp)
		return
	}
	// The ETag names the data: the extensions (the cost and the caller's
	// budget left) change with every request and would defeat revalidation.
	sum := sha256.Sum256(resp.Data)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl(caller.From(r.Context()).Anonymous(), maxAge))
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeResponse(ctx, w, http.StatusOK, resp)
}

// cacheControl: private for an authenticated caller (a shared cache must
// never hand one caller's answer to another); public only for an anonymous
// one, which a profile allows explicitly. Without a max-age, clients
// revalidate every time (no-cache) and save the body, not the work.
func cacheControl(anonymous bool, maxAge time.Duration) string {
	scope := "private"
	if anonymous {
		scope = "public"
	}
	if secs := int64(maxAge / time.Second); secs > 0 {
		return scope + ", max-age=" + strconv.FormatInt(secs, 10)
	}
	return scope + ", no-cache"
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 §13.1.2).
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
