package server_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/server"
)

const (
	module       = "github.com/gqlbff/gqlbff"
	schemaFile   = "config.schema.json"
	readmeFile   = "../README.md"
	readmeBegin  = "<!-- config:begin (generated from the config types by TestReadmeConfigIsCurrent; go test ./server -run TestReadmeConfigIsCurrent -update) -->\n"
	readmeEnd    = "<!-- config:end -->\n"
	schemaID     = "https://github.com/gqlbff/gqlbff/server/config.schema.json"
	schemaTitle  = "gqlbff configuration"
	updateAdvice = "go test ./server -run 'TestConfigSchemaIsCurrent|TestReadmeConfigIsCurrent' -update"
)

// updating reports whether -update (config_test.go's flag) was given.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func configDocs(t *testing.T) config.Docs {
	t.Helper()
	cfg := server.Default()
	docs, err := config.ReadDocs(&cfg, module, "..")
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// TestConfigSchemaIsCurrent checks that the committed JSON Schema (what
// gqlbff config schema prints) is what the config types, their doc
// comments and the defaults make, so a new key shows up in editors.
func TestConfigSchemaIsCurrent(t *testing.T) {
	cfg := server.Default()
	want, err := config.Schema(&cfg, "GQLBFF", schemaID, schemaTitle, configDocs(t))
	if err != nil {
		t.Fatal(err)
	}
	if updating() {
		if err := os.WriteFile(schemaFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(server.ConfigSchema(), want) {
		t.Errorf("server/%s is out of date with the config types: run %s", schemaFile, updateAdvice)
	}
	for _, k := range []string{`"listen"`, `"maxCost"`, `Environment: GQLBFF_ORDERS_URL."`} {
		if !bytes.Contains(want, []byte(k)) {
			t.Errorf("the schema has no %s", k)
		}
	}
}

// TestReadmeConfigIsCurrent checks that README.md's configuration table is
// the one the config types, their doc comments and the defaults make.
func TestReadmeConfigIsCurrent(t *testing.T) {
	cfg := server.Default()
	table := config.Table(&cfg, "GQLBFF", configDocs(t))
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := strings.Cut(string(readme), readmeBegin)
	current, after, ok2 := strings.Cut(rest, readmeEnd)
	if !ok || !ok2 {
		t.Fatalf("README.md has no generated configuration section (%q … %q)", readmeBegin, readmeEnd)
	}
	if updating() {
		if err := os.WriteFile(readmeFile, []byte(before+readmeBegin+table+readmeEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if current != table {
		t.Errorf("README.md's configuration table is out of date with the config types: run %s", updateAdvice)
	}
}
