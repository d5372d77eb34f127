package engine

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// present sends the level's failures to the response context as gqlgen's
// generated code does: through the operation context, with the field
// context of the failing instance in ctx, so that the error presenter
// sees the same path, locations and causes.
func (r *run) present() {
	for _, f := range r.failures {
		ctx := r.fieldCtx(r.nodeCtx(f.n), f.n, f.st)
		switch {
		case f.args:
			_, err := f.st.bind.args(ctx, f.raw)
			if err == nil {
				err = errNotImplemented("arguments of " + f.st.field.Name) // unreachable: the same coercion failed before
			}
			r.oc.Error(ctx, err)
		case f.panic != nil:
			r.oc.Error(ctx, r.oc.Recover(ctx, f.panic))
		default:
			r.oc.Error(ctx, graphql.AddFieldLocationToError(ctx, f.err))
		}
	}
	r.failures = r.failures[:0]
}

// nodeCtx is the context a field of n resolves in under gqlgen: the chain
// of field contexts from the root, list indexes included. Built only for
// an error, so that its path is exact.
func (r *run) nodeCtx(n *node) context.Context {
	if n.parent == nil {
		return r.ctx
	}
	p := n.parent
	ctx := r.fieldCtx(r.nodeCtx(p), p, p.sel.steps[n.pstep])
	if n.index >= 0 {
		i := int(n.index)
		ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i, Result: n.obj})
	}
	return ctx
}

func (r *run) fieldCtx(ctx context.Context, n *node, st *step) context.Context {
	args := st.args
	if st.varArgs {
		args = nil // coerced per request: only a resolver step's are
		if st.id >= 0 {
			args = r.steps[st.id].args
		}
	}
	res := st.bind != nil && st.bind.resolver
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{
		Object: n.sel.typeName, Field: st.field, Args: args, IsMethod: res, IsResolver: res,
	})
}

// complete settles null propagation bottom-up: a null in a non-null
// position makes its parent null, up to the nearest nullable one. A nil
// value in a non-null position is reported as gqlgen reports it.
func (r *run) complete(n *node) {
	for _, st := range n.sel.steps {
		switch st.kind {
		case kindScalar:
			if !st.nonNull || !st.bind.canNull {
				continue
			}
			var ok, byMarshaler bool
			if r.scratch, ok, byMarshaler = st.bind.scalar(r.scratch[:0], n.obj); !ok {
				ctx := r.fieldCtx(r.nodeCtx(n), n, st)
				if byMarshaler {
					graphql.AddInvalidNullFromMarshaler(ctx, st.declared)
				} else {
					graphql.AddInvalidNullError(ctx, st.declared)
				}
				n.null = true
			}
		case kindObject:
			if r.completeObject(n, st, &n.slots[st.slot]) && st.nonNull {
				n.null = true
			}
		}
	}
}

// completeObject completes an object or list field and reports whether it
// is null.
func (r *run) completeObject(n *node, st *step, s *slot) bool {
	sh := st.bind.shape
	switch {
	case s.err:
		s.null = true
	case sh.isNil(s.val):
		if sh.list && st.nonNull {
			s.empty = true // gqlgen writes a nil non-null list as []
			return false
		}
		s.null = true
		if st.nonNull {
			graphql.AddInvalidNullError(r.fieldCtx(r.nodeCtx(n), n, st), st.declared)
		}
	case !sh.list:
		r.complete(s.kid)
		s.null = s.kid.null
	default:
		for j, kid := range s.kids {
			if kid == nil {
				if st.elemNonNull {
					i := j
					ctx := graphql.WithFieldContext(r.fieldCtx(r.nodeCtx(n), n, st), &graphql.FieldContext{Index: &i})
					graphql.AddInvalidNullError(ctx, st.field.Definition.Type.Elem.String())
					s.null = true
				}
				continue
			}
			r.complete(kid)
			if kid.null && st.elemNonNull {
				s.null = true
			}
		}
	}
	return s.null
}

// writeObject appends n's JSON to the run's buffer.
func (r *run) writeObject(n *node) {
	b := append(r.buf, '{')
	for i, st := range n.sel.steps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, st.keyJSON...)
		switch st.kind {
		case kindTypename:
			b = append(b, st.typename...)
		case kindScalar:
			var ok bool
			if b, ok, _ = st.bind.scalar(b, n.obj); !ok {
				b = append(b, "null"...)
			}
		case kindObject:
			s := &n.slots[st.slot]
			switch {
			case s.null:
				b = append(b, "null"...)
			case s.empty:
				b = append(b, "[]"...)
			case s.kid != nil:
				r.buf = b
				r.writeObject(s.kid)
				b = r.buf
			default:
				b = append(b, '[')
				for j, kid := range s.kids {
					if j > 0 {
						b = append(b, ',')
					}
					if kid == nil || kid.null {
						b = append(b, "null"...)
						continue
					}
					r.buf = b
					r.writeObject(kid)
					b = r.buf
				}
				b = append(b, ']')
			}
		}
	}
	r.buf = append(b, '}')
}
