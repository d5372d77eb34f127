package playground

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// config is what /playground/config.json answers: everything the bootstrap
// script needs, so that the page carries no inline script.
type config struct {
	// Endpoint is the GraphQL endpoint, relative to the page.
	Endpoint string `json:"endpoint"`
	// Headers pre-fill the headers editor.
	Headers map[string]string `json:"headers"`
	// Tabs are the operations opened as tabs, the first one active.
	Tabs []tab `json:"tabs"`
	// Profile is the client profile the page plays as, and Profiles all
	// it can (/?profile=NAME); empty without Options.Profiles.
	Profile  string   `json:"profile,omitempty"`
	Profiles []string `json:"profiles,omitempty"`
	// Schema is the profile's schema as an introspection result ({"__schema":
	// …}): the page's docs show it instead of introspecting.
	Schema json.RawMessage `json:"schema,omitempty"`
}

// tab is one example operation.
type tab struct {
	Name      string         `json:"name"`
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
	// DocumentID, when set, is the trusted document the page sends by id
	// instead of the query text (a profile that may only send ids).
	DocumentID string `json:"documentId,omitempty"`
}

func newConfig(opts Options) (config, error) {
	cfg := config{Endpoint: opts.Endpoint, Headers: opts.Headers, Tabs: []tab{}}
	if cfg.Headers == nil {
		cfg.Headers = map[string]string{}
	}
	if opts.Operations == nil {
		return cfg, nil
	}
	names, err := fs.Glob(opts.Operations, "*.graphql")
	if err != nil {
		return cfg, fmt.Errorf("playground: operations: %w", err)
	}
	for _, n := range names {
		t, err := readTab(opts.Operations, strings.TrimSuffix(n, ".graphql"))
		if err != nil {
			return cfg, err
		}
		cfg.Tabs = append(cfg.Tabs, t)
	}
	// fs.Glob answers in name order; move the first tab to the front.
	if i := slices.IndexFunc(cfg.Tabs, func(t tab) bool { return t.Name == opts.First }); i > 0 {
		first := cfg.Tabs[i]
		copy(cfg.Tabs[1:i+1], cfg.Tabs[:i])
		cfg.Tabs[0] = first
	}
	return cfg, nil
}

// profileConfigs are the config of each profile of opts, by name: its
// headers, its schema, and the tabs it can run.
func profileConfigs(base config, opts Options) (map[string][]byte, error) {
	out := make(map[string][]byte, len(opts.Profiles))
	names := make([]string, len(opts.Profiles))
	for i, p := range opts.Profiles {
		names[i] = p.Name
	}
	for _, p := range opts.Profiles {
		cfg := base
		cfg.Profile, cfg.Profiles, cfg.Schema = p.Name, names, p.Schema
		cfg.Headers = p.Headers
		if cfg.Headers == nil {
			cfg.Headers = map[string]string{}
		}
		cfg.Tabs = []tab{}
		for _, t := range base.Tabs {
			if p.Operation != nil {
				run, id := p.Operation(t.Name, t.Query)
				if !run {
					continue
				}
				t.DocumentID = id
			}
			cfg.Tabs = append(cfg.Tabs, t)
		}
		b, err := json.Marshal(cfg)
		if err != nil {
			return nil, fmt.Errorf("playground: profile %s: %w", p.Name, err)
		}
		out[p.Name] = b
	}
	return out, nil
}

func readTab(ops fs.FS, name string) (tab, error) {
	q, err := fs.ReadFile(ops, name+".graphql")
	if err != nil {
		return tab{}, fmt.Errorf("playground: operation %s: %w", name, err)
	}
	t := tab{Name: name, Query: string(q)}
	v, err := fs.ReadFile(ops, name+".variables.json")
	switch {
	case err == nil:
		if err := json.Unmarshal(v, &t.Variables); err != nil {
			return tab{}, fmt.Errorf("playground: %s.variables.json: want a JSON object: %w", name, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return tab{}, fmt.Errorf("playground: operation %s: %w", name, err)
	}
	return t, nil
}
