package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/internal/bufpool"
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
		w.Header().Set("Content-Length", strconv.Itoa(len(dataHead)+len(resp.Data)+len(dataTail)))
		w.WriteHeader(status)
		writeParts(w, dataHead, resp.Data, dataTail)
		return
	}
	var errs []byte
	var err error
	if len(resp.Errors) > 0 {
		if errs, err = json.Marshal(resp.Errors); err != nil {
			internalError(ctx, w)
			return
		}
	}
	tail := []byte{'}'}
	if len(resp.Extensions) > 0 {
		const key = `,"extensions":`
		t, ok := appendCostExtensions(append(make([]byte, 0, 160), key...), resp.Extensions)
		if !ok {
			ext, err := json.Marshal(resp.Extensions)
			if err != nil {
				internalError(ctx, w)
				return
			}
			t = append(append(make([]byte, 0, len(key)+len(ext)+1), key...), ext...)
		}
		tail = append(t, '}')
	}
	head := make([]byte, 0, len(`{"errors":,"data":`)+len(errs))
	head = append(head, '{')
	if errs != nil {
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	head = append(head, `"data":`...)
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(resp.Data)+len(tail)))
	w.WriteHeader(status)
	writeParts(w, head, resp.Data, tail)
}

// dataHead and dataTail surround the data of an answer of data alone.
var dataHead, dataTail = []byte(`{"data":`), []byte(`}`)

// joinAbove is the data from which an answer's parts are joined before
// they are written: net/http's buffer in front of the connection's
// (bufferBeforeChunkingSize), which a smaller answer's parts fill together.
const joinAbove = 2 << 10

// answerBuffers hold a wide answer while it is written.
var answerBuffers = bufpool.New(1 << 20)

// writeParts writes an answer's head, data and tail. Past net/http's
// buffers, a write of its own goes out in a write(2) of its own: a wide
// answer written in three parts took three (the fan-out's 16 KB: 4 KiB,
// 12 KiB, then its 160-byte cost report after them), each on loopback
// about as dear as copying the whole answer once. A wide answer's parts
// are copied into one pooled buffer and written at once (two for the
// fan-out); a narrow one's fill net/http's buffer together as they are.
func writeParts(w io.Writer, head, data, tail []byte) {
	if len(data) < joinAbove {
		_, _ = w.Write(head)
		_, _ = w.Write(data)
		_, _ = w.Write(tail)
		return
	}
	buf := answerBuffers.Get()
	buf.Grow(len(head) + len(data) + len(tail))
	buf.Write(head)
	buf.Write(data)
	buf.Write(tail)
	_, _ = w.Write(buf.Bytes()) // a ResponseWriter keeps nothing of p past Write
	answerBuffers.Put(buf)
}

// appendCostExtensions appends the extensions of an answer whose only
// extension is the cost report without a per-field breakdown (every priced
// answer's), byte for byte as json.Marshal writes them, without its
// reflection over the map and the struct. ok is false for any other
// extensions, which are left to json.Marshal.
func appendCostExtensions(b []byte, ext map[string]any) (_ []byte, ok bool) {
	if len(ext) != 1 {
		return b, false
	}
	r, isReport := ext["cost"].(costReport)
	if !isReport || r.Fields != nil {
		return b, false
	}
	b = append(b, `{"cost":{"requestedQueryCost":`...)
	b = strconv.AppendInt(b, r.RequestedQueryCost, 10)
	b = append(b, `,"actualQueryCost":`...)
	b = strconv.AppendInt(b, r.ActualQueryCost, 10)
	if t := r.ThrottleStatus; t != nil {
		if b, ok = appendJSONFloat(append(b, `,"throttleStatus":{"maximumAvailable":`...), t.MaximumAvailable); !ok {
			return b, false
		}
		if b, ok = appendJSONFloat(append(b, `,"currentlyAvailable":`...), t.CurrentlyAvailable); !ok {
			return b, false
		}
		if b, ok = appendJSONFloat(append(b, `,"restoreRate":`...), t.RestoreRate); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	return append(b, "}}"...), true
}

// appendJSONFloat appends f as encoding/json writes a float64; ok is false
// for NaN and the infinities, which it refuses.
func appendJSONFloat(b []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
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
