package driver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
	"github.com/gqlbff/gqlbff/bench/scenario"
)

// compareAnswers sends each scenario once to each system and compares the
// answer with the limit's (or the first system's). It answers, by scenario
// and system, why a cell cannot run: an optional scenario the system
// refuses, or a scenario that fails.
func (res *Results) compareAnswers(ctx context.Context, e *env, scenarios []scenario.Scenario, token string) map[string]map[string]string {
	na := map[string]map[string]string{}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	ref := e.systems[0]
	for _, s := range e.systems {
		if s.name == "limit" {
			ref = s
		}
	}
	for _, sc := range scenarios {
		na[sc.Name], res.Answers[sc.Name] = map[string]string{}, map[string]string{}
		bodies := map[string][]byte{}
		for _, s := range e.systems {
			body, err := e.once(ctx, c, s, sc, token)
			if err != nil {
				why := "fails: " + err.Error()
				if sc.Optional {
					why = "not available: " + err.Error()
				}
				na[sc.Name][s.name] = why
				continue
			}
			bodies[s.name] = body
		}
		for _, s := range e.systems {
			b, ok := bodies[s.name]
			switch {
			case !ok:
				res.Answers[sc.Name][s.name] = na[sc.Name][s.name]
			case bodies[ref.name] == nil:
				res.Answers[sc.Name][s.name] = "not compared: " + ref.name + " failed"
			case bytes.Equal(withoutExtensions(bytes.TrimSpace(b)), withoutExtensions(bytes.TrimSpace(bodies[ref.name]))):
				res.Answers[sc.Name][s.name] = "same bytes (but for gqlbff's cost report)"
			default:
				res.Answers[sc.Name][s.name] = fmt.Sprintf("DIFFERS from %s: %.200s", ref.name, b)
			}
		}
	}
	return na
}

func (e *env) once(ctx context.Context, c *http.Client, s *system, sc scenario.Scenario, token string) ([]byte, error) {
	rq, err := sc.Request(s.base, s.kind, e.ops, token)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, rq.URL, bytes.NewReader(rq.Body))
	if err != nil {
		return nil, err
	}
	req.Header = rq.Header
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return body, load.Check(resp.StatusCode, body)
}

// withoutExtensions drops gqlbff's extensions (the cost report, which
// changes with every request), which it writes last.
func withoutExtensions(b []byte) []byte {
	if i := bytes.LastIndex(b, []byte(`,"extensions":`)); i > 0 {
		return append(b[:i:i], '}')
	}
	return b
}
