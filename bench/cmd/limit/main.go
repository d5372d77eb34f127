// Command limit serves "the limit" of the benchmarks (package bench/limit):
// one hand-written handler per client operation, no GraphQL layer.
package main

import (
	"github.com/gqlbff/gqlbff/bench/limit"
	"github.com/gqlbff/gqlbff/bench/serve"
)

func main() { serve.Main("limit", limit.New) }
