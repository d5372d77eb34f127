package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// duplicateKeys reports the first object key that a token's header or
// claims set repeats, at any depth. encoding/json (and so golang-jwt) keeps
// the last of a repeated key, so `{"exp": 1, "exp": 9999999999}` would pass
// as a token that never expires; RFC 7519 §4 lets a parser refuse such a
// token or keep the last, and gqlbff refuses it (HARDENING.md).
func duplicateKeys(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil // not a JWS: the parser says so
	}
	for i, what := range []string{"header", "claims"} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil // the parser says so
		}
		if key, found := repeatedKey(raw); found {
			return fmt.Errorf("the %s repeat the key %q", what, key)
		}
	}
	return nil
}

// repeatedKey walks a JSON text and answers the first key an object
// repeats. A text that does not decode has none (the parser refuses it).
func repeatedKey(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Each open object has the set of its keys; an array has nil.
	var stack []map[string]bool
	expectKey := false // the next string token of an object is a key
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return "", false
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, map[string]bool{})
				expectKey = true
				continue
			case '[':
				stack = append(stack, nil)
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectKey {
				keys := stack[len(stack)-1]
				if keys[t] {
					return t, true
				}
				keys[t] = true
				expectKey = false
				continue
			}
		}
		// A value ended (or an array opened): in an object, a key follows.
		expectKey = len(stack) > 0 && stack[len(stack)-1] != nil
	}
}

// headerSafe reports whether s can travel as an HTTP header value as it
// is (RFC 9110 §5.5): no control character (CR, LF, NUL, DEL, tab: a tab
// would be trimmed) and no leading or trailing space.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(s) == s
}
