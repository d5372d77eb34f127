// Package persisted is gqlbff's persisted-document machinery, apart from
// HTTP and from policy: the normalized form of a document, the trusted
// documents (a manifest parsed and validated against the schema, reloaded
// without dropping requests), the stores of automatic persisted queries
// (APQ) and the parser of the request fields that name them. Which client
// may use what is the server's policy (server/persisted.go).
package persisted

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
)

// ErrTooManyTokens is returned by Normalize for a document over the token
// limit.
var ErrTooManyTokens = errors.New("document has too many tokens")

// punctuators are the fixed tokens, written back as they are spelled.
var punctuators = map[lexer.Type]string{
	lexer.Bang: "!", lexer.Dollar: "$", lexer.Amp: "&", lexer.ParenL: "(",
	lexer.ParenR: ")", lexer.Spread: "...", lexer.Colon: ":", lexer.Equals: "=",
	lexer.At: "@", lexer.BracketL: "[", lexer.BracketR: "]", lexer.BraceL: "{",
	lexer.BraceR: "}", lexer.Pipe: "|",
}

// Normalize returns the normalized form of a GraphQL document: its lexical
// tokens, without the ignored ones (whitespace, line terminators, commas
// and comments, GraphQL spec §2.1.7), written one after the other with a
// single space only where two tokens would otherwise run together (two
// names or numbers, two strings, a number and ...), every string (block
// strings included) written as an ordinary quoted string of its value.
//
// Two documents that differ only in layout, commas, comments or the quoting
// of a string have the same normalized form, and the form is itself a
// document with the same meaning (Normalize is idempotent). It is a lexer
// pass, cheaper than a parse. A maxTokens above zero bounds the work on a
// hostile text (ErrTooManyTokens); a text that does not lex is an error.
func Normalize(src string, maxTokens int) (string, error) {
	lx := lexer.New(&ast.Source{Input: src})
	var b strings.Builder
	b.Grow(len(src))
	prev := lexer.EOF
	for n := 0; ; {
		tok, err := lx.ReadToken()
		if err != nil {
			return "", err
		}
		switch tok.Kind {
		case lexer.EOF:
			return b.String(), nil
		case lexer.Comment:
			continue
		}
		if n++; maxTokens > 0 && n > maxTokens {
			return "", ErrTooManyTokens
		}
		if needsSpace(prev, tok.Kind) {
			b.WriteByte(' ')
		}
		prev = tok.Kind
		switch tok.Kind {
		case lexer.Name, lexer.Int, lexer.Float:
			b.WriteString(tok.Value)
		case lexer.String, lexer.BlockString:
			writeString(&b, tok.Value)
		default:
			b.WriteString(punctuators[tok.Kind])
		}
	}
}

// needsSpace reports whether two tokens written next to each other would
// lex differently: two names or numbers would run together, two strings
// would open a block string, and a number followed by ... would read as a
// fraction.
func needsSpace(prev, cur lexer.Type) bool {
	word := func(k lexer.Type) bool { return k == lexer.Name || k == lexer.Int || k == lexer.Float }
	str := func(k lexer.Type) bool { return k == lexer.String || k == lexer.BlockString }
	number := prev == lexer.Int || prev == lexer.Float
	return word(prev) && word(cur) || str(prev) && str(cur) || number && cur == lexer.Spread
}

// writeString quotes s as a GraphQL string: the escapes \" \\ \n \r \t
// \b \f, \u00XX for the other control characters, every other character
// as itself (bytes that are not UTF-8 as U+FFFD, as the lexer reads them
// the next time, so that normalizing twice changes nothing).
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// Hash is the lower-case hex SHA-256 of s: the APQ hash of a query text,
// and the id `gqlbff persist` gives a normalized document.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
