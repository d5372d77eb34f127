// Package cost prices GraphQL operations before they run, and measures what
// they really cost after, from the schema's @cost and @listSize directives
// (the IBM GraphQL Cost Directive specification). It also measures the shape
// of a parsed document (depth, aliases, fields, directives) so that a hostile
// document can be refused before validation. It works on the gqlparser AST
// and knows nothing of HTTP, clients or budgets.
//
// # How an operation is priced
//
// Fields are collected as an executor collects them: fragments and inline
// fragments are expanded, fields with the same response key are merged,
// @skip and @include are honoured, and variables are resolved. Then every
// field costs
//
//	cost = argument weights + size × (weight + cost of its selection)
//
// where
//   - weight is the field's @cost, else its type's @cost, else 1 for an
//     object, interface or union and 0 for a scalar or enum (IBM defaults);
//   - size is 1 for a field that is not a list. For a list it is the value of
//     its slicing argument from @listSize (a literal, a variable or the
//     argument's default; an Int counts as its value, a list argument such
//     as `ids` counts as its length: our extension of the specification),
//     else the size its parent hands down through @listSize(sizedFields)
//     (a connection's `edges` are sized by the connection's `first`), else
//     @listSize(assumedSize), else Options.DefaultListSize. With several
//     slicing arguments the largest counts;
//   - argument weights are the @cost of the arguments the field is given.
//
// A list's weight is charged once per item (as Apollo's and Cosmo's demand
// control do), where the IBM draft charges a list field's own weight once:
// a batched source call reads one row per item, and the rows are what load
// the sources and the BFF. On an interface or union the most expensive
// possible type counts.
//
// Introspection is answered from memory, its size bounded by the schema and
// by gqlparser's introspection-depth rule: a real __schema or __type root
// field costs Options.IntrospectionWeight, flat, and nothing under it costs
// anything. __typename costs nothing.
//
// Costs saturate at MaxCost instead of overflowing.
//
// # Actual cost
//
// After execution the same weights are charged per field that was really
// resolved, with lists counted at their real lengths (Analyzer.Instance):
// the sum is the operation's actual cost. A field that ended in an error adds
// nothing: a client is not charged for what it did not get.
package cost
