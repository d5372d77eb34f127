package persisted_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/persisted"
)

func TestNormalizeFoldsWhatTheLanguageIgnores(t *testing.T) {
	want := `query Order($id:ID!){order(id:$id){id status}}`
	cases := []struct{ name, doc string }{
		{"already normal", want},
		{"pretty", "query Order($id: ID!) {\n  order(id: $id) {\n    id\n    status\n  }\n}\n"},
		{"comments", "# the order screen\nquery Order($id: ID!) { # one order\n order(id: $id) { id status } }"},
		{"commas and tabs", "query Order($id: ID!,) {\torder(id: $id,) { id, status, } }"},
		{"CRLF and BOM", "\ufeffquery Order($id: ID!)\r\n{ order(id: $id)\r\n{ id status } }"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := persisted.Normalize(tc.doc, 0)
			if err != nil || got != want {
				t.Errorf("got %q, %v; want %q", got, err, want)
			}
		})
	}
}

func TestNormalizeKeepsWhatMatters(t *testing.T) {
	cases := []struct{ name, a, b string }{
		{"field order", `{ order(id: "1") { id status } }`, `{ order(id: "1") { status id } }`},
		{"string value", `{ order(id: "1") { id } }`, `{ order(id: "2") { id } }`},
		{"spaces inside a string", `{ order(id: "a b") { id } }`, `{ order(id: "a  b") { id } }`},
		{"names apart", `{ a: order(id: 1) { id } }`, `{ a: order(id: 11) { id } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, errA := persisted.Normalize(tc.a, 0)
			b, errB := persisted.Normalize(tc.b, 0)
			if errA != nil || errB != nil || a == b {
				t.Errorf("got %q and %q (%v, %v), want two different forms", a, b, errA, errB)
			}
		})
	}
}

func TestNormalizeStrings(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"block string becomes a string", "{ order(id: \"\"\"\n  a\n  \"b\"\n\"\"\") { id } }", `{order(id:"a\n\"b\""){id}}`},
		{"escapes are kept as values", `{ order(id: "\u00e9\t\"") { id } }`, `{order(id:"é\t\""){id}}`},
		{"no HTML escaping", `{ order(id: "<&>") { id } }`, `{order(id:"<&>"){id}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := persisted.Normalize(tc.doc, 0)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	if _, err := persisted.Normalize(`{ order(id: "unterminated) { id } }`, 0); err == nil {
		t.Error("unterminated string: got no error, want one")
	}
	long := "{" + strings.Repeat(" a", 100) + " }"
	if _, err := persisted.Normalize(long, 50); !errors.Is(err, persisted.ErrTooManyTokens) {
		t.Errorf("102 tokens with a limit of 50: got %v, want ErrTooManyTokens", err)
	}
	if _, err := persisted.Normalize(long, 200); err != nil {
		t.Errorf("102 tokens with a limit of 200: got %v, want none", err)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		`query Order($id: ID!) { order(id: $id) { id ...F } } fragment F on Order { status }`,
		"{ a(s: \"\"\"x\n\"y\"\"\"\") }", `{ a(f: 1.5e3, l: [1 2], o: {x: "\u0041"}) @skip(if: false) }`,
		"# c\n{ a }", `{ a(x: "\ud83d\ude00") }`, "\"\"\"", "1a", "{ ... on T { a } }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		n1, err := persisted.Normalize(doc, 1000)
		if err != nil {
			return
		}
		n2, err := persisted.Normalize(n1, 1000)
		if err != nil || n2 != n1 {
			t.Errorf("not idempotent: %q → %q → %q (%v)", doc, n1, n2, err)
		}
	})
}

func ExampleNormalize() {
	n, _ := persisted.Normalize(`
		# The order screen.
		query Order($id: ID!) {
		  order(id: $id) { id, status }
		}`, 0)
	fmt.Println(n)
	fmt.Println(persisted.Hash(n))
	// Output:
	// query Order($id:ID!){order(id:$id){id status}}
	// 8dbd3e0cbd49da1091d00617125909fdd5a11ce6adb19b7ee06226f1e13e9153
}
