package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// durationPattern is what time.ParseDuration reads.
const durationPattern = `^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+$|^0$`

// Schema returns a JSON Schema (draft 2020-12) of the struct dst points
// to, for editors: every key with its type, its description (docs), its
// environment variable (prefix) and, as default, its value in dst.
func Schema(dst any, prefix, id, title string, docs Docs) ([]byte, error) {
	env := map[string]string{}
	for _, v := range Vars(dst, prefix) {
		env[v.Key] = v.Name
	}
	s := schemaOf(reflect.ValueOf(dst).Elem(), "", env, docs)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = id
	s["title"] = title
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func schemaOf(v reflect.Value, key string, env map[string]string, docs Docs) map[string]any {
	t := v.Type()
	switch {
	case t == durationType:
		return map[string]any{"type": "string", "pattern": durationPattern}
	case t.Kind() == reflect.Pointer:
		elem := reflect.New(t.Elem()).Elem()
		if !v.IsNil() {
			elem = v.Elem()
		}
		return schemaOf(elem, key, env, docs)
	case t.Kind() == reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			k := joinKey(key, name)
			p := schemaOf(v.Field(i), k, env, docs)
			desc := docs.of(t, f)
			if e := env[k]; e != "" {
				desc = strings.TrimSpace(desc + " Environment: " + e + ".")
			}
			if desc != "" {
				p["description"] = desc
			}
			if d, ok := defaultOf(v.Field(i)); ok {
				p["default"] = d
			}
			props[name] = p
		}
		return map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case v.CanInt() || v.CanUint():
		return map[string]any{"type": "integer"}
	case v.CanFloat():
		return map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(reflect.New(t.Elem()).Elem(), key+"[]", env, docs)}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(reflect.New(t.Elem()).Elem(), key+".*", env, docs)}
	}
	return map[string]any{}
}

// defaultOf is v as a JSON value for a default, and whether it is worth
// saying: scalars and lists of scalars that are set.
func defaultOf(v reflect.Value) (any, bool) {
	t := v.Type()
	switch {
	case t == durationType:
		return formatDuration(time.Duration(v.Int())), true
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			return nil, false
		}
		return defaultOf(v.Elem())
	case t.Kind() == reflect.String, t.Kind() == reflect.Bool, v.CanInt(), v.CanUint(), v.CanFloat():
		return v.Interface(), true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		if v.Len() == 0 {
			return nil, false
		}
		return v.Interface(), true
	}
	return nil, false
}

// formatDuration writes d as people write it: 10m, not 10m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Table returns a Markdown table of every key of the struct dst points to:
// key, environment variable, default (dst's value) and description.
func Table(dst any, prefix string, docs Docs) string {
	env := map[string]string{}
	for _, v := range Vars(dst, prefix) {
		env[v.Key] = v.Name
	}
	var b strings.Builder
	b.WriteString("| key | environment | default | meaning |\n| --- | --- | --- | --- |\n")
	var walk func(v reflect.Value, key string)
	walk = func(v reflect.Value, key string) {
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			k := joinKey(key, name)
			fv := v.Field(i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(fv, k)
				continue
			}
			e := "—"
			if n := env[k]; n != "" {
				e = "`" + n + "`"
			}
			def := "—"
			if d, ok := defaultOf(fv); ok {
				switch x := d.(type) {
				case []string:
					def = strings.Join(x, ", ")
				case string:
					if x != "" {
						def = x
					}
				default:
					def = fmt.Sprint(x)
				}
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k, e, cell(def), cell(docs.of(t, f)))
		}
	}
	walk(reflect.ValueOf(dst).Elem(), "")
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
