package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
)

// HTTP caching of answers (DESIGN.md, Caching): the schema's @cacheControl
// hints give each operation a maxAge and a scope, computed once per
// document from the schema and the operation's AST (so it holds whichever
// executor runs). The answer's Cache-Control follows from them, from the
// caller and from the answer itself.

// cacheHint is an operation's computed hint: the shortest maxAge of the
// fields it selects, and whether every one of them is PUBLIC.
type cacheHint struct {
	maxAge int // seconds
	public bool
}

// hintCache keeps the hint of each document's operations.
type hintCache struct {
	schema *ast.Schema
	cache  *lru.Cache[hintKey, cacheHint]
}

type hintKey struct {
	doc *ast.QueryDocument
	op  string
}

func newHintCache(schema *ast.Schema) *hintCache {
	c, _ := lru.New[hintKey, cacheHint](1000)
	return &hintCache{schema: schema, cache: c}
}

// of returns the hint of op in doc.
func (h *hintCache) of(doc *ast.QueryDocument, op *ast.OperationDefinition) cacheHint {
	k := hintKey{doc: doc, op: op.Name}
	if v, ok := h.cache.Get(k); ok {
		return v
	}
	v := operationHint(h.schema, op)
	h.cache.Add(k, v)
	return v
}

// parentHint is what a field may inherit from its parent.
type parentHint struct {
	maxAge int
	scope  string // PUBLIC, PRIVATE or "" (unsaid)
}

// operationHint applies Apollo's rules with one difference: a field whose
// scope is said nowhere counts as PRIVATE. A field's maxAge is its own
// hint's, else (inheritMaxAge) its parent's, else its type's, else its
// parent's for a scalar or enum below the root, else 0. Fields under @skip
// or @include count as selected: the hint can only be stricter for it.
func operationHint(schema *ast.Schema, op *ast.OperationDefinition) cacheHint {
	out := cacheHint{maxAge: -1, public: true}
	var walk func(set ast.SelectionSet, parent *parentHint)
	walk = func(set ast.SelectionSet, parent *parentHint) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == "__typename" {
					if parent == nil { // a root __typename: nothing to cache
						out.maxAge = 0
					}
					continue
				}
				if s.Definition == nil || s.Name == "__schema" || s.Name == "__type" {
					out.maxAge, out.public = 0, false
					continue
				}
				h := fieldHint(schema, s.Definition, parent)
				if out.maxAge < 0 || h.maxAge < out.maxAge {
					out.maxAge = h.maxAge
				}
				if h.scope != "PUBLIC" {
					out.public = false
				}
				if len(s.SelectionSet) > 0 {
					walk(s.SelectionSet, &h)
				}
			case *ast.InlineFragment:
				walk(s.SelectionSet, parent)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					walk(s.Definition.SelectionSet, parent)
				}
			}
		}
	}
	walk(op.SelectionSet, nil)
	if out.maxAge < 0 {
		out.maxAge = 0
	}
	return out
}

func fieldHint(schema *ast.Schema, def *ast.FieldDefinition, parent *parentHint) parentHint {
	own := readHint(def.Directives)
	typ := schema.Types[def.Type.Name()]
	var onType hintDirective
	leaf := true
	if typ != nil {
		leaf = typ.Kind == ast.Scalar || typ.Kind == ast.Enum
		if !leaf {
			onType = readHint(typ.Directives)
		}
	}
	inherit := func() parentHint {
		if parent == nil {
			return parentHint{}
		}
		return *parent
	}
	var h parentHint
	switch {
	case own.maxAge != nil:
		h.maxAge = *own.maxAge
	case own.inherit:
		h = inherit()
	case onType.maxAge != nil:
		h.maxAge = *onType.maxAge
	case onType.inherit || leaf:
		h = inherit()
	}
	var scope string
	switch {
	case own.scope != "":
		scope = own.scope
	case onType.scope != "":
		scope = onType.scope
	case own.inherit || onType.inherit || leaf:
		scope = inherit().scope
	}
	h.scope = scope
	return h
}

type hintDirective struct {
	maxAge  *int
	scope   string
	inherit bool
}

func readHint(dirs ast.DirectiveList) hintDirective {
	var h hintDirective
	d := dirs.ForName("cacheControl")
	if d == nil {
		return h
	}
	if a := d.Arguments.ForName("maxAge"); a != nil && a.Value != nil {
		if n, err := strconv.Atoi(a.Value.Raw); err == nil && n >= 0 {
			h.maxAge = &n
		}
	}
	if a := d.Arguments.ForName("scope"); a != nil && a.Value != nil {
		h.scope = a.Value.Raw
	}
	if a := d.Arguments.ForName("inheritMaxAge"); a != nil && a.Value != nil {
		h.inherit = a.Value.Raw == "true"
	}
	return h
}

// answerCacheControl is the Cache-Control of a 200 answer to an
// operation: no-store for a mutation, an answer with errors or stale
// data, or a maxAge of 0; public only for an anonymous caller when every
// field selected is PUBLIC; else private. capAge, when positive, caps the
// max-age (persisted.cacheMaxAge).
func answerCacheControl(op ast.Operation, h cacheHint, resp *graphql.Response, anonymous bool, capAge time.Duration) (string, int) {
	age := h.maxAge
	if c := int(capAge / time.Second); capAge > 0 && c < age {
		age = c
	}
	if op != ast.Query || len(resp.Errors) > 0 || resp.Extensions[staleKey] != nil || age <= 0 {
		return "no-store", 0
	}
	if anonymous && h.public {
		return "public, max-age=" + strconv.Itoa(age), age
	}
	return "private, max-age=" + strconv.Itoa(age), age
}

// setCacheHeaders sets an answer's Cache-Control and Vary, and answers its
// max-age (0: not to be stored anywhere).
func setCacheHeaders(ctx context.Context, h http.Header, oc *graphql.OperationContext, hints *hintCache, resp *graphql.Response, capAge time.Duration) int {
	// The answer depends on the caller and on the media type asked for.
	h.Add("Vary", "Authorization, Accept")
	if oc == nil || oc.Operation == nil || hints == nil {
		h.Set("Cache-Control", "no-store")
		return 0
	}
	cc, age := answerCacheControl(oc.Operation.Operation, hints.of(oc.Doc, oc.Operation), resp, caller.From(ctx).Anonymous(), capAge)
	h.Set("Cache-Control", cc)
	return age
}

// strongETag is the ETag of an answer: a hash of its data and errors, not
// of its extensions (the cost report changes with every request).
func strongETag(resp *graphql.Response) string {
	sum := sha256.New()
	sum.Write(resp.Data)
	if len(resp.Errors) > 0 {
		b, _ := json.Marshal(resp.Errors)
		sum.Write([]byte{0})
		sum.Write(b)
	}
	return `"` + hex.EncodeToString(sum.Sum(nil)[:16]) + `"`
}
