package server

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// envPrefix starts every environment override.
const envPrefix = "GQLBFF"

// EnvVar is one environment override: its name and the YAML key it sets.
type EnvVar struct {
	Name string
	Key  string
}

// EnvVars lists every environment override of Config, in field order.
func EnvVars() []EnvVar {
	var out []EnvVar
	walkEnv(reflect.ValueOf(&Config{}).Elem(), envPrefix, "", func(_ reflect.Value, name, key string) {
		out = append(out, EnvVar{Name: name, Key: key})
	})
	return out
}

// applyEnv sets every field whose environment variable is not empty.
func applyEnv(cfg *Config, getenv func(string) string) error {
	var errs []string
	walkEnv(reflect.ValueOf(cfg).Elem(), envPrefix, "", func(v reflect.Value, name, key string) {
		raw := getenv(name)
		if raw == "" {
			return
		}
		if err := setField(v, raw); err != nil {
			errs = append(errs, fmt.Sprintf("%s (%s): %v", name, key, err))
		}
	})
	if len(errs) > 0 {
		return fmt.Errorf("environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

func walkEnv(v reflect.Value, env, key string, visit func(reflect.Value, string, string)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("env")
		if !ok {
			continue
		}
		name := env
		if tag != "" {
			name += "_" + tag
		}
		k := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key != "" {
			k = key + "." + k
		}
		if f.Type.Kind() == reflect.Struct {
			walkEnv(v.Field(i), name, k, visit)
			continue
		}
		visit(v.Field(i), name, k)
	}
}

var durationType = reflect.TypeFor[time.Duration]()

func setField(v reflect.Value, raw string) error {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if err := setField(p.Elem(), raw); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("want a Go duration such as 2s, got %q", raw)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", raw)
		}
		v.SetBool(b)
	case v.CanInt():
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", raw)
		}
		v.SetInt(n)
	case v.CanFloat():
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("want a number, got %q", raw)
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		// A list of entries (jwt.keys) is written as in the file: YAML,
		// or JSON, which YAML reads too.
		dec := yaml.NewDecoder(strings.NewReader(raw))
		dec.KnownFields(true)
		out := reflect.New(v.Type())
		if err := dec.Decode(out.Interface()); err != nil {
			return fmt.Errorf("want a YAML or JSON list: %v", err)
		}
		v.Set(out.Elem())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		parts := strings.Split(raw, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
