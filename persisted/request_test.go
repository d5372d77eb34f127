package persisted_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/gqlbff/gqlbff/persisted"
)

const hash64 = "8dbd3e0cbd49da1091d00617125909fdd5a11ce6adb19b7ee06226f1e13e9153"

func TestParseRequest(t *testing.T) {
	cases := []struct {
		name string
		ext  string
		want persisted.Request
		bad  bool
	}{
		{name: "nothing", ext: `{}`},
		{name: "other extensions only", ext: `{"tracing": true}`},
		{name: "document id", ext: `{"documentId": "sha256:` + hash64 + `"}`, want: persisted.Request{DocumentID: "sha256:" + hash64}},
		{name: "custom document id", ext: `{"documentId": "orders.v2~1"}`, want: persisted.Request{DocumentID: "orders.v2~1"}},
		{name: "apq", ext: `{"persistedQuery": {"version": 1, "sha256Hash": "` + hash64 + `"}}`, want: persisted.Request{APQHash: hash64}},
		{name: "apq upper case hash", ext: `{"persistedQuery": {"version": 1, "sha256Hash": "` + strings.ToUpper(hash64) + `"}}`, want: persisted.Request{APQHash: hash64}},
		{name: "null persistedQuery", ext: `{"persistedQuery": null}`},
		{name: "empty document id", ext: `{"documentId": ""}`, bad: true},
		{name: "document id not a string", ext: `{"documentId": 42}`, bad: true},
		{name: "document id with a slash", ext: `{"documentId": "../etc/passwd"}`, bad: true},
		{name: "document id too long", ext: `{"documentId": "` + strings.Repeat("a", 257) + `"}`, bad: true},
		{name: "apq not an object", ext: `{"persistedQuery": "` + hash64 + `"}`, bad: true},
		{name: "apq version 2", ext: `{"persistedQuery": {"version": 2, "sha256Hash": "` + hash64 + `"}}`, bad: true},
		{name: "apq version as a string", ext: `{"persistedQuery": {"version": "1", "sha256Hash": "` + hash64 + `"}}`, bad: true},
		{name: "apq without a version", ext: `{"persistedQuery": {"sha256Hash": "` + hash64 + `"}}`, bad: true},
		{name: "apq short hash", ext: `{"persistedQuery": {"version": 1, "sha256Hash": "abc"}}`, bad: true},
		{name: "apq hash not hex", ext: `{"persistedQuery": {"version": 1, "sha256Hash": "` + strings.Repeat("g", 64) + `"}}`, bad: true},
		{name: "apq hash not a string", ext: `{"persistedQuery": {"version": 1, "sha256Hash": 7}}`, bad: true},
		{name: "both", ext: `{"documentId": "x", "persistedQuery": {"version": 1, "sha256Hash": "` + hash64 + `"}}`, bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := persisted.ParseRequest(decodeExt(t, tc.ext))
			if tc.bad != (err != nil) || (err != nil && !errors.Is(err, persisted.ErrBadRequest)) || got != tc.want {
				t.Errorf("got %+v, %v; want %+v, error: %v", got, err, tc.want, tc.bad)
			}
		})
	}
}

func decodeExt(t testing.TB, s string) map[string]any {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Skip("not a JSON object")
	}
	return m
}

// FuzzParseRequest: whatever a client puts in extensions, parsing never
// panics, and an answer without an error is well formed.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"persistedQuery": {"version": 1, "sha256Hash": "` + hash64 + `"}}`,
		`{"documentId": "sha256:` + hash64 + `"}`,
		`{"persistedQuery": {"version": 1.0, "sha256Hash": null}}`,
		`{"persistedQuery": [1, 2], "documentId": {}}`,
		`{"persistedQuery": {"version": 1e0, "sha256Hash": "` + hash64 + `"}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ext := decodeExt(t, s)
		got, err := persisted.ParseRequest(ext)
		if err != nil {
			if !errors.Is(err, persisted.ErrBadRequest) {
				t.Errorf("error %v does not wrap ErrBadRequest", err)
			}
			return
		}
		if got.DocumentID != "" && got.APQHash != "" {
			t.Errorf("both set: %+v", got)
		}
		if got.APQHash != "" && (len(got.APQHash) != 64 || strings.ToLower(got.APQHash) != got.APQHash) {
			t.Errorf("hash %q is not 64 lower-case hex digits", got.APQHash)
		}
		if len(got.DocumentID) > 256 || strings.ContainsAny(got.DocumentID, "/ \"\n") {
			t.Errorf("document id %q let through", got.DocumentID)
		}
	})
}
