package server

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestAnswerCacheControl(t *testing.T) {
	ok := &graphql.Response{Data: []byte(`{}`)}
	withErrors := &graphql.Response{Data: []byte(`{}`), Errors: gqlerror.List{{Message: "x"}}}
	stale := &graphql.Response{Data: []byte(`{}`), Extensions: map[string]any{staleKey: []staleNote{{}}}}
	public := cacheHint{maxAge: 60, public: true}
	private := cacheHint{maxAge: 60}
	cases := []struct {
		name      string
		op        ast.Operation
		hint      cacheHint
		resp      *graphql.Response
		anonymous bool
		want      string
	}{
		{"mutation", ast.Mutation, public, ok, true, "no-store"},
		{"errors", ast.Query, public, withErrors, true, "no-store"},
		{"stale", ast.Query, public, stale, true, "no-store"},
		{"maxAge 0", ast.Query, cacheHint{public: true}, ok, true, "no-store"},
		{"anonymous, all PUBLIC", ast.Query, public, ok, true, "public, max-age=60"},
		{"anonymous, some PRIVATE", ast.Query, private, ok, true, "private, max-age=60"},
		{"authenticated, all PUBLIC", ast.Query, public, ok, false, "private, max-age=60"},
	}
	for _, tc := range cases {
		if got, _ := answerCacheControl(tc.op, tc.hint, tc.resp, tc.anonymous, 0); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOperationHint(t *testing.T) {
	schema := Schema()
	cases := []struct {
		query string
		want  cacheHint
	}{
		{`{ me { id name } }`, cacheHint{maxAge: 60}},
		{`{ dashboard { summary { orderCount revenue { amount } } } }`, cacheHint{maxAge: 30, public: true}},
		{`{ dashboard { summary { ...S } } } fragment S on AnalyticsSummary { averageOrderValue { currency } }`, cacheHint{maxAge: 30, public: true}},
		{`{ dashboard { topCustomers { id } } }`, cacheHint{maxAge: 30}},
		{`{ orders { edges { cursor node { id items { unitPrice { amount } } } } } }`, cacheHint{maxAge: 15}},
		{`{ customers(ids: ["c1"]) { ... on Customer { orders { id } } } }`, cacheHint{maxAge: 30}},
		{`{ customer(id: "c1") { name } }`, cacheHint{maxAge: 120}},
		{`{ __typename }`, cacheHint{maxAge: 0, public: true}},
	}
	for _, tc := range cases {
		doc, errs := gqlparser.LoadQuery(schema, tc.query)
		if errs != nil {
			t.Fatalf("%s: %v", tc.query, errs)
		}
		if got := operationHint(schema, doc.Operations[0]); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.query, got, tc.want)
		}
	}
}
