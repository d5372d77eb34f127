package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeExamples runs every shell example of README.md: curl commands
// against a started gqlbff --demo (each must answer 200 with data and no
// errors), gqlbff commands through run, and make targets, which must exist
// in the Makefile. A line no runner understands fails the test, so a new
// example cannot go unchecked.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := filepath.Abs("../../testdata/operations")
	if err != nil {
		t.Fatal(err)
	}
	examples := shellExamples(string(readme))
	if len(examples) < 5 {
		t.Fatalf("found %d shell examples in README.md, want the quick start's and the persisted queries' at least", len(examples))
	}

	// The examples' server: the demo, with the admin listener and the
	// source cache on for the examples that use them.
	const adminKey = "readme-examples-admin-key-0123456789"
	s := start(t, []string{"--demo"}, map[string]string{
		"GQLBFF_LISTEN": "127.0.0.1:0", "GQLBFF_ADMIN_LISTEN": "localhost:0", "GQLBFF_ADMIN_KEY": adminKey,
		"GQLBFF_SOURCE_CACHE_TTL": "30s", "GQLBFF_SOURCE_CACHE_VARY": "user",
	})
	base := waitFor(t, &s.stdout, servingRE, s.done)[1]
	adminBase := waitFor(t, &s.stdout, regexp.MustCompile(`admin: (http://[^\s]+)/\n`), s.done)[1]
	c := client(t)
	// The examples' files (ops/*.graphql, manifest.json) live in a
	// directory of their own.
	t.Chdir(t.TempDir())
	if err := os.CopyFS("ops", os.DirFS(ops)); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{"GQLBFF_ADMIN_KEY": adminKey}
	assign := regexp.MustCompile(`^([A-Z_]+)=\$\((.*)\)$`)
	envPrefix := regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=\S*$`)
	for _, ex := range examples {
		t.Run(fmt.Sprintf("line %d", ex.line), func(t *testing.T) {
			cmd := ex.text
			var assignTo string
			if m := assign.FindStringSubmatch(cmd); m != nil {
				assignTo, cmd = m[1], m[2]
			}
			words, err := shellWords(cmd, vars)
			if err != nil {
				t.Fatalf("%s: %v", ex.text, err)
			}
			// NAME=value words before the command are its environment.
			env := map[string]string{}
			for len(words) > 1 && envPrefix.MatchString(words[0]) {
				k, v, _ := strings.Cut(words[0], "=")
				env[k], words = v, words[1:]
			}
			var out string
			switch {
			case words[0] == "make":
				for _, target := range words[1:] {
					if strings.Contains(target, "=") {
						continue // a variable
					}
					if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(makefile) {
						t.Errorf("%s: the Makefile has no target %s", ex.text, target)
					}
				}
			case words[0] == "gqlbff" || words[0] == "./gqlbff" || words[0] == "bin/gqlbff":
				// The README's admin listener is the started server's, and
				// its reader's shell has the admin key in the environment.
				for i, w := range words {
					if w == "http://127.0.0.1:9090" {
						words[i] = adminBase
					}
				}
				if len(words) > 1 && words[1] == "usage" && env["GQLBFF_ADMIN_KEY"] == "" {
					env["GQLBFF_ADMIN_KEY"] = vars["GQLBFF_ADMIN_KEY"]
				}
				out = runExample(t, words[1:], env)
			case len(words) > 2 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/gqlbff":
				out = runExample(t, words[3:], env)
			case words[0] == "curl":
				curlExample(t, c, map[string]string{"http://127.0.0.1:8080": base, "http://127.0.0.1:9090": adminBase}, words[1:])
			default:
				t.Fatalf("%s: no runner for this example", ex.text)
			}
			if assignTo != "" {
				vars[assignTo] = strings.TrimSpace(out)
			}
		})
	}
}

// example is one command of a README shell block, continuation lines
// joined and comments dropped.
type example struct {
	line int
	text string
}

func shellExamples(readme string) []example {
	var out []example
	in := false
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(readme, "\n") {
		switch {
		case !in && line == "```sh":
			in = true
		case in && line == "```":
			in = false
		case in:
			if cur.Len() == 0 {
				start = i + 1
			}
			if body, ok := strings.CutSuffix(line, "\\"); ok {
				cur.WriteString(body)
				continue
			}
			cur.WriteString(line)
			if text := strings.TrimSpace(stripComment(cur.String())); text != "" {
				out = append(out, example{line: start, text: text})
			}
			cur.Reset()
		}
	}
	return out
}

// stripComment drops a shell comment: a # that starts a word outside
// quotes.
func stripComment(s string) string {
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return s[:i]
		}
	}
	return s
}

