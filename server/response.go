package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// errorsOnly is an answer that never reached execution: per the GraphQL
// spec it has no data entry.
type errorsOnly struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// writeResponse writes an answer. gqlgen hands the data over as JSON it
// has just written; json.Marshal of the response would scan and copy it
// once more (it was a fifth of the fan-out's CPU in the transport, see
// BENCHMARKS.md), so the answer is assembled around the data as it is. The
// bytes are those json.Marshal writes: errors first, then data, then
// extensions.
func writeResponse(ctx context.Context, w http.ResponseWriter, status int, resp *graphql.Response) {
	if resp.Data == nil {
		marshalResponse(ctx, w, status, errorsOnly{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil || needsEscape(resp.Data) {
		marshalResponse(ctx, w, status, resp)
		return
	}
	if len(resp.Errors) == 0 && len(resp.Extensions) == 0 {
		const head, tail = `{"data":`, `}`
		w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(resp.Data)+len(tail)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, head)
		_, _ = w.Write(resp.Data)
		_, _ = io.WriteString(w, tail)
		return
	}
	var errs, ext []byte
	var err error
	if len(resp.Errors) > 0 {
		if errs, err = json.Marshal(resp.Errors); err != nil {
			internalError(ctx, w)
			return
		}
	}
	if len(resp.Extensions) > 0 {
		if ext, err = json.Marshal(resp.Extensions); err != nil {
			internalError(ctx, w)
			return
		}
	}
	head := make([]byte, 0, len(`{"errors":,"data":`)+len(errs))
	head = append(head, '{')
	if errs != nil {
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	head = append(head, `"data":`...)
	tail := []byte{'}'}
	if ext != nil {
		tail = append(append(append(make([]byte, 0, len(ext)+16), `,"extensions":`...), ext...), '}')
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(resp.Data)+len(tail)))
	w.WriteHeader(status)
	_, _ = w.Write(head)
	_, _ = w.Write(resp.Data)
	_, _ = w.Write(tail)
}

func marshalResponse(ctx context.Context, w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		internalError(ctx, w)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func internalError(ctx context.Context, w http.ResponseWriter) {
	writeErrors(ctx, w, http.StatusInternalServerError, newError(CodeInternal, "internal error"))
}

// needsEscape reports whether json.Marshal would change data: it escapes
// <, > and & (for HTML) and U+2028 and U+2029 (for JavaScript), which
// gqlgen writes as they are. Such answers go through json.Marshal.
func needsEscape(data []byte) bool {
	// IndexByte is vectorised: four passes beat one loop over the bytes.
	if bytes.IndexByte(data, '<') >= 0 || bytes.IndexByte(data, '>') >= 0 || bytes.IndexByte(data, '&') >= 0 {
		return true
	}
	// U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
	for rest := data; ; {
		i := bytes.IndexByte(rest, 0xE2)
		if i < 0 || i+2 >= len(rest) {
			return false
		}
		if rest[i+1] == 0x80 && (rest[i+2] == 0xA8 || rest[i+2] == 0xA9) {
			return true
		}
		rest = rest[i+1:]
	}
}
