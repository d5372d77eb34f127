// Command testsummary reads go test -json on stdin, writes the tests'
// output as go test would, and ends with one line: how many tests passed,
// failed and were skipped. It exits 1 when a test or a package failed
// (a build failure included), so make test fails as go test would.
//
//	go test -json ./... | go run ./internal/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// summary counts the outcomes of a go test -json stream.
type summary struct {
	passed, failed, skipped int
	failedTests             []string
	failedPackages          map[string]bool
	packages                int // packages that ended, passed or failed
	malformed               int
}

func main() {
	s, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(1)
	}
	s.write(os.Stdout)
	if !s.ok() {
		os.Exit(1)
	}
}

// summarize copies the output of the events in r to w and counts them.
func summarize(r io.Reader, w io.Writer) (*summary, error) {
	s := &summary{failedPackages: map[string]bool{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			// Not an event (go vet's or the build's own lines): pass it on.
			fmt.Fprintln(w, sc.Text())
			s.malformed++
			continue
		}
		switch e.Action {
		case "output":
			io.WriteString(w, e.Output)
		case "pass":
			if e.Test != "" {
				s.passed++
			} else {
				s.packages++
			}
		case "fail":
			if e.Test != "" {
				s.failed++
				s.failedTests = append(s.failedTests, e.Package+" "+e.Test)
			} else {
				s.failedPackages[e.Package] = true
				s.packages++
			}
		case "skip":
			if e.Test != "" {
				s.skipped++
			}
		}
	}
	return s, sc.Err()
}

// ok: no test or package failed, and at least one package ran (a go test
// that could not start reports none).
func (s *summary) ok() bool { return s.failed == 0 && len(s.failedPackages) == 0 && s.packages > 0 }

func (s *summary) write(w io.Writer) {
	if len(s.failedTests) > 0 || len(s.failedPackages) > 0 {
		fmt.Fprintln(w, "\nfailed:")
		for _, t := range s.failedTests {
			fmt.Fprintln(w, "  "+t)
		}
		pkgs := make([]string, 0, len(s.failedPackages))
		for p := range s.failedPackages {
			pkgs = append(pkgs, p)
		}
		sort.Strings(pkgs)
		for _, p := range pkgs {
			fmt.Fprintln(w, "  package "+p)
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
}
