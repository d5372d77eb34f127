package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/server"
)

// demoManifest is the committed manifest of testdata/operations (make
// manifest), which demo mode embeds.
const demoManifest = "demomanifest.json"

// demoIDs maps the demo manifest's operation names to their ids.
func demoIDs(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile(demoManifest)
	if err != nil {
		t.Fatal(err)
	}
	var m persisted.ApolloManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, op := range m.Operations {
		ids[op.Name] = op.ID
	}
	return ids
}

// manifestOf writes an Apollo manifest of the named demo operations into
// path, atomically (write aside, rename), as a deploy would.
func manifestOf(t testing.TB, path string, names ...string) {
	t.Helper()
	writeManifest(t, path, false, names...)
}

// unscopedManifestOf is manifestOf with every document serving every
// profile: the profiles the operations' files name are left out.
func unscopedManifestOf(t testing.TB, path string, names ...string) {
	t.Helper()
	writeManifest(t, path, true, names...)
}

func writeManifest(t testing.TB, path string, unscoped bool, names ...string) {
	t.Helper()
	files := make([]persisted.SourceFile, len(names))
	for i, n := range names {
		files[i] = persisted.SourceFile{Name: n, Text: operation(t, n)}
	}
	m, err := persisted.Build(files, server.Schema())
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Operations {
		if unscoped {
			m.Operations[i].Profiles = nil
		}
	}
	var b bytes.Buffer
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	writeAtomically(t, path, b.Bytes())
}

func writeAtomically(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// postJSON posts any JSON body to /graphql.
func (h *harness) postJSON(body any, header ...string) answer {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(context.Background(), http.MethodPost, "/graphql", "application/json", bytes.NewReader(b), header...)
}

// get sends GET /graphql with params, as a browser app does: with a
// CSRF-preflight header.
func (h *harness) get(params url.Values, header ...string) answer {
	h.t.Helper()
	header = append([]string{"GraphQL-Preflight", "1"}, header...)
	return h.do(context.Background(), http.MethodGet, "/graphql?"+params.Encode(), "", nil, header...)
}

// apq is Apollo's persistedQuery extension for a text.
func apq(text string) map[string]any {
	sum := sha256.Sum256([]byte(text))
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// logBuffer collects a handler's logs for a test to read.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
