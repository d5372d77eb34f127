package server

import (
	"reflect"
	"strings"
	"testing"
)

// paramsSeeds are bodies for the fast path and beside it.
var paramsSeeds = []string{
	`{"query":"query Q($ids: [ID!]!) {\n  customers(ids: $ids) { id name }\n}","operationName":"Q","variables":{"ids":["c1","c2",1.5e3,-0]}}`,
	`{"query":"{ me { id } }"}`,
	` {"query" : "{ me { id } }" , "variables" : null , "operationName" : null } `,
	`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}},"variables":{"id":"o42"}}`,
	`{"documentId":"sha256:abc","variables":{}}`,
	`{}`,
	`{"query":"caf` + "\u00e9" + `","variables":{"a":{"b":[{"c":null}]}}}`,
	"{\"query\":\"\xff\xfe\"}",
	"{\"query\":\"a\x01b\"}",
	`{"query":"a","query":"b"}`,
	`{"variables":{"a":1,"a":2}}`,
	`{"variables":{"a":{"x":1,"\u0078":2}}}`,
	`{"Query":"{ me { id } }"}`,
	`{"query":"{ me { id } }","other":1}`,
	`{"query":1}`,
	`{"variables":[1]}`,
	`{"variables":"x"}`,
	`{"query":"a"} x`,
	`{"query":"a",}`,
	`{"query":nul}`,
	`{"query":nullx}`,
	`{"variables":{"s":"}{\"]["}}`,
	`{"variables":{"a":1}}}`,
	`{"query":"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00"}`,
	`{"variables":{"n":12345678901234567890123}}`,
	`[{"query":"a"}]`,
	`"query"`,
	`{"query":"a"`,
}

// FuzzDecodeParamsIsDecodeJSON holds the fast path of a body's decoding to
// the general one: where it takes a body, decodeJSON takes it too, with
// the same params, and repeatsKey finds no repeat; where it does not, it
// leaves params as they were.
func FuzzDecodeParamsIsDecodeJSON(f *testing.F) {
	for _, s := range paramsSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDecodeParams(t, s)
	})
}

func TestDecodeParamsIsDecodeJSON(t *testing.T) {
	for i, s := range paramsSeeds {
		// The fast path takes the usual bodies: the first seven seeds.
		if took := checkDecodeParams(t, s); i < 7 && !took {
			t.Errorf("%q: not taken by the fast path", s)
		}
	}
	deep := `{"variables":{"a":` + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + `}}`
	if checkDecodeParams(t, deep) {
		t.Errorf("the fast path took variables nested 9000 deep (20 KB), want them left to the decoder")
	}
}

func checkDecodeParams(t *testing.T, s string) bool {
	t.Helper()
	sentinel := params{Query: "sentinel", Variables: map[string]any{"x": 1}}
	fast := sentinel
	if !decodeParams([]byte(s), &fast) {
		if !reflect.DeepEqual(fast, sentinel) {
			t.Fatalf("%q: not taken, but params changed to %+v", s, fast)
		}
		return false
	}
	var slow params
	if err := decodeJSON([]byte(s), &slow); err != nil {
		t.Fatalf("%q: the fast path took it, decodeJSON refused it: %v", s, err)
	}
	if repeatsKey([]byte(s)) {
		t.Fatalf("%q: the fast path took it, but it repeats a key", s)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast path %#v, decodeJSON %#v", s, fast, slow)
	}
	return true
}
