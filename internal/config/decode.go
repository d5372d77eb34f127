package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

var durationType = reflect.TypeFor[time.Duration]()

// Decode sets the fields of the struct dst points to from the YAML
// document b, by the fields' yaml tags. A key the YAML leaves out, or sets
// to null, keeps dst's value. It reports every problem at once, each an
// *Error at its key path: an unknown key (with the closest known key when
// one is a likely typo), a value of the wrong type, a second document.
func Decode(b []byte, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config.Decode: want a pointer to a struct, got %T", dst)
	}
	raw, err := parse(b)
	if err != nil {
		return err
	}
	d := decoder{root: v.Elem().Type()}
	d.value(v.Elem(), raw, "")
	return errors.Join(d.errs...)
}

// parse reads one YAML document into maps (yaml.MapSlice, in document
// order), lists and scalars; a second document that is not empty is an
// error rather than keys silently ignored.
func parse(b []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b), yaml.UseOrderedMap())
	var raw any
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, &Error{Reason: "not valid YAML: " + yaml.FormatError(err, false, true)}
	}
	for {
		var next any
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return raw, nil
		case err != nil:
			return nil, &Error{Reason: "not valid YAML: " + yaml.FormatError(err, false, true)}
		case next != nil:
			return nil, &Error{Reason: "more than one YAML document: put every key in the first"}
		}
	}
}

type decoder struct {
	root reflect.Type
	errs []error
}

func (d *decoder) bad(key string, raw any, format string, args ...any) {
	e := Errorf(key, format, args...)
	if s, ok := scalar(raw); ok {
		e.Value = s
	}
	d.errs = append(d.errs, e)
}

// value sets v from raw, the decoded YAML at key.
func (d *decoder) value(v reflect.Value, raw any, key string) {
	if raw == nil {
		return // null: keep the default
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		n := len(d.errs)
		d.value(p.Elem(), raw, key)
		if len(d.errs) == n {
			v.Set(p)
		}
	case t == durationType:
		s, ok := raw.(string)
		dur, err := time.ParseDuration(s)
		if !ok || err != nil {
			d.bad(key, raw, "want a duration such as 2s, 250ms or 1h30m, got %s", show(raw))
			return
		}
		v.SetInt(int64(dur))
	case t.Kind() == reflect.Struct:
		m, ok := raw.(yaml.MapSlice)
		if !ok {
			d.bad(key, raw, "want a mapping of keys (%s), got %s", strings.Join(fieldKeys(t), ", "), show(raw))
			return
		}
		d.mapping(v, m, key)
	case t.Kind() == reflect.String:
		s, ok := scalar(raw)
		if !ok {
			d.bad(key, raw, "want a string, got %s", show(raw))
			return
		}
		v.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := boolean(raw)
		if !ok {
			d.bad(key, raw, "want true or false, got %s", show(raw))
			return
		}
		v.SetBool(b)
	case v.CanInt():
		n, ok := integer(raw)
		if !ok || v.OverflowInt(n) {
			d.bad(key, raw, "want an integer, got %s", show(raw))
			return
		}
		v.SetInt(n)
	case v.CanUint():
		n, ok := integer(raw)
		if !ok || n < 0 || v.OverflowUint(uint64(n)) {
			d.bad(key, raw, "want a whole number, got %s", show(raw))
			return
		}
		v.SetUint(uint64(n))
	case v.CanFloat():
		f, ok := number(raw)
		if !ok {
			d.bad(key, raw, "want a number, got %s", show(raw))
			return
		}
		v.SetFloat(f)
	case t.Kind() == reflect.Slice:
		list, ok := raw.([]any)
		if !ok {
			d.bad(key, raw, "want a list, got %s", show(raw))
			return
		}
		out := reflect.MakeSlice(t, len(list), len(list))
		for i, item := range list {
			d.value(out.Index(i), item, fmt.Sprintf("%s[%d]", key, i))
		}
		v.Set(out)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		m, ok := raw.(yaml.MapSlice)
		if !ok {
			d.bad(key, raw, "want a mapping, got %s", show(raw))
			return
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for _, item := range m {
			k := fmt.Sprint(item.Key)
			e := reflect.New(t.Elem()).Elem()
			d.value(e, item.Value, joinKey(key, k))
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(out)
	default:
		d.bad(key, raw, "cannot be set from YAML (a %s)", t)
	}
}

// mapping sets the fields of struct v from m.
func (d *decoder) mapping(v reflect.Value, m yaml.MapSlice, key string) {
	t := v.Type()
	seen := map[string]bool{}
	for _, item := range m {
		k, ok := item.Key.(string)
		if !ok {
			d.bad(key, nil, "want string keys, got %s", show(item.Key))
			continue
		}
		path := joinKey(key, k)
		if seen[k] {
			d.bad(path, nil, "set twice")
			continue
		}
		seen[k] = true
		i, found := fieldIndex(t, k)
		if !found {
			d.errs = append(d.errs, &Error{Key: path, Reason: d.unknown(t, key, k)})
			continue
		}
		d.value(v.Field(i), item.Value, path)
	}
}

// unknown is the reason of an unknown key k in struct t at key: with the
// likely meant key of the same mapping, else a key of that name elsewhere.
func (d *decoder) unknown(t reflect.Type, key, k string) string {
	if s, ok := suggest(k, fieldKeys(t)); ok {
		return "unknown key; did you mean " + joinKey(key, s) + "?"
	}
	var elsewhere []string
	walkKeys(d.root, "", func(path, leaf string) {
		if strings.EqualFold(leaf, k) {
			elsewhere = append(elsewhere, path)
		}
	})
	if len(elsewhere) > 0 && len(elsewhere) <= 3 {
		return "unknown key here; did you mean " + strings.Join(elsewhere, " or ") + "?"
	}
	return "unknown key; the keys here are " + strings.Join(fieldKeys(t), ", ")
}

// yamlName is the key of a struct field, "" for one without a yaml tag
// name or tagged "-".
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func fieldIndex(t reflect.Type, key string) (int, bool) {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == key {
			return i, true
		}
	}
	return 0, false
}

func fieldKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			keys = append(keys, n)
		}
	}
	return keys
}

// walkKeys calls visit with the path and the last key of every key under
// struct type t.
func walkKeys(t reflect.Type, prefix string, visit func(path, leaf string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == durationType {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		n := yamlName(f)
		if n == "" {
			continue
		}
		path := joinKey(prefix, n)
		visit(path, n)
		walkKeys(f.Type, path, visit)
	}
}

// scalar is the text of a YAML scalar, and whether raw is one.
func scalar(raw any) (string, bool) {
	switch x := raw.(type) {
	case string:
		return x, true
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(x), true
	}
	return "", false
}

// boolean reads true and false, and YAML 1.1's yes, no, on and off, which
// YAML 1.2 reads as strings but people still write.
func boolean(raw any) (bool, bool) {
	switch x := raw.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "yes", "y", "on", "true":
			return true, true
		case "no", "n", "off", "false":
			return false, true
		}
	}
	return false, false
}

func integer(raw any) (int64, bool) {
	switch x := raw.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

func number(raw any) (float64, bool) {
	switch x := raw.(type) {
	case float64:
		return x, true
	case string:
		return 0, false
	}
	n, ok := integer(raw)
	return float64(n), ok
}

// show renders raw for a message: strings quoted, mappings and lists by
// kind.
func show(raw any) string {
	switch x := raw.(type) {
	case string:
		return strconv.Quote(x)
	case yaml.MapSlice:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprint(x)
	}
}
