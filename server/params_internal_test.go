package server

import (
	"bytes"
	"encoding/json"
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
	fuzzFastPath(f, paramsSeeds, checkDecodeParams)
}

// fuzzFastPath fuzzes check, a fast path held to the general one, from seeds.
func fuzzFastPath(f *testing.F, seeds []string, check func(*testing.T, string) bool) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check(t, s)
	})
}

// checkSeeds runs check over seeds; the fast path must take the first
// usual of them.
func checkSeeds(t *testing.T, seeds []string, usual int, check func(*testing.T, string) bool) {
	for i, s := range seeds {
		if took := check(t, s); i < usual && !took {
			t.Errorf("%q: not taken by the fast path", s)
		}
	}
}

func TestDecodeParamsIsDecodeJSON(t *testing.T) {
	checkSeeds(t, paramsSeeds, 7, checkDecodeParams) // the usual bodies
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

// objectSeeds are objects for scanObject and beside it.
var objectSeeds = []string{
	`{"ids":["c1","c2","c3","c4","c5","c6","c7","c8","c9","c10","c11","c12","c13","c14","c15","c16","c17","c18","c19","c20","nope","c1"]}`,
	`{"id":"o42"}`,
	`{}`,
	` { "first" : 10 , "after" : null , "flag" : true , "off" : false } `,
	`{"a":{"b":[{"c":null},[],{},[1,[2,[3]]]]}}`,
	`{"n":[0,-0,1.5e3,-0.25,1E+2,2e-7,12345678901234567890123]}`,
	`{"s":"caf` + "\u00e9" + `","t":"a\"b\\c\/d\n\t","u":"}{\"]["}`,
	`{"persistedQuery":{"version":1,"sha256Hash":"abc"}}`,
	`{"a":1,"a":2}`,
	`{"a":{"x":1,"\u0078":2}}`,
	`{"/":1,"\/":2}`,
	`{"s":"\u0041"}`,
	"{\"s\":\"\xff\"}",
	"{\"s\":\"a\x01b\"}",
	`{"n":01}`,
	`{"n":1.}`,
	`{"n":.5}`,
	`{"n":-}`,
	`{"n":1e}`,
	`{"b":tru}`,
	`{"b":truex}`,
	`{"b":nul}`,
	`{"a":[1,]}`,
	`{"a":1,}`,
	`{"a" 1}`,
	`{"a":[}`,
	`{"a":{]}`,
	`{"a":"x`,
	`{"a":1}}`,
	`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
}

// FuzzScanObjectIsDecoder holds scanObject to the general way of decoding
// an object: where it takes one, encoding/json's Decoder (UseNumber) takes
// the same text with the same value, and repeatsKey finds no repeat.
func FuzzScanObjectIsDecoder(f *testing.F) {
	fuzzFastPath(f, objectSeeds, checkScanObject)
}

func TestScanObjectIsDecoder(t *testing.T) {
	checkSeeds(t, objectSeeds, 8, checkScanObject) // the usual objects
}

func checkScanObject(t *testing.T, s string) bool {
	t.Helper()
	b := []byte(s)
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	fast, next, ok := scanObject(b, i)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b[i:]))
	dec.UseNumber()
	var slow map[string]any
	if err := dec.Decode(&slow); err != nil {
		t.Fatalf("%q: scanObject took it, the decoder refused it: %v", s, err)
	}
	if end := i + int(dec.InputOffset()); end != next {
		t.Fatalf("%q: scanObject ends at %d, the decoder at %d", s, next, end)
	}
	if repeatsKey(b[i:next]) {
		t.Fatalf("%q: scanObject took it, but it repeats a key", s)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: scanObject %#v, the decoder %#v", s, fast, slow)
	}
	return true
}
