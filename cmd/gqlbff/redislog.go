package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// redisLog routes go-redis's own log lines (a pool's failed dials, for
// one) into gqlbff's log, as debug lines in its format, instead of plain
// text on stderr: gqlbff itself logs a Redis outage once when it starts
// and once when it ends.
type redisLog struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis", "detail", strings.TrimSpace(fmt.Sprintf(format, v...)))
}
