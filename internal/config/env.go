package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Var is one environment override: its name and the key it sets.
type Var struct {
	Name string
	Key  string
}

// Vars lists every environment override of the struct dst points to, in
// field order. A field's variable is its env tag, joined with "_" to its
// parents' tags after prefix; a field without an env tag has none (nor do
// its fields).
func Vars(dst any, prefix string) []Var {
	var out []Var
	walkEnv(reflect.ValueOf(dst).Elem(), prefix, "", func(_ reflect.Value, name, key string) {
		out = append(out, Var{Name: name, Key: key})
	})
	return out
}

// ApplyEnv sets every field of the struct dst points to whose variable
// getenv answers with a value other than "". It reports every bad value
// at once, each an *Error at its key whose reason names the variable.
// Lists of strings are comma-separated; lists of mappings are YAML or JSON.
func ApplyEnv(dst any, prefix string, getenv func(string) string) error {
	var errs []error
	walkEnv(reflect.ValueOf(dst).Elem(), prefix, "", func(v reflect.Value, name, key string) {
		raw := getenv(name)
		if raw == "" {
			return
		}
		if err := setFromEnv(v, raw, key); err != nil {
			errs = append(errs, &Error{Key: key, Value: raw, Reason: "from " + name + ": " + err.Error()})
		}
	})
	return errors.Join(errs...)
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
		k := joinKey(key, yamlName(f))
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			walkEnv(v.Field(i), name, k, visit)
			continue
		}
		visit(v.Field(i), name, k)
	}
}

func setFromEnv(v reflect.Value, raw, key string) error {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		if err := setFromEnv(p.Elem(), raw, key); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("want a duration such as 2s, 250ms or 1h30m, got %q", raw)
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
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("want an integer, got %q", raw)
		}
		v.SetInt(n)
	case v.CanUint():
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return fmt.Errorf("want a whole number, got %q", raw)
		}
		v.SetUint(n)
	case v.CanFloat():
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("want a number, got %q", raw)
		}
		v.SetFloat(f)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		parts := strings.Split(raw, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
		for i, p := range parts {
			out.Index(i).SetString(p)
		}
		v.Set(out)
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
		// A list of entries (jwt.keys) is written as in the file: YAML,
		// or JSON, which YAML reads too.
		parsed, err := parse([]byte(raw))
		if err != nil {
			return err
		}
		d := decoder{root: v.Type()}
		out := reflect.New(v.Type()).Elem()
		d.value(out, parsed, key)
		if err := errors.Join(d.errs...); err != nil {
			return fmt.Errorf("want YAML or JSON: %w", err)
		}
		v.Set(out)
	default:
		return errors.New("cannot be set from the environment")
	}
	return nil
}
