// Package config loads configuration structs generically: YAML files and
// environment overrides, by the structs' yaml and env tags, reporting every
// problem at once, each as an *Error at its key path.
package config

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem of a configuration. Tests and tools match on Key;
// the message is for people.
type Error struct {
	// Key is the key path, such as profiles.web.maxCost or jwt.keys[1].alg.
	Key string
	// Value is the offending value as written, or "" when the key is unset
	// or its value is not a scalar.
	Value string
	// Reason says what is wrong and, where it can, what to set instead.
	Reason string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return e.Reason
	}
	return e.Key + ": " + e.Reason
}

// Errorf returns an *Error at key with a formatted reason.
func Errorf(key, format string, args ...any) *Error {
	return &Error{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Keys lists the key of every *Error in err's tree (errors.Join and
// wrapping included), in order.
func Keys(err error) []string {
	var keys []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			keys = append(keys, e.Key)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return keys
}

// Prefixed returns the errors of errs with prefix put before their keys
// (prefix.key), for a section validated on its own.
func Prefixed(prefix string, errs ...error) []error {
	out := make([]error, 0, len(errs))
	for _, err := range errs {
		var e *Error
		if errors.As(err, &e) {
			c := *e
			c.Key = joinKey(prefix, c.Key)
			out = append(out, &c)
			continue
		}
		out = append(out, Errorf(prefix, "%v", err))
	}
	return out
}

func joinKey(prefix, key string) string {
	switch {
	case prefix == "":
		return key
	case key == "" || strings.HasPrefix(key, "["):
		return prefix + key
	default:
		return prefix + "." + key
	}
}
