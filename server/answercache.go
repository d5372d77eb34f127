package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/sources/cache"
)

// The whole-answer cache keeps the answers to persisted operations (a
// documentId or an APQ hash, over GET or POST) for their computed maxAge,
// under the document, the operation name, the variables, the client
// profile and the caller (an HMAC of user and scopes; anonymous callers
// share by scopes). It is a response interceptor inside the cost policy:
// authentication, the persisted-document rules, the cost limits and the
// client's budget have all run when it is asked, and a hit adds the actual
// cost its answer had to the request, so the budget is settled as for a
// miss. Only answers that Cache-Control would let a client keep are stored:
// no errors, no stale data, a maxAge above 0.

// answersBucket is the name of the answers' bucket in the record cache's
// store: every invalidation drops it too.
const answersBucket = "answers"

// answerTTLCeiling bounds an answer's time in the cache whatever its hint.
const answerTTLCeiling = 24 * time.Hour

// maxAnswers bounds the answers held in memory: an answer weighs what a
// whole operation's records do.
const maxAnswers = 5000

type answerCache struct {
	bucket *cache.Bucket
	hints  *hintCache
	capAge time.Duration
}

// cachedAnswer is a stored answer: its data and what executing it cost.
type cachedAnswer struct {
	Data   json.RawMessage `json:"data"`
	Actual int64           `json:"actual"`
}

func newAnswerCache(store *cache.Store, hints *hintCache, capAge time.Duration) *answerCache {
	if store == nil {
		return nil
	}
	b := store.Bucket(answersBucket, cache.Policy{TTL: answerTTLCeiling, Vary: cache.VaryUser, MaxEntries: maxAnswers})
	return &answerCache{bucket: b, hints: hints, capAge: capAge}
}

var (
	_ graphql.HandlerExtension    = (*answerCache)(nil)
	_ graphql.ResponseInterceptor = (*answerCache)(nil)
)

// ExtensionName implements graphql.HandlerExtension.
func (*answerCache) ExtensionName() string { return "AnswerCache" }

// Validate implements graphql.HandlerExtension.
func (*answerCache) Validate(graphql.ExecutableSchema) error { return nil }

func decodeAnswer(b []byte) (any, error) {
	v := new(cachedAnswer)
	return v, json.Unmarshal(b, v)
}

// persistedID is the document id or APQ hash the operation was sent by,
// "" for an operation sent as text alone.
func persistedID(oc *graphql.OperationContext) string {
	if id, ok := oc.Extensions["documentId"].(string); ok && id != "" {
		return "id:" + id
	}
	if pq, ok := oc.Extensions["persistedQuery"].(map[string]any); ok {
		if h, ok := pq["sha256Hash"].(string); ok && h != "" {
			return "apq:" + h
		}
	}
	return ""
}

// executingKey marks the context of an operation the transport executes,
// after every policy let it through; response interceptors also run for a
// refused one (DispatchError), which must never be answered from here.
type executingKey struct{}

// InterceptResponse implements graphql.ResponseInterceptor.
func (a *answerCache) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if ctx.Value(executingKey{}) == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	doc := persistedID(oc)
	if doc == "" || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	hint := a.hints.of(oc.Doc, oc.Operation)
	age := time.Duration(hint.maxAge) * time.Second
	if a.capAge > 0 && a.capAge < age {
		age = a.capAge
	}
	if age <= 0 {
		return next(ctx)
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted: canonical
	if err != nil {
		return next(ctx)
	}
	c := caller.From(ctx)
	key := cache.Key{Endpoint: "answer", Params: c.Client + "\x00" + oc.OperationName + "\x00" + doc + "\x00" + string(vars)}
	lk := a.bucket.Lookup(ctx, cache.Caller{UserID: c.Subject, Scopes: c.Scopes}, []cache.Key{key}, decodeAnswer)
	if h := lk.Hits[0]; h.Fresh {
		if ans, ok := h.Value.(*cachedAnswer); ok {
			if st := opCostOf(oc); st != nil {
				st.actual.Add(ans.Actual)
			}
			if col := staleCollectorFrom(ctx); col != nil {
				col.answerHit.Store(true)
			}
			return &graphql.Response{Data: ans.Data}
		}
	}
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 || resp.Data == nil || len(staleCollectorFrom(ctx).list()) > 0 {
		return resp
	}
	var actual int64
	if st := opCostOf(oc); st != nil {
		actual = st.actual.Load()
	}
	lk.Store(context.WithoutCancel(ctx), []cache.Item{{Index: 0, Value: &cachedAnswer{Data: resp.Data, Actual: actual}, TTL: age}})
	return resp
}
