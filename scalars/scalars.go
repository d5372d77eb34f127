// Package scalars holds gqlbff's custom GraphQL scalars, as gqlgen binds
// them (gqlgen.yml). A value a client sends that a scalar cannot read is
// the client's mistake: its error carries the code BAD_USER_INPUT, never
// left for the error presenter to mask as INTERNAL.
package scalars

import (
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeBadUserInput is the code of a value a scalar cannot read (DESIGN.md).
const CodeBadUserInput = "BAD_USER_INPUT"

// MarshalTime writes a Time as RFC 3339 (gqlgen's graphql.Time).
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads a Time as gqlgen's graphql.Time does (RFC 3339, with
// or without fractions of a second); anything else is a BAD_USER_INPUT
// error that names the type, not the value.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return time.Time{}, &gqlerror.Error{
			Message:    fmt.Sprintf("a Time must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z, not a %s", kind(v)),
			Extensions: map[string]any{"code": CodeBadUserInput},
		}
	}
	return t, nil
}

// kind names the JSON type of v, for a message that does not echo v.
func kind(v any) string {
	switch v.(type) {
	case string:
		return "string in another format"
	case bool:
		return "boolean"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	default:
		return "number"
	}
}
