package server

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlbff/gqlbff/cost"
)

// StructureLimit refuses a document over its client profile's structural
// limits (depth, aliases, root fields, fields, directives, operation-name
// length; HARDENING.md) before gqlgen validates it, so that a hostile
// document never reaches validation's expensive rules. It works in two
// steps on a document it has not seen:
//
//  1. cost.Scan reads the text once, without parsing: more tokens than the
//     token limit, nesting deeper than MaxNesting, more fields or
//     directives than the profile allows are refused there, in
//     microseconds, whatever the document's size;
//  2. the parser (with the token limit) and cost.Measure give the exact
//     shape: depth with fragments inlined, aliases, root fields. Measure
//     is linear in the document (fragments memoised), refuses fragment
//     cycles, stops past a budget of work and when the request's context
//     is done.
//
// gqlgen parses and validates in one step, after the parameter mutators,
// so a document that passes is parsed again by gqlgen. The shapes are kept
// in a cache of their own, keyed like gqlgen's query cache: a document is
// parsed twice the first time it is seen and never again while it is
// cached (BENCHMARKS.md measures both). StructureLimit must come after any
// extension that fills in the query (persisted queries).
type structureLimit struct {
	profiles   profiles
	tokenLimit int
	// workBudget bounds cost.Measure's steps: three a token, at least
	// cost.DefaultMeasureBudget.
	workBudget int
	shapes     graphql.Cache[cost.Shape]
}

// MaxNesting caps the nesting of braces and brackets (selection sets,
// object and list values, list types) of a document before it is parsed.
// gqlparser stops at 1,000 to protect its stack; 100 is Cosmo's figure, ten
// times the default depth limit, and no real operation comes near it.
const maxNesting = 100

var (
	_ graphql.HandlerExtension          = (*structureLimit)(nil)
	_ graphql.OperationParameterMutator = (*structureLimit)(nil)
)

// newStructureLimit returns the structural limits of the profiles, with
// the parser's token limit and a cache of cacheSize shapes (0: none).
func newStructureLimit(ps profiles, tokenLimit, cacheSize int) *structureLimit {
	s := &structureLimit{
		profiles:   ps,
		tokenLimit: tokenLimit,
		shapes:     graphql.NoCache[cost.Shape]{},
	}
	if cacheSize > 0 {
		s.shapes = lru.New[cost.Shape](cacheSize)
	}
	return s
}

// ExtensionName implements graphql.HandlerExtension.
func (*structureLimit) ExtensionName() string { return "StructureLimit" }

// Validate implements graphql.HandlerExtension.
func (*structureLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (s *structureLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil // no text: gqlgen answers it
	}
	limits := s.profiles.of(ctx).structure
	shape, ok := s.shapes.Get(ctx, p.Query)
	if !ok {
		if ctx.Err() != nil { // the client left or the deadline passed: no parse
			return newError(CodeValidationFailed, "the request ended before its document was checked")
		}
		_, err := cost.Scan(p.Query, cost.ScanLimits{
			Tokens: s.tokenLimit, Nesting: maxNesting, Fields: limits.Fields, Directives: limits.Directives,
		})
		if le, ok := errors.AsType[*cost.LimitError](err); ok {
			code := CodeValidationFailed
			if le.Limit == "tokens" || le.Limit == "nesting" {
				code = CodeParseFailed
			}
			return newError(code, "%s", le.Error())
		}
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, s.tokenLimit)
		if err != nil {
			gerr, ok := err.(*gqlerror.Error)
			if !ok {
				gerr = gqlerror.Wrap(err)
			}
			errcode.Set(gerr, errcode.ParseFailed)
			return gerr
		}
		shape, err = cost.Measure(ctx, doc, s.workBudget)
		switch {
		case errors.Is(err, cost.ErrFragmentCycle):
			return newError(CodeValidationFailed, "a fragment of the document spreads itself")
		case ctx.Err() != nil:
			return newError(CodeValidationFailed, "the request ended before its document was checked")
		case err != nil:
			return newError(CodeValidationFailed, "%s", err.Error())
		}
		s.shapes.Add(ctx, p.Query, shape)
	}
	if err := limits.Check(shape); err != nil {
		return newError(CodeValidationFailed, "%s", err.Error())
	}
	return nil
}
