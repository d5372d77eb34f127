package sources

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestValuesOfIsWithoutCancel: a shared call's context keeps its first
// caller's values and nothing of its cancellation, as
// context.WithoutCancel's would: not done, no error, no cause, no
// deadline, and a child of it is not cancelled with the caller.
func TestValuesOfIsWithoutCancel(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), key{}, "v"))
	parent, stop := context.WithTimeout(parent, time.Hour)
	defer stop()
	cancel(errors.New("the caller left"))
	for _, ctx := range []context.Context{context.WithoutCancel(parent), &valuesOf{parent}} {
		if ctx.Value(key{}) != "v" {
			t.Errorf("%T: the parent's value lost", ctx)
		}
		if ctx.Done() != nil || ctx.Err() != nil || context.Cause(ctx) != nil {
			t.Errorf("%T: done %v, err %v, cause %v, want none", ctx, ctx.Done(), ctx.Err(), context.Cause(ctx))
		}
		if _, ok := ctx.Deadline(); ok {
			t.Errorf("%T: a deadline, want none", ctx)
		}
		child, stopChild := context.WithTimeout(ctx, time.Hour)
		if child.Err() != nil || context.Cause(child) != nil {
			t.Errorf("%T: a child is cancelled with the parent: %v", ctx, context.Cause(child))
		}
		stopChild()
	}
}
