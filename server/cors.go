package server

import (
	"net/http"

	"github.com/rs/cors"
)

// corsPolicy answers preflights and marks the answers of allowed browser
// origins (rs/cors); a disallowed origin gets no CORS headers at all. With
// no allowed origin configured every origin is disallowed: rs/cors itself
// would read an empty list as "all".
func corsPolicy(cfg CORSConfig) func(http.Handler) http.Handler {
	opts := cors.Options{
		AllowedOrigins:   cfg.AllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   cfg.AllowedHeaders,
		ExposedHeaders:   cfg.ExposedHeaders,
		AllowCredentials: cfg.AllowCredentials,
		MaxAge:           int(cfg.MaxAge.Seconds()),
	}
	if len(cfg.AllowedOrigins) == 0 {
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts).Handler
}
