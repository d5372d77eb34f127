package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// usageStore is the field usage the replicas share in Redis: per hour, a
// hash of counts and a hash of last uses (unix milliseconds), each field a
// coordinate and a client, both hashes expiring after the retention.
// Replicas add to it in the background (usageRecorder.flush); a report
// reads the hours of its window.
type usageStore struct {
	rdb       *redis.Client
	timeout   time.Duration
	retention time.Duration
}

// usageKeyPrefix starts the usage's keys: {prefix}{<unix hour>}:n (counts)
// and :t (last uses); the braces keep an hour's two hashes in one slot of
// a cluster.
const usageKeyPrefix = "gqlbff:usage:"

// maxUsageFieldsPerCall bounds the fields one script call adds.
const maxUsageFieldsPerCall = 1000

// usageAddScript adds counts to KEYS[1] and raises last uses in KEYS[2],
// then sets both to expire in ARGV[1] seconds; ARGV[2..] are triples of
// field, count, last use.
var usageAddScript = redis.NewScript(`
for i = 2, #ARGV, 3 do
  redis.call("HINCRBY", KEYS[1], ARGV[i], ARGV[i+1])
  local t = tonumber(ARGV[i+2])
  local cur = tonumber(redis.call("HGET", KEYS[2], ARGV[i]) or "0")
  if t > cur then redis.call("HSET", KEYS[2], ARGV[i], ARGV[i+2]) end
end
redis.call("EXPIRE", KEYS[1], ARGV[1])
redis.call("EXPIRE", KEYS[2], ARGV[1])
return 0
`)

// usageRedisTimeout is the least time one usage command may take: the
// store is never on a request's path (flushes run in the background, reads
// serve the admin endpoint), and a report's window may be hundreds of
// hours of counts, more than redis.timeout (50ms by default) can read.
const usageRedisTimeout = 5 * time.Second

func newUsageStore(cfg Config, hook redis.Hook) (*usageStore, error) {
	rc := cfg.Redis
	rc.Timeout = max(rc.Timeout, usageRedisTimeout)
	rdb, err := newRedis(rc, hook)
	if err != nil || rdb == nil {
		return nil, err
	}
	return &usageStore{rdb: rdb, timeout: rc.Timeout, retention: cfg.Usage.Retention}, nil
}

func (s *usageStore) Close() error { return s.rdb.Close() }

func usageKeys(hour int64) (counts, last string) {
	h := usageKeyPrefix + "{" + strconv.FormatInt(hour, 10) + "}:"
	return h + "n", h + "t"
}

// usageField is a coordinate and a client as a hash field: tab-separated
// (clientOf leaves no tab in a name or version).
func usageField(coord string, c UsageClient) string {
	return coord + "\t" + c.Profile + "\t" + c.Name + "\t" + c.Version
}

func parseUsageField(f string) (string, UsageClient, bool) {
	p := strings.Split(f, "\t")
	if len(p) != 4 {
		return "", UsageClient{}, false
	}
	return p[0], UsageClient{Profile: p[1], Name: p[2], Version: p[3]}, true
}

// usageDelta is a count to add and a last use, in unix milliseconds.
type usageDelta struct{ count, last int64 }

// add adds deltas, by unix hour and field.
func (s *usageStore) add(ctx context.Context, byHour map[int64]map[string]usageDelta) error {
	ttl := strconv.FormatInt(int64((s.retention+time.Hour)/time.Second), 10)
	for hour, fields := range byHour {
		counts, last := usageKeys(hour)
		args := make([]any, 0, 1+3*min(len(fields), maxUsageFieldsPerCall))
		args = append(args, ttl)
		send := func() error {
			ctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			err := usageAddScript.Run(ctx, s.rdb, []string{counts, last}, args...).Err()
			args = args[:1]
			return err
		}
		for f, d := range fields {
			args = append(args, f, d.count, d.last)
			if len(args) >= 1+3*maxUsageFieldsPerCall {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if len(args) > 1 {
			if err := send(); err != nil {
				return err
			}
		}
	}
	return nil
}

// read sums the counts of the hours from from to to, in one pipeline.
func (s *usageStore) read(ctx context.Context, from, to time.Time) (usageUses, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	type hour struct{ counts, last *redis.MapStringStringCmd }
	var hours []hour
	pipe := s.rdb.Pipeline()
	for h := from.Unix() / 3600; h <= to.Unix()/3600; h++ {
		counts, last := usageKeys(h)
		hours = append(hours, hour{pipe.HGetAll(ctx, counts), pipe.HGetAll(ctx, last)})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := usageUses{}
	for _, h := range hours {
		last := h.last.Val()
		for f, v := range h.counts.Val() {
			coord, c, ok := parseUsageField(f)
			n, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("usage: a field of Redis is not gqlbff's: %q = %q", f, v)
			}
			ms, _ := strconv.ParseInt(last[f], 10, 64)
			out.add(c, coord, n, time.UnixMilli(ms).UTC())
		}
	}
	return out, nil
}

// flushEvery flushes every interval, and once more (for at most 2s) when
// ctx ends.
func (u *usageRecorder) flushEvery(ctx context.Context, interval time.Duration) {
	defer close(u.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// The last flush holds up shutdown: briefly.
			last, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := u.flush(last); err != nil {
				u.log.Warn("field usage: the last counts could not be added to Redis", "error", err)
			}
			cancel()
			return
		case <-t.C:
			if err := u.flush(ctx); err != nil && ctx.Err() == nil {
				u.log.Warn("field usage: adding the counts to Redis", "error", err)
			}
		}
	}
}

// flush adds to Redis the uses counted since the last flush that
// succeeded, each in the hour of its last use; a failed flush leaves them
// to the next one. Requests never wait for it.
func (u *usageRecorder) flush(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	type ack struct {
		n    *useCount
		upTo int64
	}
	var acks []ack
	byHour := map[int64]map[string]usageDelta{}
	add := func(coord string, c UsageClient, n *useCount) {
		ms := n.last / int64(time.Millisecond)
		hour := ms / 3_600_000
		m := byHour[hour]
		if m == nil {
			m = map[string]usageDelta{}
			byHour[hour] = m
		}
		f := usageField(coord, c)
		d := m[f]
		d.count += n.count - n.flushed
		d.last = max(d.last, ms)
		m[f] = d
	}
	u.mu.Lock()
	for c, cu := range u.uses {
		for doc, n := range cu.docs {
			if n.count > n.flushed {
				acks = append(acks, ack{n, n.count})
				for _, coord := range doc.coords {
					add(coord, c, n)
				}
			}
		}
		for coord, n := range cu.extra {
			if n.count > n.flushed {
				acks = append(acks, ack{n, n.count})
				add(coord, c, n)
			}
		}
	}
	u.mu.Unlock()
	if len(acks) == 0 {
		return nil
	}
	if err := u.store.add(ctx, byHour); err != nil {
		return err
	}
	u.mu.Lock()
	for _, a := range acks {
		a.n.flushed = a.upTo
	}
	u.mu.Unlock()
	return nil
}
