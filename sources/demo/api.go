package demo

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gqlbff/gqlbff/sources"
)

// Limits of the REST contract.
const (
	maxIDs   = 100 // ids a call
	maxLimit = 100 // limit and perCustomer
)

// errorBody is every error answer of the contract.
type errorBody struct {
	Error string `json:"error"`
}

func fail(status int, format string, args ...any) (int, any) {
	return status, errorBody{Error: fmt.Sprintf(format, args...)}
}

func notFound() (int, any) { return fail(http.StatusNotFound, "not found") }

// itemID returns the id of a path prefix+id, if it is one.
func itemID(path, prefix string) (string, bool) {
	id, ok := strings.CutPrefix(path, prefix)
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// parseIDs reads the comma-separated ids of key (repeats of key are joined),
// without empty entries and duplicates. More than maxIDs is an error.
func parseIDs(q url.Values, key string) ([]string, error) {
	var ids []string
	n := 0
	for _, v := range q[key] {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id == "" {
				continue
			}
			n++
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if n > maxIDs {
		return nil, fmt.Errorf("%s: got %d ids, want at most %d", key, n, maxIDs)
	}
	return ids, nil
}

// parseLimit reads the integer key, def when absent; it must be 1..maxLimit.
func parseLimit(q url.Values, key string, def int) (int, error) {
	if !q.Has(key) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(key))
	if err != nil || n < 1 || n > maxLimit {
		return 0, fmt.Errorf("%s: got %q, want an integer from 1 to %d", key, q.Get(key), maxLimit)
	}
	return n, nil
}

// batch applies the drop and shuffle knobs to a batch answer; key is the
// requested id an item answers.
func batch[T any](k knobs, items []T, key func(T) string) []T {
	if len(k.drop) > 0 {
		items = slices.DeleteFunc(items, func(it T) bool { return k.drop[key(it)] })
	}
	if k.shuffle && len(items) > 0 {
		slices.Reverse(items)
		items = append(items, items[0])
	}
	return items
}

// page is a list answer whose items are never JSON null.
func page[T any](items []T, next *string) sources.Page[T] {
	if items == nil {
		items = []T{}
	}
	return sources.Page[T]{Items: items, NextCursor: next}
}
