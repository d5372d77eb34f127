package testkit

import (
	"fmt"
	"strings"
)

// FragmentBomb is issue 12's document: k levels of fragments, each spread
// twice at the root of the one above, 2^k root fields once expanded (30
// levels are 1.2 KB).
func FragmentBomb(k int) string {
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	for i := range k {
		fmt.Fprintf(&b, ` fragment F%d on Query { ...F%d ...F%d }`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, ` fragment F%d on Query { __typename }`, k)
	return b.String()
}

// HostileShapes names the shapes Hostile writes.
var HostileShapes = []string{"fields", "aliases", "nesting", "root-bomb", "nested-bomb", "fan-in"}

// Hostile writes a document of one of HostileShapes at least size bytes
// long (and not much longer), to show that a walk is linear in the text:
//   - fields: one selection set of `a`s;
//   - aliases: aliased fields, `a0: a a1: a …`;
//   - nesting: `a { a { … } }` up to 500 deep, as many times as fits;
//   - root-bomb: FragmentBomb, as many levels as fit;
//   - nested-bomb: fragments spread twice below the root of the one above,
//     `fragment F1 on T { a { ...F0 } b { ...F0 } }`;
//   - fan-in: every fragment spreads every fragment before it (the text
//     grows as the square of the fragments, the expansion exponentially).
func Hostile(shape string, size int) string {
	var b strings.Builder
	switch shape {
	case "fields":
		b.WriteString("{")
		for b.Len() < size-2 {
			b.WriteString(" a")
		}
		b.WriteString(" }")
	case "aliases":
		b.WriteString("{")
		for i := 0; b.Len() < size-2; i++ {
			fmt.Fprintf(&b, " a%d: a", i)
		}
		b.WriteString(" }")
	case "nesting":
		d := min(499, size/16)
		block := strings.Repeat(" a {", d) + " a" + strings.Repeat(" }", d)
		b.WriteString("{")
		for b.Len()+len(block) < size-2 {
			b.WriteString(block)
		}
		for b.Len() < size-2 {
			b.WriteString(" a")
		}
		b.WriteString(" }")
	case "root-bomb":
		k := 0
		for len(FragmentBomb(k+1)) <= size {
			k++
		}
		return FragmentBomb(k)
	case "nested-bomb":
		b.WriteString(`{ a { ...F0 } }`)
		k := 0
		for ; b.Len() < size-40; k++ {
			fmt.Fprintf(&b, ` fragment F%d on T { a { ...F%d } b { ...F%d } }`, k, k+1, k+1)
		}
		fmt.Fprintf(&b, ` fragment F%d on T { x }`, k)
	case "fan-in":
		n := 1
		for len(fanIn(n+1)) <= size {
			n++
		}
		return fanIn(n)
	default:
		panic("testkit.Hostile: unknown shape " + shape)
	}
	return b.String()
}

// fanIn is n fragments, each spreading every one after it.
func fanIn(n int) string {
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	for i := range n {
		fmt.Fprintf(&b, ` fragment F%d on Query { x`, i)
		for j := i + 1; j < n; j++ {
			fmt.Fprintf(&b, ` ...F%d`, j)
		}
		b.WriteString(` }`)
	}
	return b.String()
}
