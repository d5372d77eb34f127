package config_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/internal/config"
)

type inner struct {
	Name  string        `yaml:"name" env:"NAME"`
	Wait  time.Duration `yaml:"wait" env:"WAIT"`
	Ratio float64       `yaml:"ratio" env:"RATIO"`
}

type item struct {
	File string `yaml:"file"`
	Alg  string `yaml:"alg"`
}

type sample struct {
	Listen  string            `yaml:"listen" env:"LISTEN"`
	On      bool              `yaml:"on" env:"ON"`
	Count   int               `yaml:"count" env:"COUNT"`
	Small   int8              `yaml:"small" env:"SMALL"`
	Retries *int              `yaml:"retries" env:"RETRIES"`
	Tags    []string          `yaml:"tags" env:"TAGS"`
	Items   []item            `yaml:"items" env:"ITEMS"`
	Labels  map[string]string `yaml:"labels"`
	Inner   inner             `yaml:"inner" env:"INNER"`
	NoEnv   inner             `yaml:"noEnv"`
}

func TestDecode(t *testing.T) {
	var got sample
	got.Count = 9 // a default the file leaves alone
	err := config.Decode([]byte(`
listen: 0.0.0.0:1
on: yes
small: 12
retries: 0
tags: [a, b]
items: [{file: k.pem, alg: RS256}]
labels: {team: api}
inner: {name: x, wait: 1m30s, ratio: 0.5}
noEnv: ~
`), &got)
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	want := sample{Listen: "0.0.0.0:1", On: true, Count: 9, Small: 12, Retries: &zero, Tags: []string{"a", "b"},
		Items: []item{{"k.pem", "RS256"}}, Labels: map[string]string{"team": "api"},
		Inner: inner{Name: "x", Wait: 90 * time.Second, Ratio: 0.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDecodeProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		keys       []string
		values     []string
	}{
		{"typo", "listn: x\n", []string{"listn"}, []string{""}},
		{"nested typo", "inner: {nmae: x}\n", []string{"inner.nmae"}, []string{""}},
		{"word for an integer", "count: lots\n", []string{"count"}, []string{"lots"}},
		{"fraction for an integer", "count: 1.5\n", []string{"count"}, []string{"1.5"}},
		{"overflow", "small: 300\n", []string{"small"}, []string{"300"}},
		{"duration without a unit", "inner: {wait: 5}\n", []string{"inner.wait"}, []string{"5"}},
		{"mapping for a string", "listen: {a: 1}\n", []string{"listen"}, []string{""}},
		{"scalar for a list", "tags: a\n", []string{"tags"}, []string{"a"}},
		{"list item", "items: [{file: a}, {fiel: b}]\n", []string{"items[1].fiel"}, []string{""}},
		{"several at once", "count: x\non: maybe\ninner: {ratio: high}\n", []string{"count", "on", "inner.ratio"}, []string{"x", "maybe", "high"}},
		{"bad YAML", "listen: [\n", []string{""}, []string{""}},
		{"second document", "listen: a\n---\nlisten: b\n", []string{""}, []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s sample
			err := config.Decode([]byte(tc.yaml), &s)
			if got := config.Keys(err); !slices.Equal(got, tc.keys) {
				t.Fatalf("keys: got %q, want %q (%v)", got, tc.keys, err)
			}
			var values []string
			for _, e := range unjoin(err) {
				values = append(values, e.Value)
			}
			if !slices.Equal(values, tc.values) {
				t.Errorf("values: got %q, want %q", values, tc.values)
			}
		})
	}
}

func TestSuggestions(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"listn: x\n", "listen"},
		{"Listen: x\n", "listen"},
		{"inner: {nmae: x}\n", "inner.name"},
		{"inner: {ration: 1}\n", "inner.ratio"},
		{"wait: 1s\n", "inner.wait or noEnv.wait"}, // the key exists elsewhere
	}
	for _, tc := range cases {
		var s sample
		err := config.Decode([]byte(tc.yaml), &s)
		if es := unjoin(err); len(es) != 1 || !contains(es[0].Reason, "did you mean "+tc.want+"?") {
			t.Errorf("%q: got %v, want a suggestion of %s", tc.yaml, err, tc.want)
		}
	}
	var s sample
	if es := unjoin(config.Decode([]byte("zzzzzz: 1\n"), &s)); len(es) != 1 || contains(es[0].Reason, "did you mean") {
		t.Errorf("a key like none: got %v, want no suggestion", es)
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{
		"X_LISTEN": "h:1", "X_ON": "true", "X_RETRIES": "2", "X_TAGS": "a, b",
		"X_ITEMS": `[{"file": "k.pem", "alg": "ES256"}]`, "X_INNER_WAIT": "2s",
	}
	var got sample
	if err := config.ApplyEnv(&got, "X", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	two := 2
	want := sample{Listen: "h:1", On: true, Retries: &two, Tags: []string{"a", "b"},
		Items: []item{{"k.pem", "ES256"}}, Inner: inner{Wait: 2 * time.Second}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	bad := map[string]string{"X_COUNT": "lots", "X_INNER_WAIT": "5", "X_ITEMS": `[{"fiel": "k"}]`}
	err := config.ApplyEnv(&got, "X", func(k string) string { return bad[k] })
	if keys := config.Keys(err); !slices.Equal(keys, []string{"count", "items", "inner.wait"}) {
		t.Errorf("keys: got %q (%v)", keys, err)
	}
	var names []string
	for _, v := range config.Vars(&sample{}, "X") {
		names = append(names, v.Name+"="+v.Key)
	}
	wantNames := []string{"X_LISTEN=listen", "X_ON=on", "X_COUNT=count", "X_SMALL=small", "X_RETRIES=retries", "X_TAGS=tags",
		"X_ITEMS=items", "X_INNER_NAME=inner.name", "X_INNER_WAIT=inner.wait", "X_INNER_RATIO=inner.ratio"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("Vars: got %q, want %q", names, wantNames)
	}
}

func TestKeysAndPrefixed(t *testing.T) {
	err := errors.Join(config.Errorf("a", "x"), fmt.Errorf("wrapped: %w", config.Errorf("b.c", "y")), errors.New("plain"))
	if got := config.Keys(err); !slices.Equal(got, []string{"a", "b.c"}) {
		t.Errorf("Keys: got %q", got)
	}
	p := config.Prefixed("jwt", config.Errorf("keys[0]", "x"), config.Errorf("issuer", "y"), errors.New("z"))
	if got := config.Keys(errors.Join(p...)); !slices.Equal(got, []string{"jwt.keys[0]", "jwt.issuer", "jwt"}) {
		t.Errorf("Prefixed: got %q", got)
	}
}

func unjoin(err error) []*config.Error {
	var out []*config.Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	var e *config.Error
	if errors.As(err, &e) {
		out = append(out, e)
	}
	return out
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
