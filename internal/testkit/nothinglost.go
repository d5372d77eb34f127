// Package testkit holds the helpers every test suite of gqlbff shares. Only
// tests import it.
package testkit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Codes is the closed vocabulary of extensions.code (DESIGN.md).
var Codes = []string{
	"SOURCE_UNAVAILABLE", "SOURCE_TIMEOUT", "SOURCE_BAD_RESPONSE",
	"UNAUTHENTICATED", "FORBIDDEN", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED",
	"BAD_USER_INPUT", "COST_LIMIT_EXCEEDED", "RATE_LIMITED",
	"PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_REQUIRED", "OVERLOADED", "INTERNAL",
}

// Error is one entry of a response's errors.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Source is the error's extensions.source.
func (e Error) Source() string { s, _ := e.Extensions["source"].(string); return s }

// PathString renders the path as a.b.0.c.
func (e Error) PathString() string { return pathString(e.Path) }

// Response is a GraphQL response as a client sees it.
type Response struct {
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// ErrorAt returns the error whose path is p (a.b.0.c), if there is one.
func (r Response) ErrorAt(p string) (Error, bool) {
	for _, e := range r.Errors {
		if e.PathString() == p {
			return e, true
		}
	}
	return Error{}, false
}

// leaks are fragments that must never reach a client: upstream addresses,
// bodies, stacks.
var leaks = []string{"http://", "https://", "127.0.0.1", "localhost", "goroutine ", "panic:", ".go:", "{\"error\""}

// AssertNothingLost checks the "nothing lost" invariant of HARDENING.md on
// one response body:
//   - every error has a code of the closed vocabulary and leaks nothing;
//   - every error with a path points at a null in data, or below one (a
//     non-null field's failure bubbles up to its nearest nullable parent);
//   - every null in data is explained by an error at its path (or below it),
//     or matches one of allowedNulls: paths like "customers.2", where "*"
//     stands for one segment and "**" for any number, for the nulls the
//     contract allows without an error (not found, no last order).
//
// It returns the decoded response for further checks.
func AssertNothingLost(t testing.TB, body []byte, allowedNulls ...string) Response {
	t.Helper()
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("response is not JSON: %v: %.300s", err, body)
		return r
	}
	var data any
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatalf("data is not JSON: %v", err)
		}
	}
	for _, e := range r.Errors {
		if !slices.Contains(Codes, e.Code()) {
			t.Errorf("error %q at %s: code %q is not in the vocabulary", e.Message, e.PathString(), e.Code())
		}
		for _, leak := range leaks {
			if strings.Contains(e.Message, leak) {
				t.Errorf("error message %q leaks %q", e.Message, leak)
				break
			}
		}
		if len(e.Path) > 0 && data != nil && !nullAtOrAbove(data, e.Path) {
			t.Errorf("error at %s (%s) but data there is not null", e.PathString(), e.Code())
		}
	}
	walkNulls(data, nil, func(path []any) {
		p := pathString(path)
		for _, e := range r.Errors {
			if hasPrefix(e.Path, path) {
				return
			}
		}
		for _, pat := range allowedNulls {
			if matchPath(strings.Split(pat, "."), strings.Split(p, ".")) {
				return
			}
		}
		t.Errorf("silent null at %s: no error explains it", p)
	})
	return r
}

func pathString(path []any) string {
	parts := make([]string, len(path))
	for i, s := range path {
		switch v := s.(type) {
		case float64:
			parts[i] = strconv.Itoa(int(v))
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, ".")
}

func hasPrefix(path, prefix []any) bool {
	if len(path) < len(prefix) {
		return false
	}
	return pathString(path[:len(prefix)]) == pathString(prefix)
}

// nullAtOrAbove reports whether data is null at path or at one of its
// prefixes.
func nullAtOrAbove(data any, path []any) bool {
	cur := data
	for _, seg := range path {
		if cur == nil {
			return true
		}
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[fmt.Sprint(seg)]
			if !ok {
				return false
			}
			cur = next
		case []any:
			i, ok := seg.(float64)
			if !ok || int(i) < 0 || int(i) >= len(v) {
				return false
			}
			cur = v[int(i)]
		default:
			return false
		}
	}
	return cur == nil
}

func walkNulls(v any, path []any, visit func([]any)) {
	switch x := v.(type) {
	case nil:
		if len(path) > 0 {
			visit(path)
		}
	case map[string]any:
		for k, child := range x {
			walkNulls(child, append(slices.Clip(path), k), visit)
		}
	case []any:
		for i, child := range x {
			walkNulls(child, append(slices.Clip(path), float64(i)), visit)
		}
	}
}

func matchPath(pat, path []string) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if matchPath(pat[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (pat[0] != "*" && pat[0] != path[0]) {
		return false
	}
	return matchPath(pat[1:], path[1:])
}
