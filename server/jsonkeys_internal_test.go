package server

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzRepeatsKey holds repeatsKey's byte scan to what decoding says: an
// object whose decoded keys are fewer than the keys it writes repeats one.
func FuzzRepeatsKey(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"a":1},"b":[{"a":1,"a":1}]}`, `[{"a":"}\"{"},{"a":1}]`,
		`{"k\"":1,"k\\":2}`, `{"` + "\u00e9" + `":1,"\u00e9":2}`, `{}`, `"a"`, "{\"\xff\":1,\"\xfe\":2}", `[1,{"x":[],"y":{}}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		if got, want := repeatsKey([]byte(s)), decodedRepeat([]byte(s)); got != want {
			t.Fatalf("repeatsKey(%s) = %v, decoding says %v", s, got, want)
		}
	})
}

// decodedRepeat decodes every object of a valid JSON text twice: into a
// map (one entry per distinct key) and as raw key-value pairs counted by a
// token walk.
func decodedRepeat(b []byte) bool {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return false
	}
	var walk func(raw json.RawMessage) bool
	walk = func(raw json.RawMessage) bool {
		switch raw[0] {
		case '{':
			var m map[string]json.RawMessage
			_ = json.Unmarshal(raw, &m)
			if writtenKeys(raw) != len(m) {
				return true
			}
			for _, e := range m {
				if walk(e) {
					return true
				}
			}
		case '[':
			var l []json.RawMessage
			_ = json.Unmarshal(raw, &l)
			for _, e := range l {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	raw, _ := json.Marshal(json.RawMessage(b)) // compacted: raw[0] is the value's first byte
	return walk(raw)
}

// writtenKeys counts the keys an object's text writes at its top level.
func writtenKeys(obj json.RawMessage) int {
	dec := json.NewDecoder(bytes.NewReader(obj))
	_, _ = dec.Token() // {
	n := 0
	for dec.More() {
		_, _ = dec.Token() // the key
		var skip json.RawMessage
		_ = dec.Decode(&skip)
		n++
	}
	return n
}

// BenchmarkRepeatsKey is the check's cost on a request body: a typical
// one and a 1 MiB one of many small objects (BENCHMARKS.md).
func BenchmarkRepeatsKey(b *testing.B) {
	small := []byte(`{"query":"query OrderDetail($id: ID!) { order(id: $id) { id status total { amount currency } } }","operationName":"OrderDetail","variables":{"id":"o42"}}`)
	var big bytes.Buffer
	big.WriteString(`{"query":"{ a }","variables":{"list":[`)
	for big.Len() < 1<<20 {
		big.WriteString(`{"id":"c1","name":"a \"quoted\" name","n":12345},`)
	}
	big.WriteString(`{}]}}`)
	for name, body := range map[string][]byte{"typical": small, "1MiB": big.Bytes()} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if repeatsKey(body) {
					b.Fatal("repeat")
				}
			}
		})
	}
}
