// Command naive serves "the naive way" of the benchmarks (package
// bench/naive): gqlbff's schema with a source call per item.
package main

import (
	"github.com/gqlbff/gqlbff/bench/naive"
	"github.com/gqlbff/gqlbff/bench/serve"
)

func main() { serve.Main("naive", naive.New) }
