package playground_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gqlbff/gqlbff"
	"github.com/gqlbff/gqlbff/server/playground"
)

type configJSON struct {
	Endpoint string            `json:"endpoint"`
	Headers  map[string]string `json:"headers"`
	Tabs     []struct {
		Name      string         `json:"name"`
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	} `json:"tabs"`
}

func TestConfig(t *testing.T) {
	ops := fstest.MapFS{
		"a.graphql":          {Data: []byte("{ a }")},
		"b.graphql":          {Data: []byte("query B($id: ID!) { b(id: $id) }")},
		"b.variables.json":   {Data: []byte(`{"id": "b7"}`)},
		"dash.graphql":       {Data: []byte("{ dash }")},
		"notes.txt":          {Data: []byte("not an operation")},
		"orphan.variables.x": {Data: []byte("{}")},
	}
	srv, _ := server(t, playground.Options{
		Endpoint:   "/graphql",
		Headers:    map[string]string{"Authorization": "Bearer dev"},
		Operations: ops,
		First:      "dash",
		Assets:     built,
	})
	res, body := get(t, srv, "/playground/config.json")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q; want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store: it may carry a token", got)
	}
	var cfg configJSON
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Endpoint != "/graphql" || cfg.Headers["Authorization"] != "Bearer dev" || len(cfg.Headers) != 1 {
		t.Errorf("got endpoint %q headers %v, want /graphql and the Authorization header", cfg.Endpoint, cfg.Headers)
	}
	var names []string
	for _, tab := range cfg.Tabs {
		names = append(names, tab.Name)
	}
	if strings.Join(names, ",") != "dash,a,b" {
		t.Fatalf("tabs %v, want dash first, then a, b", names)
	}
	if cfg.Tabs[2].Query != "query B($id: ID!) { b(id: $id) }" || cfg.Tabs[2].Variables["id"] != "b7" {
		t.Errorf("tab b: got %+v, want its query and variables", cfg.Tabs[2])
	}
	if cfg.Tabs[0].Variables != nil {
		t.Errorf("tab dash: variables %v, want none", cfg.Tabs[0].Variables)
	}
}

// The project's own example operations: every one is a tab, the dashboard
// first, each variables file a JSON object.
func TestConfigOfTheExampleOperations(t *testing.T) {
	srv, _ := server(t, playground.Options{Operations: gqlbff.Operations(), First: gqlbff.DefaultOperation})
	_, body := get(t, srv, "/playground/config.json")
	var cfg configJSON
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir("../../testdata/operations")
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".graphql") {
			want++
		}
	}
	if len(cfg.Tabs) != want || cfg.Tabs[0].Name != "dashboard" {
		t.Fatalf("got %d tabs, first %q; want %d, dashboard first", len(cfg.Tabs), cfg.Tabs[0].Name, want)
	}
	for _, tab := range cfg.Tabs {
		b, err := os.ReadFile("../../testdata/operations/" + tab.Name + ".graphql")
		if err != nil || string(b) != tab.Query {
			t.Errorf("tab %s: query differs from its file (%v)", tab.Name, err)
		}
	}
	if len(cfg.Headers) != 0 {
		t.Errorf("headers %v, want none unless given", cfg.Headers)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		opts playground.Options
	}{
		{"no endpoint", playground.Options{}},
		{"variables not an object", playground.Options{Endpoint: "/graphql", Operations: fstest.MapFS{
			"a.graphql": {Data: []byte("{ a }")}, "a.variables.json": {Data: []byte(`["id"]`)},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := playground.New(tt.opts); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}
