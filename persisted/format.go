package persisted

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// ApolloFormat is the format field of Apollo's persisted query manifest.
const ApolloFormat = "apollo-persisted-query-manifest"

// ApolloManifest is Apollo's persisted query manifest, version 1.
type ApolloManifest struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	Operations []ApolloOperation `json:"operations"`
}

// ApolloOperation is one operation of an ApolloManifest.
type ApolloOperation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Body string `json:"body"`
	// Profiles, gqlbff's addition, names the client profiles the document
	// serves; none means every profile. A .graphql file names them in a
	// comment line: # profiles: web, mobile.
	Profiles []string `json:"profiles,omitempty"`
}

// entry is one document of either format, in file order.
type entry struct {
	ID, Name, Type, Body string
	Profiles             []string
	apollo               bool
}

// decode reads either format: an object whose format is Apollo's, or an
// object of id → document strings.
func decode(data []byte) ([]entry, error) {
	var top map[string]json.RawMessage
	if err := strictJSON(data, &top); err != nil {
		return nil, fmt.Errorf("manifest: not a JSON object: %w", err)
	}
	if raw, ok := top["format"]; ok {
		var format string
		if json.Unmarshal(raw, &format) == nil && format == ApolloFormat {
			return decodeApollo(data)
		}
		if _, ops := top["operations"]; ops {
			return nil, fmt.Errorf("manifest: unknown format %.64q", raw)
		}
	}
	// A plain map: keep the file's order, so problems are listed as an
	// operator reads them.
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []entry
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		id := key.(string) // object keys are strings
		var body string
		if err := dec.Decode(&body); err != nil {
			return nil, fmt.Errorf("manifest: the value of %.64q is not a string: want {\"<id>\": \"<document>\"} or Apollo's format", id)
		}
		out = append(out, entry{ID: id, Body: body})
	}
	return out, nil
}

func decodeApollo(data []byte) ([]entry, error) {
	var m ApolloManifest
	if err := strictJSON(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("manifest: %s version %d is not supported (want 1)", ApolloFormat, m.Version)
	}
	out := make([]entry, len(m.Operations))
	for i, op := range m.Operations {
		out[i] = entry{ID: op.ID, Name: op.Name, Type: op.Type, Body: op.Body, Profiles: op.Profiles, apollo: true}
	}
	return out, nil
}

// strictJSON decodes one JSON value and refuses anything after it.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// SourceFile is one .graphql file given to Build.
type SourceFile struct {
	// Name names the file in errors.
	Name string
	// Text is its content.
	Text string
}

// Build makes an Apollo manifest of files, one named operation per file
// (with any fragments it uses): each body is the file's normalized
// document, each id the SHA-256 of that body, so the same operations always
// make the same manifest. Every document is validated against schema;
// every problem is reported, naming its file.
func Build(files []SourceFile, schema *ast.Schema) (*ApolloManifest, error) {
	m := &ApolloManifest{Format: ApolloFormat, Version: 1, Operations: []ApolloOperation{}}
	var errs []error
	names := map[string]string{}
	for _, f := range files {
		op, err := buildOne(f, schema)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Name, err))
			continue
		}
		if other, dup := names[op.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: operation %s is also in %s", f.Name, op.Name, other))
			continue
		}
		names[op.Name] = f.Name
		m.Operations = append(m.Operations, op)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(m.Operations, func(a, b ApolloOperation) int { return strings.Compare(a.Name, b.Name) })
	return m, nil
}

func buildOne(f SourceFile, schema *ast.Schema) (ApolloOperation, error) {
	body, err := Normalize(f.Text, 0)
	if err != nil {
		return ApolloOperation{}, describe(err)
	}
	doc, err := parser.ParseQuery(&ast.Source{Name: f.Name, Input: f.Text})
	if err != nil {
		return ApolloOperation{}, describe(err)
	}
	if n := len(doc.Operations); n != 1 {
		return ApolloOperation{}, fmt.Errorf("holds %d operations; persist one operation per file", n)
	}
	op := doc.Operations[0]
	if op.Name == "" {
		return ApolloOperation{}, errors.New("the operation needs a name")
	}
	if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		return ApolloOperation{}, describe(errs)
	}
	return ApolloOperation{ID: Hash(body), Name: op.Name, Type: string(op.Operation), Body: body, Profiles: ProfilesComment(f.Text)}, nil
}

// ProfilesComment reads the profiles a .graphql file names in a comment
// line, "# profiles: web, mobile"; nil when it names none.
func ProfilesComment(text string) []string {
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#")
		if !ok {
			continue
		}
		list, ok := strings.CutPrefix(strings.TrimSpace(rest), "profiles:")
		if !ok {
			continue
		}
		var out []string
		for _, p := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// Encode writes m as indented JSON with a final newline: a file that diffs
// well when it is committed.
func (m *ApolloManifest) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
