package server

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// repeatsKey reports whether a valid JSON text has an object that repeats
// a key, at any depth, keys compared as decoded (so "a" and "\u0061" are
// the same key, as are two bytes that are not UTF-8). encoding/json keeps the last of a repeated key; a proxy or
// a firewall in front of gqlbff may read the first, and then the two judge
// different requests: a body that repeats a key is refused (HARDENING.md).
// One pass over the bytes; an object of up to 16 keys allocates no index,
// and the objects at one depth share their key list.
func repeatsKey(b []byte) bool {
	// stack holds the open objects and arrays; a closed one's key slice
	// is kept for the next object at its depth.
	var stack []jsonObject
	depth := 0
	expectKey := false
	for i := 0; i < len(b); {
		j := bytes.IndexAny(b[i:], `{}[],"`)
		if j < 0 {
			return false
		}
		i += j
		switch b[i] {
		case '{', '[':
			if depth == len(stack) {
				stack = append(stack, jsonObject{})
			}
			o := &stack[depth]
			o.array, o.keys, o.index = b[i] == '[', o.keys[:0], nil
			depth++
			expectKey = b[i] == '{'
			i++
		case '}', ']':
			if depth == 0 {
				return false // not valid JSON: the decoder says so
			}
			depth--
			expectKey = false
			i++
		case ',':
			expectKey = depth > 0 && !stack[depth-1].array
			i++
		case '"':
			end, escaped := stringEnd(b, i)
			if end < 0 {
				return false
			}
			if expectKey {
				key := b[i+1 : end]
				if escaped || !utf8.Valid(key) { // decoded as the decoder does: U+FFFD for a bad byte
					var s string
					if json.Unmarshal(b[i:end+1], &s) != nil {
						return false
					}
					key = []byte(s)
				}
				if stack[depth-1].add(key) {
					return true
				}
				expectKey = false
			}
			i = end + 1
		}
	}
	return false
}

// stringEnd is the index of the quote that ends the string opening at
// b[start], -1 if none; escaped reports a backslash inside.
func stringEnd(b []byte, start int) (end int, escaped bool) {
	for i := start + 1; i < len(b); {
		j := bytes.IndexAny(b[i:], `"\`)
		if j < 0 {
			return -1, escaped
		}
		i += j
		if b[i] == '"' {
			return i, escaped
		}
		escaped = true
		i += 2 // a backslash and the character it escapes
	}
	return -1, escaped
}

// jsonObject is an open array, or the keys of an open object met so far.
type jsonObject struct {
	array bool
	keys  [][]byte
	index map[string]struct{}
}

// add records a key and reports whether the object had it already.
func (o *jsonObject) add(key []byte) bool {
	if o.index != nil {
		if _, ok := o.index[string(key)]; ok {
			return true
		}
		o.index[string(key)] = struct{}{}
		return false
	}
	for _, k := range o.keys {
		if bytes.Equal(k, key) {
			return true
		}
	}
	o.keys = append(o.keys, key)
	if len(o.keys) > 16 {
		o.index = make(map[string]struct{}, 2*len(o.keys))
		for _, k := range o.keys {
			o.index[string(k)] = struct{}{}
		}
		o.keys = nil
	}
	return false
}
