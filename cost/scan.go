package cost

import (
	"strings"
)

// Tally is what Scan counts in a document's text, before any parsing. Each
// count is a lower bound of what the parser and Measure find, so a document
// Scan finds over a limit is over it for them too.
type Tally struct {
	// Tokens counts tokens, comments left out (the parser's token limit
	// counts at least as many).
	Tokens int
	// Nesting is the deepest nesting of braces and brackets (selection sets,
	// object and list values, list types: what gqlparser's nesting limit
	// counts).
	Nesting int
	// Fields counts the fields written in selection sets (Shape.Fields is at
	// least this).
	Fields int
	// Directives counts the directives written (Shape.Directives).
	Directives int
}

// ScanLimits are the limits Scan stops at, each the most the matching
// Tally count may be; 0 turns one off.
type ScanLimits struct {
	// Tokens is the parser's token limit.
	Tokens int
	// Nesting bounds Tally.Nesting.
	Nesting int
	// Fields is the profile's field limit (Limits.Fields).
	Fields int
	// Directives is the profile's directive limit (Limits.Directives).
	Directives int
}

// Scan counts a document's tokens, nesting, fields and directives in one
// pass over its bytes, with no allocation, and stops with a *LimitError
// (Got -1: counting stopped) as soon as one is over its limit: the cheap
// first line against documents made to be expensive to parse (megabytes of
// tokens, thousands of fields, deep nesting). A byte it cannot read ends
// the scan without an error: the parser will report it.
func Scan(query string, l ScanLimits) (Tally, error) {
	var t Tally
	s := scanner{src: query}
	depth := 0  // nesting of braces and brackets
	parens := 0 // nesting of parentheses: arguments and variable definitions
	selection := 0
	// prev is the kind of the previous significant token outside
	// parentheses, to tell fields from other names.
	prev := tokOther
	var aliasOf string // a name followed by ':' inside a selection set
	for {
		kind, text, ok := s.next()
		if !ok {
			return t, nil
		}
		t.Tokens++
		if l.Tokens > 0 && t.Tokens > l.Tokens {
			return t, &LimitError{Limit: "tokens", Max: l.Tokens, Got: -1}
		}
		switch kind {
		case '{', '[':
			depth++
			t.Nesting = max(t.Nesting, depth)
			if l.Nesting > 0 && depth > l.Nesting {
				return t, &LimitError{Limit: "nesting", Max: l.Nesting, Got: -1}
			}
			if kind == '{' && parens == 0 {
				selection++
			}
		case '}', ']':
			depth--
			if kind == '}' && parens == 0 && selection > 0 {
				selection--
			}
		case '(':
			parens++
		case ')':
			parens = max(parens-1, 0)
		case '@':
			t.Directives++
			if l.Directives > 0 && t.Directives > l.Directives {
				return t, &LimitError{Limit: "directives", Max: l.Directives, Got: -1}
			}
		case tokName:
			if parens > 0 || selection == 0 {
				break
			}
			switch {
			case prev == tokSpread && text == "on":
				kind = tokOn // a type condition follows
			case prev == tokSpread || prev == tokOn || prev == '@':
				// a fragment name, a type condition, a directive name
			case prev == ':' && aliasOf != "":
				// the field of an alias, counted with the alias
			default:
				t.Fields++
				if l.Fields > 0 && t.Fields > l.Fields {
					return t, &LimitError{Limit: "fields", Max: l.Fields, Got: -1}
				}
			}
			aliasOf = ""
			if prev != tokSpread && prev != tokOn && prev != '@' {
				aliasOf = text
			}
		case ':':
			if parens == 0 && selection > 0 && aliasOf != "" && prev == tokName {
				// aliasOf stays: the next name is its field
				break
			}
			aliasOf = ""
		}
		if parens == 0 || kind == ')' {
			prev = kind
		}
	}
}

// Token kinds of the scanner: punctuators are their own byte.
const (
	tokOther  = 0
	tokName   = 'n'
	tokSpread = '.'
	tokOn     = 'o'
)

type scanner struct {
	src string
	pos int
}

// next reads one token; ok is false at the end or at a byte the scanner
// cannot read.
func (s *scanner) next() (kind int, text string, ok bool) {
	src := s.src
	for s.pos < len(src) {
		c := src[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			s.pos++
		case c == '#':
			if i := strings.IndexAny(src[s.pos:], "\n\r"); i >= 0 {
				s.pos += i
			} else {
				s.pos = len(src)
			}
		case c == 0xEF && strings.HasPrefix(src[s.pos:], "\uFEFF"):
			s.pos += 3
		default:
			return s.token(c)
		}
	}
	return 0, "", false
}

func (s *scanner) token(c byte) (int, string, bool) {
	src, start := s.src, s.pos
	switch {
	case strings.IndexByte("!$&():=@[]{|}", c) >= 0:
		s.pos++
		return int(c), "", true
	case c == '.':
		if !strings.HasPrefix(src[s.pos:], "...") {
			return 0, "", false
		}
		s.pos += 3
		return tokSpread, "", true
	case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		s.pos++
		for s.pos < len(src) && isNameByte(src[s.pos]) {
			s.pos++
		}
		return tokName, src[start:s.pos], true
	case c == '-' || c >= '0' && c <= '9':
		s.pos++
		for s.pos < len(src) && (isNameByte(src[s.pos]) || src[s.pos] == '.' || src[s.pos] == '+' || src[s.pos] == '-') {
			s.pos++
		}
		return tokOther, "", true
	case c == '"':
		return s.str()
	default:
		return 0, "", false
	}
}

// str skips a string or a block string. As gqlparser reads them, a block
// string ends at the first run of three quotes or more (the extra quotes
// are content), and \""" is an escaped quote.
func (s *scanner) str() (int, string, bool) {
	src := s.src
	if strings.HasPrefix(src[s.pos:], `"""`) {
		s.pos += 3
		for {
			i := strings.IndexAny(src[s.pos:], `"\`)
			if i < 0 {
				return 0, "", false
			}
			s.pos += i
			if src[s.pos] == '\\' {
				if strings.HasPrefix(src[s.pos:], `\"""`) {
					s.pos += 4
				} else {
					s.pos++
				}
				continue
			}
			run := 0
			for s.pos+run < len(src) && src[s.pos+run] == '"' {
				run++
			}
			s.pos += run
			if run >= 3 {
				return tokOther, "", true
			}
		}
	}
	s.pos++
	for s.pos < len(src) {
		i := strings.IndexAny(src[s.pos:], "\"\\\n\r")
		if i < 0 {
			return 0, "", false
		}
		s.pos += i
		switch src[s.pos] {
		case '"':
			s.pos++
			return tokOther, "", true
		case '\\':
			s.pos += 2
		default:
			return 0, "", false // a string cannot hold a line break
		}
	}
	return 0, "", false
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
