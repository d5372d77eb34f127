package persisted

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Pricer computes the cost of one operation of a trusted document from the
// document alone. A manifest calls it once per operation at load and keeps
// the result, so a request by id does no cost work; an error rejects the
// manifest. The cost analyzer implements it.
type Pricer interface {
	Price(doc *ast.QueryDocument, op *ast.OperationDefinition) (int, error)
}

// Document is one trusted document: parsed and validated against the schema
// at load, and priced when the manifest was given a Pricer.
type Document struct {
	// ID is the document's id in the manifest.
	ID string
	// Name is the manifest's operation name (Apollo's name), or the
	// document's only operation's name.
	Name string
	// Body is the text as the manifest holds it: what the executor is
	// given, and what error locations refer to.
	Body string
	// Normalized is Body's normalized form (Normalize).
	Normalized string
	// Doc is Body parsed and validated.
	Doc *ast.QueryDocument
	// Profiles are the client profiles the document serves (Apollo
	// manifest's gqlbff addition "profiles"); nil: every profile.
	Profiles []string

	costs map[string]int
}

// Serves reports whether the document is trusted for the client profile.
func (d *Document) Serves(profile string) bool {
	return len(d.Profiles) == 0 || slices.Contains(d.Profiles, profile)
}

// Cost returns the cost the Pricer computed at load for the named
// operation ("" for the document's only operation), if it was priced.
func (d *Document) Cost(operationName string) (int, bool) {
	if operationName == "" && len(d.Doc.Operations) == 1 {
		operationName = d.Doc.Operations[0].Name
	}
	c, ok := d.costs[operationName]
	return c, ok
}

// Manifest is an immutable set of trusted documents. A nil *Manifest is an
// empty one.
type Manifest struct {
	docs         []*Document
	byID         map[string]*Document
	byNormalized map[string]*Document
	digest       string
}

// Len is the number of trusted documents.
func (m *Manifest) Len() int {
	if m == nil {
		return 0
	}
	return len(m.docs)
}

// Documents lists the trusted documents in manifest order.
func (m *Manifest) Documents() []*Document {
	if m == nil {
		return nil
	}
	return m.docs
}

// Digest is the SHA-256 of the manifest's bytes.
func (m *Manifest) Digest() string {
	if m == nil {
		return ""
	}
	return m.digest
}

// Lookup finds a trusted document by id. A SHA-256 id may be sent with or
// without the proposal's "sha256:" prefix whichever way the manifest
// spells it.
func (m *Manifest) Lookup(id string) (*Document, bool) {
	if m == nil {
		return nil, false
	}
	d, ok := m.byID[canonicalID(id)]
	return d, ok
}

// Match finds the trusted document whose normalized form is normalized.
func (m *Manifest) Match(normalized string) (*Document, bool) {
	if m == nil {
		return nil, false
	}
	d, ok := m.byNormalized[normalized]
	return d, ok
}

// canonicalID folds "sha256:<hex>" and "<hex>" into one key.
func canonicalID(id string) string {
	if rest, ok := strings.CutPrefix(id, "sha256:"); ok && isSHA256Hex(rest) {
		return rest
	}
	return id
}

// Problem is what is wrong with one operation of a manifest.
type Problem struct {
	// ID is the operation's id.
	ID string
	// Name is its operation name, when known.
	Name string
	// Err is the problem.
	Err error
}

// String names the operation and says what is wrong with it.
func (p Problem) String() string {
	if p.Name != "" {
		return fmt.Sprintf("operation %s (%s): %v", p.ID, p.Name, p.Err)
	}
	return fmt.Sprintf("operation %s: %v", p.ID, p.Err)
}

// ManifestError lists every broken operation of a manifest, so an operator
// fixes all of them in one go.
type ManifestError struct {
	Problems []Problem
}

// Error lists every problem, one a line.
func (e *ManifestError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("manifest: %d broken operation(s):\n  %s", len(e.Problems), strings.Join(lines, "\n  "))
}

// Parse reads a manifest (Apollo's persisted query manifest, or a plain
// {"<id>": "<document>"} map), parses and validates every document against
// schema, and prices every operation with pricer (nil: no pricing). Any
// broken operation rejects the whole manifest with a *ManifestError naming
// each one.
func Parse(data []byte, schema *ast.Schema, pricer Pricer) (*Manifest, error) {
	entries, err := decode(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	m := &Manifest{
		byID:         make(map[string]*Document, len(entries)),
		byNormalized: make(map[string]*Document, len(entries)),
		digest:       hex.EncodeToString(sum[:]),
	}
	var problems []Problem
	for _, e := range entries {
		key := canonicalID(e.ID)
		if _, dup := m.byID[key]; dup {
			problems = append(problems, Problem{e.ID, e.Name, errors.New("duplicate id")})
			continue
		}
		d, name, err := load(e, schema, pricer)
		if err != nil {
			problems = append(problems, Problem{e.ID, name, err})
			continue
		}
		m.docs = append(m.docs, d)
		m.byID[key] = d
		if _, seen := m.byNormalized[d.Normalized]; !seen {
			m.byNormalized[d.Normalized] = d
		}
	}
	if len(problems) > 0 {
		return nil, &ManifestError{Problems: problems}
	}
	return m, nil
}

// load parses, validates and prices one entry. It answers the operation's
// name, to name it in a problem, even when it fails.
func load(e entry, schema *ast.Schema, pricer Pricer) (*Document, string, error) {
	name := e.Name
	if e.ID == "" {
		return nil, name, errors.New("empty id")
	}
	doc, err := parser.ParseQuery(&ast.Source{Name: e.ID, Input: e.Body})
	if err != nil {
		return nil, name, describe(err)
	}
	if len(doc.Operations) == 0 {
		return nil, name, errors.New("no operation in the document")
	}
	if name == "" && len(doc.Operations) == 1 {
		name = doc.Operations[0].Name
	}
	if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		return nil, name, describe(errs)
	}
	if err := checkApollo(e, doc); err != nil {
		return nil, name, err
	}
	norm, err := Normalize(e.Body, 0)
	if err != nil {
		return nil, name, describe(err)
	}
	d := &Document{ID: e.ID, Name: name, Body: e.Body, Normalized: norm, Doc: doc, Profiles: e.Profiles}
	if pricer != nil {
		d.costs = make(map[string]int, len(doc.Operations))
		for _, op := range doc.Operations {
			c, err := pricer.Price(doc, op)
			if err != nil {
				return nil, name, fmt.Errorf("pricing %s: %w", op.Name, err)
			}
			d.costs[op.Name] = c
		}
	}
	return d, name, nil
}

// checkApollo holds an Apollo entry's name and type to its document.
func checkApollo(e entry, doc *ast.QueryDocument) error {
	if !e.apollo {
		return nil
	}
	op := doc.Operations.ForName(e.Name)
	if op == nil || op.Name != e.Name {
		return fmt.Errorf("the document has no operation named %q", e.Name)
	}
	if string(op.Operation) != e.Type {
		return fmt.Errorf("type is %q but the operation is a %s", e.Type, op.Operation)
	}
	return nil
}

// describe renders parser and validator errors with their positions.
func describe(err error) error {
	var list gqlerror.List
	var one *gqlerror.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = gqlerror.List{one}
	default:
		return err
	}
	msgs := make([]string, len(list))
	for i, e := range list {
		msgs[i] = e.Message
		if len(e.Locations) > 0 {
			msgs[i] = fmt.Sprintf("line %d, column %d: %s", e.Locations[0].Line, e.Locations[0].Column, e.Message)
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}
