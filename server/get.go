package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// GET is for queries only (HTTP's safe method; the GraphQL-over-HTTP
// spec). Its answers to queries are cacheable: a strong ETag of the
// answer, the Cache-Control of cachecontrol.go, and 304 for a client that
// already holds the answer.

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

// writeCacheable answers a GET query whose Cache-Control is set. An
// answer with errors carries no ETag; the others carry a strong one (of
// data and errors: strongETag), and a matching If-None-Match gets 304 with
// no body.
func writeCacheable(ctx context.Context, w http.ResponseWriter, r *http.Request, resp *graphql.Response) {
	if len(resp.Errors) > 0 {
		writeResponse(ctx, w, http.StatusOK, resp)
		return
	}
	etag := strongETag(resp)
	w.Header().Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.Header().Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeResponse(ctx, w, http.StatusOK, resp)
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
