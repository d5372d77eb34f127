package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/server"
)

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	urls := "sources:\n  orders: {url: http://o}\n  customers: {url: http://c}\n  analytics: {url: http://a}\n"
	if err := os.WriteFile(good, []byte(urls+"jwt: {secret: a-configured-secret-of-32-bytes-or-more}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(urls+"jwt: {secret: a-configured-secret-of-32-bytes-or-more}\nlisten: nope\nlog: {levle: debug}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		keys []string // nil: valid
	}{
		{"a good file", []string{good}, nil, nil},
		{"the file from GQLBFF_CONFIG", nil, map[string]string{"GQLBFF_CONFIG": good}, nil},
		{"a bad file", []string{bad}, nil, []string{"log.levle", "listen"}},
		{"a good file, a bad environment", []string{good}, map[string]string{"GQLBFF_HTTP_MAX_BODY_BYTES": "lots"}, []string{"http.maxBodyBytes"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"config", "validate"}, tc.args...), getenv(tc.env), &stdout, &stderr)
			if got := config.Keys(err); !slices.Equal(got, tc.keys) {
				t.Errorf("keys: got %q, want %q (%v)", got, tc.keys, err)
			}
			if (err == nil) != (stdout.Len() > 0) {
				t.Errorf("stdout: got %q with error %v, want a line exactly when valid", stdout.String(), err)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	var ue usageError
	if err := run(context.Background(), []string{"config", "validate", good, bad}, getenv(nil), &stdout, &stderr); !errors.As(err, &ue) {
		t.Errorf("two files: got %v, want a usage error", err)
	}
}

func TestConfigSchemaCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"config", "schema"}, getenv(nil), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), server.ConfigSchema()) || !bytes.Contains(stdout.Bytes(), []byte(`"$schema": "https://json-schema.org/draft/2020-12/schema"`)) {
		t.Errorf("got %.200s, want the committed JSON schema", stdout.String())
	}
}

// TestReadmeConfigExamples decodes every YAML example of README.md that is
// a gqlbff configuration (one with a top-level key of Config) as gqlbff
// would: no unknown key, no value of the wrong type.
func TestReadmeConfigExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	top := map[string]bool{}
	for _, v := range server.EnvVars() {
		k, _, _ := bytes.Cut([]byte(v.Key), []byte("."))
		top[string(k)] = true
	}
	top["tracing"] = true
	checked := 0
	for i, block := range bytes.Split(readme, []byte("```yaml\n"))[1:] {
		body, _, _ := bytes.Cut(block, []byte("```\n"))
		var keys map[string]any
		if err := yaml.Unmarshal(body, &keys); err != nil {
			continue // several documents, or not a mapping: another tool's file
		}
		ours := false
		for k := range keys {
			ours = ours || top[k]
		}
		if !ours {
			continue
		}
		checked++
		cfg := server.Default()
		if err := config.Decode(body, &cfg); err != nil {
			t.Errorf("README YAML example %d:\n%s\n%v", i+1, body, err)
		}
	}
	if checked < 2 {
		t.Errorf("checked %d configuration examples, want the Configuration and JWT ones at least", checked)
	}
}
