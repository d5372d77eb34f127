package auth

import (
	"errors"
	"fmt"
	"strings"
)

// maxTokenBytes bounds a bearer token, checked before any parsing
// (golang-jwt CVE-2025-30204).
const maxTokenBytes = 8 << 10

// Errors of BearerToken and Verify; match them with errors.Is.
var (
	ErrNoToken       = errors.New("no bearer token")
	ErrTokenTooLarge = errors.New("bearer token over 8 KiB")
	ErrBadToken      = errors.New("invalid token")
)

// BearerToken extracts the token of an Authorization header: Bearer only,
// at most 8 KiB.
func BearerToken(header string) (string, error) {
	if header == "" {
		return "", ErrNoToken
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: not a bearer token", ErrBadToken)
	}
	token = strings.TrimSpace(token)
	if len(token) > maxTokenBytes {
		return "", ErrTokenTooLarge
	}
	if token == "" {
		return "", fmt.Errorf("%w: empty", ErrBadToken)
	}
	return token, nil
}
