package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources"
)

// The closed vocabulary of errors[].extensions.code (DESIGN.md).
const (
	CodeSourceUnavailable      = "SOURCE_UNAVAILABLE"
	CodeSourceTimeout          = "SOURCE_TIMEOUT"
	CodeSourceBadResponse      = "SOURCE_BAD_RESPONSE"
	CodeUnauthenticated        = "UNAUTHENTICATED"
	CodeForbidden              = "FORBIDDEN"
	CodeParseFailed            = errcode.ParseFailed
	CodeValidationFailed       = errcode.ValidationFailed
	CodeBadUserInput           = "BAD_USER_INPUT"
	CodeCostLimitExceeded      = "COST_LIMIT_EXCEEDED"
	CodeRateLimited            = "RATE_LIMITED"
	CodePersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	CodePersistedQueryRequired = "PERSISTED_QUERY_REQUIRED"
	CodeOverloaded             = "OVERLOADED"
	CodeInternal               = "INTERNAL"
)

// clientCodes lists every code a client may see.
var clientCodes = []string{
	CodeSourceUnavailable, CodeSourceTimeout, CodeSourceBadResponse,
	CodeUnauthenticated, CodeForbidden, CodeParseFailed, CodeValidationFailed,
	CodeBadUserInput, CodeCostLimitExceeded, CodeRateLimited,
	CodePersistedQueryNotFound, CodePersistedQueryRequired, CodeOverloaded, CodeInternal,
}

// Codes lists every code a client may see: the closed vocabulary of
// extensions.code (DESIGN.md).
func Codes() []string { return slices.Clone(clientCodes) }

// requestStatus is the HTTP status of a request refused before execution,
// by the code of its first error that has one here. Parse and validation
// failures are not here: their status depends on the media type of the
// answer (statusFor).
var requestStatus = map[string]int{
	CodeBadUserInput:           http.StatusBadRequest,
	CodeCostLimitExceeded:      http.StatusBadRequest,
	CodeUnauthenticated:        http.StatusUnauthorized,
	CodePersistedQueryRequired: http.StatusForbidden,
	CodeRateLimited:            http.StatusTooManyRequests,
	CodePersistedQueryNotFound: http.StatusOK,
	CodeInternal:               http.StatusInternalServerError,
}

// statusFor picks the HTTP status of a list of request-level errors. A
// GraphQL request error (a parse, validation or variable-coercion failure,
// or any error without a status of its own) is 400 in an
// application/graphql-response+json answer and 200 in an application/json
// one, as the GraphQL over HTTP specification says: a legacy client reads
// the errors of a 200 and may not read those of a 4xx.
func statusFor(errs gqlerror.List, graphQLResponse bool) int {
	for _, e := range errs {
		if errors.Is(e, errUnknownDocument) {
			// The same code as an unknown APQ hash, but the client named a
			// document that does not exist (persisted.go): 400.
			return http.StatusBadRequest
		}
		if code, ok := e.Extensions["code"].(string); ok {
			if s, ok := requestStatus[code]; ok {
				return s
			}
		}
	}
	if graphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// newError is a client error with a code of the vocabulary.
func newError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code},
	}
}

// writeErrors answers a request that never reached execution.
func writeErrors(ctx context.Context, w http.ResponseWriter, status int, errs ...*gqlerror.Error) {
	rec := recordFrom(ctx)
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		rec.addError(code, nil)
	}
	h := w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(errorsOnly{Errors: errs})
	_, _ = w.Write(b)
}

// errInternal marks a recovered panic; the presenter masks it.
var errInternal = errors.New("internal error")

// presenter maps every error to the closed vocabulary: source errors get
// their code and source, errors that carry a code keep it, and anything else
// is masked as INTERNAL, its detail logged with the request id. Each error
// is noted in the request's record: its access line names the codes and
// the source errors' details.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		rec := recordFrom(ctx)
		if se, ok := sources.AsError(err); ok {
			log.DebugContext(ctx, "source error",
				"request_id", caller.From(ctx).RequestID, "path", gerr.Path.String(), "error", se.Error())
			out := sourceError(gerr, se)
			rec.addError(out.Extensions["code"].(string), se)
			return out
		}
		if code, ok := gerr.Extensions["code"].(string); ok && code != "" && !errors.Is(err, errInternal) {
			rec.addError(code, nil)
			return gerr
		}
		rec.addError(CodeInternal, nil)
		log.ErrorContext(ctx, "internal error",
			"request_id", caller.From(ctx).RequestID, "path", gerr.Path.String(), "error", err.Error())
		return &gqlerror.Error{
			Message:    "internal error",
			Path:       gerr.Path,
			Locations:  gerr.Locations,
			Extensions: map[string]any{"code": CodeInternal},
		}
	}
}

var sourceMessages = map[string]string{
	CodeSourceUnavailable: "is unavailable",
	CodeSourceTimeout:     "timed out",
	CodeSourceBadResponse: "answered badly",
}

func sourceErrorCode(se *sources.Error) string {
	switch {
	case errors.Is(se.Kind, sources.ErrTimeout):
		return CodeSourceTimeout
	case errors.Is(se.Kind, sources.ErrBadResponse):
		return CodeSourceBadResponse
	default:
		return CodeSourceUnavailable
	}
}

func sourceError(gerr *gqlerror.Error, se *sources.Error) *gqlerror.Error {
	code := sourceErrorCode(se)
	ext := map[string]any{"code": code, "source": se.Source}
	if se.RetryAfter > 0 {
		ext["retryAfterMs"] = se.RetryAfter.Milliseconds()
	}
	return &gqlerror.Error{
		Message:    fmt.Sprintf("the %s source %s", se.Source, sourceMessages[code]),
		Path:       gerr.Path,
		Locations:  gerr.Locations,
		Extensions: ext,
	}
}

// recoverer logs a panic in a resolver and hands the presenter an error it
// masks as INTERNAL, so siblings resolve and the process stays up.
func recoverer(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver",
			"request_id", caller.From(ctx).RequestID, "panic", fmt.Sprint(p))
		return fmt.Errorf("%w: panic: %v", errInternal, p)
	}
}
