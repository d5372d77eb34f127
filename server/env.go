package server

import "github.com/gqlbff/gqlbff/internal/config"

// envPrefix starts every environment override.
const envPrefix = "GQLBFF"

// EnvVar is one environment override: its name and the YAML key it sets.
type EnvVar = config.Var

// EnvVars lists every environment override of Config, in field order.
func EnvVars() []EnvVar {
	return config.Vars(&Config{}, envPrefix)
}

// envFor names the environment variable of key, "" when it has none.
func envFor(key string) string {
	for _, v := range EnvVars() {
		if v.Key == key {
			return v.Name
		}
	}
	return ""
}
