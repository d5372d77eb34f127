package budget

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis keeps buckets in a Redis server that replicas share, so a client's
// budget is one budget whichever replica serves it. Each Take and Adjust is
// one round trip: a Lua script that refills, takes and writes the bucket
// atomically, on the server's clock (so replicas' clocks do not matter),
// and sets the key to expire when the bucket would be full again (a
// missing key is a full bucket).
//
// Every failure wraps ErrUnavailable and costs at most the timeout: commands
// are not retried, dials are tried once, and after as many failed dials as
// the pool has connections go-redis stops dialing and probes once a second,
// so a Redis that is down costs nothing more than an error.
type Redis struct {
	client  *redis.Client
	timeout time.Duration
	prefix  string
}

// KeyPrefix starts every key of the Redis store.
const KeyPrefix = "gqlbff:budget:"

var _ Store = (*Redis)(nil)

// NewRedis returns a store on the Redis server at url (redis:// or
// rediss://), each command bounded by timeout. It does not connect yet: a
// Redis that is down at start is a Redis that is down.
func NewRedis(url string, timeout time.Duration) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("budget: redis url: %w", err)
	}
	if timeout <= 0 {
		return nil, errors.New("budget: redis timeout must be positive")
	}
	opts.DialTimeout = timeout
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.PoolTimeout = timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	opts.DialerRetries = 1
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &Redis{client: redis.NewClient(opts), timeout: timeout, prefix: KeyPrefix}, nil
}

// AddHook installs h on the store's Redis client, for the commands sent
// from now on (gqlbff times them with it). Hooks are never removed.
func (r *Redis) AddHook(h redis.Hook) { r.client.AddHook(h) }

// bucketScript refills, then takes all of ARGV[3] or nothing ("take"), or
// takes it bounded to [0, capacity] ("adjust"). Times are the server's, in
// milliseconds. It answers {taken (0|1), tokens left as a string}.
var bucketScript = redis.NewScript(`
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 1000
local n = tonumber(ARGV[3])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = cap
local v = redis.call("HMGET", KEYS[1], "tokens", "at")
if v[1] then
  tokens = tonumber(v[1])
  local at = tonumber(v[2])
  if now > at then tokens = tokens + (now - at) * rate end
  if tokens > cap then tokens = cap end
end
local ok = 1
if ARGV[4] == "take" then
  if n <= tokens then tokens = tokens - n else ok = 0 end
else
  tokens = math.max(0, math.min(cap, tokens - n))
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
if rate > 0 then
  redis.call("PEXPIRE", KEYS[1], math.ceil((cap - tokens) / rate) + 1000)
end
return {ok, tostring(tokens)}
`)

// Take implements Store.
func (r *Redis) Take(ctx context.Context, key string, n float64, l Limit) (Status, error) {
	return r.run(ctx, key, n, l, "take")
}

// Adjust implements Store.
func (r *Redis) Adjust(ctx context.Context, key string, n float64, l Limit) (Status, error) {
	return r.run(ctx, key, n, l, "adjust")
}

func (r *Redis) run(ctx context.Context, key string, n float64, l Limit, mode string) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := bucketScript.Run(ctx, r.client, []string{r.prefix + key},
		strconv.FormatFloat(l.Capacity, 'g', -1, 64), strconv.FormatFloat(l.Rate, 'g', -1, 64),
		strconv.FormatFloat(n, 'g', -1, 64), mode).Slice()
	if err != nil {
		return Status{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(res) != 2 {
		return Status{}, fmt.Errorf("%w: unexpected script answer %v", ErrUnavailable, res)
	}
	ok, _ := res[0].(int64)
	s, _ := res[1].(string)
	tokens, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Status{}, fmt.Errorf("%w: unexpected script answer %v", ErrUnavailable, res)
	}
	st := Status{Allowed: ok == 1, Available: tokens}
	if !st.Allowed {
		st.RetryAfter = retryAfter(n, tokens, l)
	}
	return st, nil
}

// Ping checks that the server answers.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Close implements Store: it closes the connections.
func (r *Redis) Close() error { return r.client.Close() }
