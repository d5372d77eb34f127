package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	stream := strings.Join([]string{
		`{"Action":"start","Package":"p"}`,
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"run","Package":"p","Test":"TestA/sub"}`,
		`{"Action":"pass","Package":"p","Test":"TestA/sub"}`,
		`{"Action":"fail","Package":"p","Test":"TestB"}`,
		`{"Action":"skip","Package":"p","Test":"TestC"}`,
		`{"Action":"fail","Package":"p"}`,
		`# q`,
		`{"Action":"fail","Package":"q"}`,
		`{"Action":"pass","Package":"r"}`,
	}, "\n")
	var out bytes.Buffer
	s, err := summarize(strings.NewReader(stream), &out)
	if err != nil {
		t.Fatal(err)
	}
	s.write(&out)
	if s.passed != 2 || s.failed != 1 || s.skipped != 1 || s.ok() {
		t.Errorf("got %d passed, %d failed, %d skipped, ok %v; want 2, 1, 1, not ok", s.passed, s.failed, s.skipped, s.ok())
	}
	for _, want := range []string{"=== RUN   TestA\n", "# q\n", "  p TestB\n", "  package q\n", "\n2 passed, 1 failed, 1 skipped\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output has no %q:\n%s", want, out.String())
		}
	}
	ok, _ := summarize(strings.NewReader(`{"Action":"pass","Package":"p","Test":"TestA"}`+"\n"+`{"Action":"pass","Package":"p"}`), &bytes.Buffer{})
	if !ok.ok() {
		t.Error("an all-passing stream: got not ok")
	}
	none, _ := summarize(strings.NewReader("go: unknown flag -x\n"), &bytes.Buffer{})
	if none.ok() {
		t.Error("a stream without packages: got ok")
	}
}