// shellWords splits s as a POSIX shell would for the examples' needs:
// single quotes, double quotes with $VAR expansion, and $VAR outside quotes.
func shellWords(s string, vars map[string]string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	varName := regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_]*)`)
	expand := func(rest string) (string, int, error) {
		m := varName.FindStringSubmatch(rest)
		if m == nil {
			return "$", 1, nil
		}
		v, ok := vars[m[1]]
		if !ok {
			return "", 0, fmt.Errorf("$%s is not set by an earlier example", m[1])
		}
		return v, len(m[0]), nil
	}
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			i++
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated '")
			}
			w.WriteString(s[i+1 : i+1+end])
			i += end + 2
			inWord = true
		case c == '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '$' {
					v, n, err := expand(s[i:])
					if err != nil {
						return nil, err
					}
					w.WriteString(v)
					i += n
					continue
				}
				w.WriteByte(s[i])
				i++
			}
			if i >= len(s) {
				return nil, fmt.Errorf(`unterminated "`)
			}
			i++
			inWord = true
		case c == '$':
			v, n, err := expand(s[i:])
			if err != nil {
				return nil, err
			}
			w.WriteString(v)
			i += n
			inWord = true
		default:
			w.WriteByte(c)
			i++
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("no command")
	}
	return words, nil
}

// runExample runs a gqlbff command line of the README, with env, and
// returns its standard output. Globs are expanded as the shell would; a
// command that serves until stopped (serve, demo-sources) listens on free
// ports (serve with the demo sources, as its example names none) and is
// stopped once it printed its addresses.
func runExample(t *testing.T, args []string, env map[string]string) string {
	t.Helper()
	var expanded []string
	for _, a := range args {
		if strings.ContainsAny(a, "*?[") {
			m, err := filepath.Glob(a)
			if err != nil || len(m) == 0 {
				t.Fatalf("%s matches no file (%v)", a, err)
			}
			expanded = append(expanded, m...)
			continue
		}
		expanded = append(expanded, a)
	}
	if len(expanded) > 0 && expanded[0] == "demo-sources" {
		expanded = append(expanded, "--orders-addr", "127.0.0.1:0", "--customers-addr", "127.0.0.1:0", "--analytics-addr", "127.0.0.1:0")
		s := start(t, expanded, nil)
		waitFor(t, &s.stdout, regexp.MustCompile(`GQLBFF_ANALYTICS_URL=http://\S+\n`), s.done)
		if err := s.stop(t); err != nil {
			t.Errorf("gqlbff %s: %v", strings.Join(args, " "), err)
		}
		return s.stdout.String()
	}
	if len(expanded) == 0 || expanded[0] == "serve" || strings.HasPrefix(expanded[0], "-") {
		env["GQLBFF_LISTEN"] = "127.0.0.1:0"
		s := start(t, append(expanded, "--demo"), env)
		waitFor(t, &s.stdout, servingRE, s.done)
		if err := s.stop(t); err != nil {
			t.Errorf("gqlbff %s: %v\n%s", strings.Join(args, " "), err, &s.stderr)
		}
		return s.stdout.String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	if err := run(ctx, expanded, getenv(env), &stdout, &stderr); err != nil {
		t.Fatalf("gqlbff %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// curlExample makes the request a curl command of the README makes, at
// the started server instead of the README's addresses (bases maps one to
// the other), and checks the answer: 2xx, JSON, no errors, and data from
// /graphql.
func curlExample(t *testing.T, c *http.Client, bases map[string]string, args []string) {
	t.Helper()
	var url, body, method string
	header := http.Header{}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "-s":
		case "-H", "-d", "-X":
			if i+1 == len(args) {
				t.Fatalf("curl %s: no value", a)
			}
			i++
			switch a {
			case "-d":
				body = args[i]
			case "-X":
				method = args[i]
			default:
				k, v, ok := strings.Cut(args[i], ":")
				if !ok {
					t.Fatalf("curl -H %q: not a header", args[i])
				}
				header.Add(k, strings.TrimSpace(v))
			}
		default:
			if strings.HasPrefix(a, "-") {
				t.Fatalf("curl %s: an option this test does not know; teach it", a)
			}
			url = a
		}
	}
	mapped := false
	for from, to := range bases {
		if rest, ok := strings.CutPrefix(url, from+"/"); ok {
			url, mapped = to+"/"+rest, true
			break
		}
	}
	if !mapped {
		t.Fatalf("curl %s: want a URL at one of %v", url, bases)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data   map[string]any
		Errors []any
	}
	graphql := strings.Contains(url, "/graphql")
	if err := json.Unmarshal(b, &got); err != nil || resp.StatusCode/100 != 2 || len(got.Errors) > 0 || graphql && len(got.Data) == 0 {
		t.Errorf("%s %s: got %d %s, want 2xx JSON with no errors (and data from /graphql)", method, url, resp.StatusCode, b)
	}
}
