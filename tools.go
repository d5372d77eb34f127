//go:build tools

// The tools build tag pins the code generator's version in go.mod.
package gqlbff

import _ "github.com/99designs/gqlgen"
