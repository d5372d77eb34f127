package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/gqlbff/gqlbff/sources/cache"
)

// InvalidatePath is the admin listener's cache invalidation endpoint.
const InvalidatePath = "/cache/invalidate"

// maxInvalidateIDs bounds the ids of one invalidation.
const maxInvalidateIDs = 1000

// invalidateRequest is POST /cache/invalidate's body: {"source": S} drops
// every record of S, {"source": S, "ids": [...]} some of them, {"all":
// true} everything.
type invalidateRequest struct {
	Source string   `json:"source"`
	IDs    []string `json:"ids"`
	All    bool     `json:"all"`
}

// invalidator drops cached records (and the whole answers built from them)
// on every replica sharing the Redis; served on the admin listener only.
type invalidator struct {
	store *cache.Store
}

// ServeHTTP answers 202 {"invalidated": N}, N being the in-memory entries
// this replica dropped (the shared tier's entries are dropped by counters,
// uncounted). 400 for a request that names nothing or an unknown source;
// 503 when Redis could not be told (this replica's entries are dropped
// all the same, the other replicas keep theirs until their TTL).
func (v invalidator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req invalidateRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil || decodeJSON(body, &req) != nil {
		writeErrors(ctx, w, http.StatusBadRequest, newError(CodeBadUserInput, `want a JSON body: {"source": "customers"}, {"source": "customers", "ids": ["c1"]} or {"all": true}`))
		return
	}
	switch {
	case req.All && (req.Source != "" || len(req.IDs) > 0):
		writeErrors(ctx, w, http.StatusBadRequest, newError(CodeBadUserInput, "all takes neither source nor ids"))
		return
	case !req.All && !slices.Contains(sourceNames, req.Source):
		writeErrors(ctx, w, http.StatusBadRequest, newError(CodeBadUserInput, "source must be one of orders, customers, analytics (or all: true)"))
		return
	case len(req.IDs) > maxInvalidateIDs:
		writeErrors(ctx, w, http.StatusBadRequest, newError(CodeBadUserInput, "at most %d ids at a time", maxInvalidateIDs))
		return
	case req.IDs != nil && len(req.IDs) == 0:
		writeErrors(ctx, w, http.StatusBadRequest, newError(CodeBadUserInput, "ids is empty: leave it out to drop every record of the source"))
		return
	}
	n, err := v.invalidate(context.WithoutCancel(ctx), req)
	if err != nil {
		writeErrors(ctx, w, http.StatusServiceUnavailable, newError(CodeInternal,
			"this replica dropped %d entries, but Redis could not be told: the other replicas keep theirs until their TTL", n))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]int{"invalidated": n})
}

func (v invalidator) invalidate(ctx context.Context, req invalidateRequest) (int, error) {
	if v.store == nil {
		return 0, nil
	}
	n, err := v.store.Invalidate(ctx, req.Source, req.IDs)
	if req.Source != "" {
		// Whole answers hold every source's records: any invalidation
		// drops them all.
		m, aerr := v.store.Invalidate(ctx, answersBucket, nil)
		n, err = n+m, errors.Join(err, aerr)
	}
	return n, err
}
