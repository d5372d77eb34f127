// Package gqlbff holds what the module shares as data rather than code: the
// example client operations of testdata/operations, which the end-to-end
// tests run and the playground opens as its tabs.
package gqlbff

import (
	"embed"
	"io/fs"
)

// DefaultOperation is the operation the playground opens first: the web
// dashboard, one request that touches all three sources.
const DefaultOperation = "dashboard"

//go:embed testdata/operations
var operations embed.FS

// Operations returns the example client operations: NAME.graphql, each with
// an optional NAME.variables.json holding variables that work on the demo
// data set.
func Operations() fs.FS {
	sub, err := fs.Sub(operations, "testdata/operations")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return sub
}
