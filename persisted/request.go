package persisted

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrBadRequest marks a request whose persisted-document fields are
// malformed; the server answers it with BAD_USER_INPUT.
var ErrBadRequest = errors.New("malformed persisted query request")

// maxIDLen bounds a document id; ids are hashes or short names.
const maxIDLen = 256

// Request is what a request names of persisted documents: a trusted
// document id (the GraphQL-over-HTTP persisted documents proposal's
// documentId), an APQ hash (Apollo's extensions.persistedQuery), or
// neither. At most one of the two is set.
type Request struct {
	// DocumentID is the documentId, as sent.
	DocumentID string
	// APQHash is extensions.persistedQuery.sha256Hash, lower case.
	APQHash string
}

// ParseRequest reads the persisted-document fields of a request's
// extensions: "documentId" (where the transport puts a body's or a URL's
// documentId) and "persistedQuery" ({"version": 1, "sha256Hash": "<64
// hex>"}). Values come from encoding/json, with or without UseNumber. Every
// malformed field is an error wrapping ErrBadRequest; it never panics.
func ParseRequest(ext map[string]any) (Request, error) {
	var r Request
	if v, ok := ext["documentId"]; ok && v != nil {
		id, err := parseDocumentID(v)
		if err != nil {
			return Request{}, err
		}
		r.DocumentID = id
	}
	if v, ok := ext["persistedQuery"]; ok && v != nil {
		h, err := parseAPQ(v)
		if err != nil {
			return Request{}, err
		}
		r.APQHash = h
	}
	if r.DocumentID != "" && r.APQHash != "" {
		return Request{}, fmt.Errorf("%w: send documentId or extensions.persistedQuery, not both", ErrBadRequest)
	}
	return r, nil
}

// parseDocumentID accepts the proposal's identifier syntax: unreserved
// characters (letters, digits, - . _ ~) and colons, as in sha256:<hex>.
func parseDocumentID(v any) (string, error) {
	id, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: documentId must be a string", ErrBadRequest)
	}
	if id == "" || len(id) > maxIDLen {
		return "", fmt.Errorf("%w: documentId must hold 1 to %d characters", ErrBadRequest, maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isUnreserved(c) && c != ':' {
			return "", fmt.Errorf("%w: documentId may hold only letters, digits and - . _ ~ :", ErrBadRequest)
		}
	}
	return id, nil
}

func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

func parseAPQ(v any) (string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("%w: extensions.persistedQuery must be an object", ErrBadRequest)
	}
	if !isOne(m["version"]) {
		return "", fmt.Errorf("%w: extensions.persistedQuery.version must be 1", ErrBadRequest)
	}
	h, ok := m["sha256Hash"].(string)
	if !ok || !isSHA256Hex(strings.ToLower(h)) {
		return "", fmt.Errorf("%w: extensions.persistedQuery.sha256Hash must be 64 hex digits", ErrBadRequest)
	}
	return strings.ToLower(h), nil
}

func isOne(v any) bool {
	switch n := v.(type) {
	case json.Number:
		return n.String() == "1"
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	default:
		return false
	}
}

// isSHA256Hex reports whether s is 64 lower-case hex digits.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
