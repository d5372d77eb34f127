package server

import (
	"bytes"
	"encoding/json"
)

// decodeParams is the fast path of a POST body's decoding: a body that is
// one JSON object of the five members (query, operationName, variables,
// extensions, documentId, each once, under its own name), strings or null
// for the three strings and objects or null for the two objects, with
// nothing after it. It fills p exactly as decodeJSON would and checks the
// objects for repeated keys as repeatsKey would, scanning the rest of the
// body (the query text, most of it) once instead of three times (the
// decoder's validation, its decoding, repeatsKey). ok is false for any other
// body, valid or not, which then goes the general way (decodeJSON,
// repeatsKey) for its answer or its refusal: p is left as it was.
func decodeParams(body []byte, p *params) (ok bool) {
	if len(body) > maxParamsBody {
		return false
	}
	var out params
	var seen [5]bool
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			if i >= len(body) || body[i] != '"' {
				return false
			}
			end := bytes.IndexByte(body[i+1:], '"')
			if end < 0 {
				return false
			}
			field := paramField(body[i+1 : i+1+end])
			if field < 0 || seen[field] {
				return false
			}
			seen[field] = true
			i = skipSpace(body, i+end+2)
			if i >= len(body) || body[i] != ':' {
				return false
			}
			i = skipSpace(body, i+1)
			var next int
			switch field {
			case fieldQuery, fieldOperationName, fieldDocumentID:
				s, n, ok := decodeStringOrNull(body, i)
				if !ok {
					return false
				}
				switch field {
				case fieldQuery:
					out.Query = s
				case fieldOperationName:
					out.OperationName = s
				default:
					out.DocumentID = s
				}
				next = n
			default:
				m, n, ok := decodeObjectOrNull(body, i)
				if !ok {
					return false
				}
				if field == fieldVariables {
					out.Variables = m
				} else {
					out.Extensions = m
				}
				next = n
			}
			i = skipSpace(body, next)
			if i >= len(body) {
				return false
			}
			if body[i] == '}' {
				i++
				break
			}
			if body[i] != ',' {
				return false
			}
			i = skipSpace(body, i+1)
		}
	}
	if skipSpace(body, i) != len(body) {
		return false
	}
	*p = out
	return true
}

// The members of params, by their index in decodeParams's seen.
const (
	fieldQuery = iota
	fieldOperationName
	fieldVariables
	fieldExtensions
	fieldDocumentID
)

// paramField is the member a key names, exactly (encoding/json would also
// take other cases of the names: those bodies go the general way); -1 for
// any other key.
func paramField(key []byte) int {
	switch string(key) {
	case "query":
		return fieldQuery
	case "operationName":
		return fieldOperationName
	case "variables":
		return fieldVariables
	case "extensions":
		return fieldExtensions
	case "documentId":
		return fieldDocumentID
	}
	return -1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// isNull reports a null literal at b[i:], ending where a value may end.
func isNull(b []byte, i int) bool {
	if !bytes.HasPrefix(b[i:], []byte("null")) {
		return false
	}
	j := i + 4
	return j == len(b) || b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r' || b[j] == ',' || b[j] == '}'
}

// decodeStringOrNull decodes the string (or null, leaving "") at b[i:] as
// encoding/json does; next is the index after it.
func decodeStringOrNull(b []byte, i int) (s string, next int, ok bool) {
	if i >= len(b) {
		return "", 0, false
	}
	if isNull(b, i) {
		return "", i + 4, true
	}
	if b[i] != '"' {
		return "", 0, false
	}
	end, escaped := stringEnd(b, i)
	if end < 0 {
		return "", 0, false
	}
	raw := b[i+1 : end]
	plain := !escaped
	for _, c := range raw {
		if c < 0x20 || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return string(raw), end + 1, true
	}
	if s, ok := unescapeASCII(raw); ok {
		return s, end + 1, true
	}
	// Escapes, control characters (refused) or bytes past ASCII (UTF-8
	// checked, a bad byte becoming U+FFFD): as the decoder does.
	if json.Unmarshal(b[i:end+1], &s) != nil {
		return "", 0, false
	}
	return s, end + 1, true
}

// maxParamsBody is the longest body decodeParams takes. encoding/json
// refuses values nested 10,000 deep, counting from the body: decoded on
// their own, objects one level less deep would pass. Nesting that deep
// takes 20,000 bytes: longer bodies go the general way.
const maxParamsBody = 16 << 10

// decodeObjectOrNull decodes the object (or null, leaving nil) at b[i:]
// with numbers as json.Number, as decodeJSON does, and refuses one that
// repeats a key at any depth; next is the index after it.
func decodeObjectOrNull(b []byte, i int) (m map[string]any, next int, ok bool) {
	if i >= len(b) {
		return nil, 0, false
	}
	if isNull(b, i) {
		return nil, i + 4, true
	}
	if b[i] != '{' {
		return nil, 0, false
	}
	if m, next, ok := scanObject(b, i); ok {
		return m, next, true
	}
	dec := json.NewDecoder(bytes.NewReader(b[i:]))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil, 0, false
	}
	end := i + int(dec.InputOffset())
	if repeatsKey(b[i:end]) {
		return nil, 0, false
	}
	return m, end, true
}

// unescapeASCII decodes the content of a JSON string of printable ASCII
// whose escapes are all of one character (\n, \", \\ and the like, what
// a query's text holds); ok is false for any other, left to the decoder.
func unescapeASCII(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < 0x20 || c >= 0x80 {
			return "", false
		}
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i == len(raw) {
			return "", false
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default:
			return "", false
		}
	}
	return string(out), true
}
