package server_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/internal/config"
	"github.com/gqlbff/gqlbff/server"
)

// TestConfigProblemsByKey checks that loading reports every problem of a
// file and of the environment at once, typed and semantic alike, each a
// *config.Error at its key path, with the key a typo most likely meant.
func TestConfigProblemsByKey(t *testing.T) {
	urls := "sources:\n  orders: {url: http://o}\n  customers: {url: http://c}\n  analytics: {url: http://a}\n"
	cases := []struct {
		name    string
		yaml    string
		env     map[string]string
		keys    []string          // every problem's key, in order
		suggest map[string]string // key → the key its message suggests
		values  map[string]string // key → the value it reports
	}{
		{name: "typo of a nested key", yaml: "sources:\n  orders: {url: http://o}\n  customers: {url: http://c}\n  analytics: {url: http://a}\n  timout: 2s\n",
			keys: []string{"sources.timout"}, suggest: map[string]string{"sources.timout": "sources.timeout"}},
		{name: "case of a key", yaml: urls + "http:\n  maxbodybytes: 10\n",
			keys: []string{"http.maxbodybytes"}, suggest: map[string]string{"http.maxbodybytes": "http.maxBodyBytes"}},
		{name: "transposed letters", yaml: urls + "profiles:\n  web:\n    maxCsot: 10\n",
			keys: []string{"profiles.web.maxCsot"}, suggest: map[string]string{"profiles.web.maxCsot": "profiles.web.maxCost"}},
		{name: "a key in the wrong section", yaml: urls + "graphql:\n  issuer: https://login\n",
			keys: []string{"graphql.issuer"}, suggest: map[string]string{"graphql.issuer": "jwt.issuer"}},
		{name: "a word for a number", yaml: urls + "profiles:\n  web:\n    maxCost: lots\n",
			keys: []string{"profiles.web.maxCost"}, values: map[string]string{"profiles.web.maxCost": "lots"}},
		{name: "a number without a unit for a duration", yaml: urls + "http:\n  requestTimeout: 5\n",
			keys: []string{"http.requestTimeout"}, values: map[string]string{"http.requestTimeout": "5"}},
		{name: "a list item", yaml: urls + "jwt:\n  keys:\n    - {file: a.pem, alg: RS256}\n    - {fiel: b.pem}\n",
			keys: []string{"jwt.keys[1].fiel", "jwt.keys[0]", "jwt.keys[1]"}, suggest: map[string]string{"jwt.keys[1].fiel": "jwt.keys[1].file"}},
		{name: "a key twice: the file is not read", yaml: urls + "sources:\n  timeout: 2s\n", keys: []string{""}},
		{
			name: "every problem at once, file, environment and values",
			yaml: "sources:\n  orders: {url: http://o}\n  customers: {url: http://c}\n  timout: 2s\n" +
				"profiles:\n  web: {maxCost: lots, costMode: enforced}\nlog: {level: loud}\n",
			env: map[string]string{"GQLBFF_SOURCE_RETRIES": "many"},
			keys: []string{"sources.timout", "profiles.web.maxCost", "sources.retries",
				"sources.analytics.url", "log.level", "profiles.web.costMode"},
			suggest: map[string]string{"sources.timout": "sources.timeout"},
			values:  map[string]string{"profiles.web.maxCost": "lots", "sources.retries": "many"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gqlbff.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := server.LoadConfig(path, func(k string) string {
				if k == "GQLBFF_JWT_SECRET" {
					return "a-configured-secret-of-32-bytes-or-more"
				}
				return tc.env[k]
			})
			if got := config.Keys(err); !slices.Equal(got, tc.keys) {
				t.Fatalf("keys: got %q, want %q\n%v", got, tc.keys, err)
			}
			for _, e := range problems(err) {
				if want, ok := tc.suggest[e.Key]; ok && (!strings.Contains(e.Reason, "did you mean ") || !strings.Contains(e.Reason, want)) {
					t.Errorf("%s: got %q, want it to suggest %s", e.Key, e.Reason, want)
				}
				if want, ok := tc.values[e.Key]; ok && e.Value != want {
					t.Errorf("%s: value got %q, want %q", e.Key, e.Value, want)
				}
			}
		})
	}
}

// TestMissingSourceURLSaysWhatToSet checks that a required setting left
// out names its key and its environment variable.
func TestMissingSourceURLSaysWhatToSet(t *testing.T) {
	_, err := server.LoadConfig("", func(k string) string {
		return map[string]string{"GQLBFF_ORDERS_URL": "http://o", "GQLBFF_CUSTOMERS_URL": "http://c",
			"GQLBFF_JWT_SECRET": "a-configured-secret-of-32-bytes-or-more"}[k]
	})
	ps := problems(err)
	if len(ps) != 1 || ps[0].Key != "sources.analytics.url" || !strings.Contains(ps[0].Reason, "GQLBFF_ANALYTICS_URL") {
		t.Errorf("got %v, want one problem at sources.analytics.url naming GQLBFF_ANALYTICS_URL", err)
	}
}

// problems lists the *config.Error values of err.
func problems(err error) []*config.Error {
	var out []*config.Error
	var walk func(error)
	walk = func(err error) {
		var e *config.Error
		switch u := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		default:
			if errors.As(err, &e) {
				out = append(out, e)
			}
		}
	}
	walk(err)
	return out
}
