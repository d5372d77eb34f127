package driver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"time"

	"github.com/gqlbff/gqlbff/bench/load"
)

// OwnLatency is the latency of the accepted requests by gqlbff's own
// clock: its access log's duration_ms (from before admission to the
// answer written) of the GraphQL requests answered 200 without an error,
// logged within a run. It is the server's part of the load generator's
// latency, without the load generator's own scheduling, its connection
// pool and the kernel's queues.
type OwnLatency struct {
	N        int
	P50, P99 float64
	// QueueP99 is the p99 of queue_ms, the part of duration_ms spent
	// waiting for an admission slot.
	QueueP99 float64
}

// accessLine is what ownLatency reads of gqlbff's access line.
type accessLine struct {
	Time     time.Time `json:"time"`
	Msg      string    `json:"msg"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	Outcome  string    `json:"outcome"`
	Duration float64   `json:"duration_ms"`
	Queue    float64   `json:"queue_ms"`
}

// ownLatency reads gqlbff's log at path for the accepted requests logged
// from from to to; N is 0 when there are none (or the log has no access
// lines: a log level above info).
func ownLatency(path string, from, to time.Time) (OwnLatency, error) {
	f, err := os.Open(path)
	if err != nil {
		return OwnLatency{}, err
	}
	defer f.Close()
	var durs, queues []time.Duration
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"msg":"request"`)) || !bytes.Contains(line, []byte(`"status":200`)) {
			continue
		}
		var l accessLine
		if json.Unmarshal(line, &l) != nil || l.Msg != "request" || l.Path != "/graphql" || l.Status != 200 || l.Outcome != "ok" {
			continue
		}
		if l.Time.Before(from) || l.Time.After(to) {
			continue
		}
		durs = append(durs, time.Duration(l.Duration*float64(time.Millisecond)))
		queues = append(queues, time.Duration(l.Queue*float64(time.Millisecond)))
	}
	if err := sc.Err(); err != nil {
		return OwnLatency{}, err
	}
	if len(durs) == 0 {
		return OwnLatency{}, nil
	}
	d, q := load.Percentiles(durs), load.Percentiles(queues)
	return OwnLatency{N: len(durs), P50: d.P50, P99: d.P99, QueueP99: q.P99}, nil
}
