package server

import _ "embed"

// configSchema is the JSON Schema of Config, generated from its types,
// doc comments and defaults (TestConfigSchemaIsCurrent keeps it current).
//
//go:embed config.schema.json
var configSchema []byte

// ConfigSchema returns the JSON Schema (draft 2020-12) of the YAML
// configuration file, for editors: point yaml-language-server at it with
// "# yaml-language-server: $schema=config.schema.json".
func ConfigSchema() []byte { return configSchema }
