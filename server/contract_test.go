package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gqlbff/gqlbff/persisted"
	"github.com/gqlbff/gqlbff/server"
)

// contractHarness lets partner send free-form text and introspect, so what
// is checked is its contract, not the persisted-only or introspection
// policies; partner excludes pii (the default) and internal (CustomerStats).
func contractHarness(t *testing.T, opts ...option) *harness {
	return newHarness(t, append([]option{withConfig(func(c *server.Config) {
		c.Profiles.Web.Introspection = true
		c.Profiles.Partner.Introspection = true
		c.Profiles.Partner.PersistedQueries = server.ModeOff
		c.Profiles.Partner.ExcludeTags = []string{"pii", "internal"}
	})}, opts...)...)
}

func TestContractHidesFieldsAndTypesFromValidation(t *testing.T) {
	h := contractHarness(t)
	web := bearer(token("c1", "web", allScopes...))
	cases := []struct {
		name, op string
		want     string // the partner's error message; web runs the operation
	}{
		{"a pii field", `{ customer(id: "c1") { id email } }`,
			`Cannot query field "email" on type "Customer".`},
		{"a field of a hidden type", `{ customer(id: "c1") { stats { orderCount } } }`,
			`Cannot query field "stats" on type "Customer".`},
		{"a hidden type in a fragment", `{ customer(id: "c1") { stats { ...S } } } fragment S on CustomerStats { orderCount }`,
			`Cannot query field "stats" on type "Customer".`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a := h.query(tc.op, nil, "Authorization", web); a.status != http.StatusOK {
				t.Errorf("web: got %d %s, want 200", a.status, a.body)
			}
			a := h.query(tc.op, nil, "Authorization", partner)
			r := a.response(t)
			if a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" || r.Data != nil {
				t.Fatalf("partner: got %d %s, want 400 GRAPHQL_VALIDATION_FAILED", a.status, a.body)
			}
			if r.Errors[0].Message != tc.want {
				t.Errorf("partner: message %q, want %q (that of a field that does not exist)", r.Errors[0].Message, tc.want)
			}
		})
	}
	t.Run("the same message as a field that does not exist", func(t *testing.T) {
		hidden := h.query(`{ customer(id: "c1") { email } }`, nil, "Authorization", partner).response(t)
		unknown := h.query(`{ customer(id: "c1") { nosuch } }`, nil, "Authorization", partner).response(t)
		if len(hidden.Errors) != 1 || len(unknown.Errors) != 1 ||
			strings.Replace(unknown.Errors[0].Message, "nosuch", "email", 1) != hidden.Errors[0].Message {
			t.Errorf("hidden %+v, unknown %+v: want the same message", hidden.Errors, unknown.Errors)
		}
	})
	t.Run("no suggestion reveals a hidden field", func(t *testing.T) {
		for _, op := range []string{`{ customer(id: "c1") { emai } }`, `{ customer(id: "c1") { stat } }`} {
			r := h.query(op, nil, "Authorization", partner).response(t)
			if len(r.Errors) != 1 || strings.Contains(r.Errors[0].Message, "Did you mean") {
				t.Errorf("%s: %+v, want one error without a suggestion", op, r.Errors)
			}
		}
		// web sees the whole schema and keeps its suggestions.
		r := h.query(`{ customer(id: "c1") { emai } }`, nil, "Authorization", web).response(t)
		if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, `Did you mean "email"`) {
			t.Errorf("web: %+v, want the suggestion", r.Errors)
		}
	})
	t.Run("concurrent refusals share the cached verdict safely", func(t *testing.T) {
		// Under -race: the refusal must not write to the cached error.
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if a := h.query(`{ customer(id: "c2") { email } }`, nil, "Authorization", partner); a.status != http.StatusBadRequest {
					t.Errorf("got %d %s, want 400", a.status, a.body)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("the visible part runs", func(t *testing.T) {
		a := h.query(`{ customer(id: "c1") { id name tier } }`, nil, "Authorization", partner)
		if r := a.response(t); a.status != http.StatusOK || len(r.Errors) != 0 {
			t.Errorf("got %d %s, want 200", a.status, a.body)
		}
	})
}

func TestContractHidesFieldsAndTypesFromIntrospection(t *testing.T) {
	h := contractHarness(t)
	web := bearer(token("c1", "web", allScopes...))
	type field struct{ Name string }
	var got struct {
		Customer struct{ Fields []field }
		Stats    *struct{ Name string }
		Schema   struct{ Types []field } `json:"__schema"`
	}
	const op = `{ Customer: __type(name: "Customer") { fields { name } } Stats: __type(name: "CustomerStats") { name } __schema { types { name } } }`
	names := func(fs []field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	for _, tc := range []struct {
		who    string
		auth   string
		hidden bool
	}{{"web", web, false}, {"partner", partner, true}} {
		t.Run(tc.who, func(t *testing.T) {
			a := h.query(op, nil, "Authorization", tc.auth)
			r := a.response(t, "Stats")
			if a.status != http.StatusOK || len(r.Errors) != 0 {
				t.Fatalf("got %d %s", a.status, a.body)
			}
			got.Stats = nil
			decodeData(t, r, &got)
			fields, types := names(got.Customer.Fields), names(got.Schema.Types)
			if slices.Contains(fields, "email") == tc.hidden || slices.Contains(fields, "stats") == tc.hidden {
				t.Errorf("Customer's fields %v: email and stats hidden should be %v", fields, tc.hidden)
			}
			if slices.Contains(types, "CustomerStats") == tc.hidden || (got.Stats == nil) != tc.hidden {
				t.Errorf("types %v, __type(CustomerStats) %v: CustomerStats hidden should be %v", types, got.Stats, tc.hidden)
			}
			if !slices.Contains(fields, "name") || !slices.Contains(types, "Order") {
				t.Errorf("fields %v, types %v: the visible schema is missing", fields, types)
			}
		})
	}
}

func TestContractFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		"GQLBFF_PROFILE_PARTNER_EXCLUDE_TAGS": "pii, internal",
		"GQLBFF_PROFILE_WEB_INCLUDE_TAGS":     "public",
	}
	cfg, err := server.LoadConfig("", func(k string) string { return env[k] }, server.WithDemo())
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Profiles.Partner.ExcludeTags; !slices.Equal(got, []string{"pii", "internal"}) {
		t.Errorf("partner excludeTags %q", got)
	}
	if got := cfg.Profiles.Web.IncludeTags; !slices.Equal(got, []string{"public"}) {
		t.Errorf("web includeTags %q", got)
	}
	if got := server.Default().Profiles.Partner.ExcludeTags; !slices.Equal(got, []string{"pii"}) {
		t.Errorf("partner's default excludeTags %q, want [pii]", got)
	}
}

func TestContractChecksTrustedDocumentsAtManifestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	// Me, serving every profile, partner's included.
	unscopedManifestOf(t, path, "me", "customers_by_ids")
	logs := &logBuffer{}
	h := newHarness(t, withManifest(path), withDeps(server.Deps{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	ids := demoIDs(t)
	if !strings.Contains(logs.String(), "outside the profile's contract") || !strings.Contains(logs.String(), "Me ("+ids["Me"]) ||
		strings.Contains(logs.String(), "CustomersByIds (") {
		t.Errorf("the manifest load logged %s, want Me (and only Me) outside partner's contract", logs.String())
	}
	web := bearer(token("c1", "web", allScopes...))
	if a := h.postJSON(map[string]any{"documentId": ids["Me"]}, "Authorization", web); a.status != http.StatusOK {
		t.Errorf("web runs Me: got %d %s", a.status, a.body)
	}
	a := h.postJSON(map[string]any{"documentId": ids["Me"]}, "Authorization", partner)
	if r := a.response(t); a.status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
		r.Errors[0].Message != `Cannot query field "email" on type "Customer".` {
		t.Errorf("partner runs Me: got %d %s, want 400 as for an unknown field", a.status, a.body)
	}
	a = h.postJSON(map[string]any{"documentId": ids["CustomersByIds"], "variables": map[string]any{"ids": []string{"c1"}}}, "Authorization", partner)
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) != 0 {
		t.Errorf("partner runs CustomersByIds: got %d %s", a.status, a.body)
	}
}

// TestTrustedDocumentsNameTheirProfiles: a document that names the
// profiles it serves (Me: web and mobile, as testdata/operations/me.graphql
// says) is checked against their contracts only, so partner's hiding email
// logs nothing, and it is not trusted for another profile: partner asking
// for it by id, by APQ hash or by its text is answered as for a document
// not in the manifest. One that names partner yet falls outside partner's
// contract is still logged, and so is a profile that does not exist.
func TestTrustedDocumentsNameTheirProfiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	manifestOf(t, path, "me", "customers_by_ids")
	logs := &logBuffer{}
	h := newHarness(t, withManifest(path), withDeps(server.Deps{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the manifest load warned:\n%s", logs.String())
	}
	ids := demoIDs(t)
	web := bearer(token("c1", "web", allScopes...))
	if a := h.postJSON(map[string]any{"documentId": ids["Me"]}, "Authorization", web); a.status != http.StatusOK {
		t.Errorf("web runs Me: got %d %s", a.status, a.body)
	}
	me := operation(t, "me")
	for name, body := range map[string]map[string]any{
		"documentId": {"documentId": ids["Me"]},
		"APQ hash":   {"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": ids["Me"]}}},
		"text":       {"query": me},
	} {
		a := h.postJSON(body, "Authorization", partner)
		r := a.response(t)
		if len(r.Errors) != 1 || !slices.Contains([]string{"PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_REQUIRED"}, r.Errors[0].Code()) || len(r.Data) > 0 && string(r.Data) != "null" {
			t.Errorf("partner runs Me by %s: got %d %s, want it answered as not trusted", name, a.status, a.body)
		}
	}
	a := h.postJSON(map[string]any{"documentId": ids["CustomersByIds"], "variables": map[string]any{"ids": []string{"c1"}}}, "Authorization", partner)
	if r := a.response(t); a.status != http.StatusOK || len(r.Errors) != 0 {
		t.Errorf("partner runs CustomersByIds, which names no profile: got %d %s", a.status, a.body)
	}

	// Me naming partner (and a profile that does not exist): still checked.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m persisted.ApolloManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for i := range m.Operations {
		if m.Operations[i].Name == "Me" {
			m.Operations[i].Profiles = []string{"partner", "kiosk"}
		}
	}
	b, _ = json.Marshal(m)
	path2 := filepath.Join(t.TempDir(), "manifest.json")
	writeAtomically(t, path2, b)
	logs2 := &logBuffer{}
	newHarness(t, withManifest(path2), withDeps(server.Deps{Logger: slog.New(slog.NewTextHandler(logs2, nil))}))
	if !strings.Contains(logs2.String(), "outside the profile's contract") || !strings.Contains(logs2.String(), "Me ("+ids["Me"]) ||
		!strings.Contains(logs2.String(), "profiles that do not exist") || !strings.Contains(logs2.String(), "kiosk") {
		t.Errorf("Me naming partner and kiosk: the load logged\n%s\nwant Me outside partner's contract, and kiosk unknown", logs2.String())
	}
}
