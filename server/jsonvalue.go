package server

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// scanObject is the fast path of decoding a body's variables or
// extensions: the JSON object at b[i:] decoded into what encoding/json's
// Decoder with UseNumber gives (map[string]any, []any, string, json.Number,
// bool, nil), in one pass, its strings sharing one copy of the object's
// text instead of one allocation each. It takes only an object that is
// valid JSON, whose strings are plain (printable ASCII with one-character
// escapes, or valid UTF-8 without escapes), that repeats no key and nests
// at most maxScanDepth deep; ok is false for any other, which goes the
// general way (the decoder, then repeatsKey) for its value or its refusal.
// FuzzScanObjectIsDecoder holds it to the decoder.
func scanObject(b []byte, i int) (m map[string]any, next int, ok bool) {
	end := objectEnd(b, i)
	if end < 0 {
		return nil, 0, false
	}
	sc := objectScanner{b: b[i:end], s: string(b[i:end])}
	m, n, ok := sc.object(0)
	if !ok || n != len(sc.b) {
		return nil, 0, false
	}
	return m, end, true
}

// maxScanDepth is the deepest nesting scanObject takes; deeper objects go
// the general way.
const maxScanDepth = 32

// objectEnd is the index after the object that opens at b[i], found by
// counting brackets outside strings, or -1. It does not check the JSON:
// the scanner that follows does.
func objectEnd(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		j := bytes.IndexAny(b[i:], `{}[]"`)
		if j < 0 {
			return -1
		}
		i += j
		switch b[i] {
		case '{', '[':
			depth++
			if depth > maxScanDepth {
				return -1
			}
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return -1
			}
		case '"':
			end, _ := stringEnd(b, i)
			if end < 0 {
				return -1
			}
			i = end
		}
		i++
	}
	return -1
}

// objectScanner decodes one object: b is its text and s the same as a
// string, of which the plain strings decoded are substrings.
type objectScanner struct {
	b []byte
	s string
	// items holds the elements of the arrays being decoded; each array is
	// copied out of it, at its size, when it closes.
	items []any
}

func (sc *objectScanner) value(i int) (v any, next int, ok bool) {
	if i >= len(sc.b) {
		return nil, 0, false
	}
	switch c := sc.b[i]; {
	case c == '{':
		return sc.object(i)
	case c == '[':
		return sc.array(i)
	case c == '"':
		s, n, ok := sc.str(i)
		if !ok {
			return nil, 0, false
		}
		return s, n, true
	case c == 't':
		if bytes.HasPrefix(sc.b[i:], []byte("true")) {
			return true, i + 4, true
		}
	case c == 'f':
		if bytes.HasPrefix(sc.b[i:], []byte("false")) {
			return false, i + 5, true
		}
	case c == 'n':
		if bytes.HasPrefix(sc.b[i:], []byte("null")) {
			return nil, i + 4, true
		}
	case c == '-' || c >= '0' && c <= '9':
		n := numberEnd(sc.b, i)
		if n < 0 {
			return nil, 0, false
		}
		return json.Number(sc.s[i:n]), n, true
	}
	// A literal that runs on ("truex") is refused by the caller, which
	// finds no ',' or closing bracket after it.
	return nil, 0, false
}

func (sc *objectScanner) object(i int) (m map[string]any, next int, ok bool) {
	m = make(map[string]any)
	i = skipSpace(sc.b, i+1)
	if i < len(sc.b) && sc.b[i] == '}' {
		return m, i + 1, true
	}
	for {
		if i >= len(sc.b) || sc.b[i] != '"' {
			return nil, 0, false
		}
		key, n, ok := sc.str(i)
		if !ok {
			return nil, 0, false
		}
		if _, dup := m[key]; dup {
			return nil, 0, false // repeatsKey's refusal, the general way
		}
		i = skipSpace(sc.b, n)
		if i >= len(sc.b) || sc.b[i] != ':' {
			return nil, 0, false
		}
		v, n, ok := sc.value(skipSpace(sc.b, i+1))
		if !ok {
			return nil, 0, false
		}
		m[key] = v
		i = skipSpace(sc.b, n)
		if i >= len(sc.b) {
			return nil, 0, false
		}
		switch sc.b[i] {
		case '}':
			return m, i + 1, true
		case ',':
			i = skipSpace(sc.b, i+1)
		default:
			return nil, 0, false
		}
	}
}

func (sc *objectScanner) array(i int) (a []any, next int, ok bool) {
	i = skipSpace(sc.b, i+1)
	if i < len(sc.b) && sc.b[i] == ']' {
		return []any{}, i + 1, true
	}
	if sc.items == nil {
		sc.items = make([]any, 0, 32)
	}
	mark := len(sc.items)
	for {
		v, n, ok := sc.value(i)
		if !ok {
			return nil, 0, false // the scan is abandoned: items no longer matter
		}
		sc.items = append(sc.items, v)
		i = skipSpace(sc.b, n)
		if i >= len(sc.b) {
			return nil, 0, false
		}
		switch sc.b[i] {
		case ']':
			a = make([]any, len(sc.items)-mark)
			copy(a, sc.items[mark:])
			sc.items = sc.items[:mark]
			return a, i + 1, true
		case ',':
			i = skipSpace(sc.b, i+1)
		default:
			return nil, 0, false
		}
	}
}

// str decodes the string at b[i] (a '"') as the decoder does, for the
// strings it takes: valid UTF-8 without escapes (a substring of s, no
// copy), or printable ASCII with one-character escapes.
func (sc *objectScanner) str(i int) (s string, next int, ok bool) {
	end, escaped := stringEnd(sc.b, i)
	if end < 0 {
		return "", 0, false
	}
	raw := sc.b[i+1 : end]
	if !escaped {
		ascii := true
		for _, c := range raw {
			if c < 0x20 {
				return "", 0, false // the decoder refuses a control character
			}
			if c >= utf8.RuneSelf {
				ascii = false
			}
		}
		if ascii || utf8.Valid(raw) {
			return sc.s[i+1 : end], end + 1, true
		}
		return "", 0, false // a bad byte: the decoder writes U+FFFD
	}
	u, ok := unescapeASCII(raw)
	if !ok {
		return "", 0, false
	}
	return u, end + 1, true
}

// numberEnd is the index after the JSON number at b[i], or -1 for text
// that is not one: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
