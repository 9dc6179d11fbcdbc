package httpjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"
)

// checkKeys walks data with the standard tokenizer, alongside the type it
// will be decoded into, and refuses what encoding/json would accept
// ambiguously: a key given twice in one object (for a struct, also when
// the spellings differ only in case: encoding/json would let the last one
// win), and a key that matches a struct field only when case is
// ignored. With strict,
// a key that matches no field is refused too (Decode's
// DisallowUnknownFields would say the same, but without the key's path).
// Malformed JSON is left to Decode, which describes it.
func checkKeys(data []byte, t reflect.Type, strict bool) error {
	c := keyChecker{dec: json.NewDecoder(bytes.NewReader(data)), strict: strict}
	c.dec.UseNumber()
	err := c.value(t, "")
	if _, ok := err.(*keyError); ok {
		return invalid(err.Error())
	}
	return nil // a syntax error: Decode reports it
}

type keyChecker struct {
	dec    *json.Decoder
	strict bool
}

// keyError is a refused key; other errors come from the tokenizer.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }

func refuse(format string, args ...any) error {
	return &keyError{msg: fmt.Sprintf(format, args...)}
}

// value consumes one JSON value that decodes into t (nil: a type whose
// keys are not checked, such as any or a json.Unmarshaler).
func (c *keyChecker) value(t reflect.Type, path string) error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return c.object(shape(t), path)
	case json.Delim('['):
		var elem reflect.Type
		if s := shape(t); s != nil && (s.Kind() == reflect.Slice || s.Kind() == reflect.Array) {
			elem = s.Elem()
		}
		for i := 0; c.dec.More(); i++ {
			if err := c.value(elem, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, err = c.dec.Token() // ]
		return err
	}
	return nil
}

func (c *keyChecker) object(t reflect.Type, path string) error {
	var fields *structFields
	if t != nil && t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	seen := make(map[string]string)
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		name := join(path, key)
		// Into a struct, encoding/json matches keys to fields ignoring
		// case, so two spellings of one key are one field given twice.
		// Into a map or an untyped value, keys are kept as spelled, so
		// only the same spelling twice is ambiguous.
		folded := key
		if fields != nil {
			folded = fold(key)
		}
		if prev, dup := seen[folded]; dup {
			if prev == key {
				return refuse("key %q is given twice", name)
			}
			return refuse("keys %q and %q differ only in case", join(path, prev), name)
		}
		seen[folded] = key
		var elem reflect.Type
		switch {
		case fields != nil:
			f, exact := fields.exact[key]
			if !exact {
				if want, ok := fields.folded[folded]; ok {
					return refuse("key %q must be spelled %q", name, join(path, want))
				}
				if c.strict {
					return refuse("unknown field %q", name)
				}
			}
			elem = f
		case t != nil && t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		if err := c.value(elem, name); err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // }
	return err
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shape is t without pointers, or nil where encoding/json hands the value
// to a custom decoder (whose keys are its own business) or to an
// interface.
func shape(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	if p := reflect.PointerTo(t); p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) {
		return nil
	}
	return t
}

// structFields are the JSON keys of a struct as encoding/json names them:
// exact names with their field types, and their case folds.
type structFields struct {
	exact  map[string]reflect.Type
	folded map[string]string
}

var fieldCache sync.Map // reflect.Type → *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: make(map[string]reflect.Type), folded: make(map[string]string)}
	collect(t, f, map[reflect.Type]bool{})
	for name := range f.exact {
		f.folded[fold(name)] = name
	}
	fieldCache.Store(t, f)
	return f
}

// collect adds t's fields, promoting those of embedded structs the way
// encoding/json does (the shallower field wins; a name seen first at a
// depth is kept).
func collect(t reflect.Type, f *structFields, visiting map[reflect.Type]bool) {
	if visiting[t] {
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				embedded = append(embedded, et)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, ok := f.exact[name]; !ok {
			f.exact[name] = sf.Type
		}
	}
	for _, et := range embedded {
		collect(et, f, visiting)
	}
}

// fold is encoding/json's case folding of keys: fold(a) == fold(b)
// exactly when bytes.EqualFold(a, b), which is how encoding/json matches
// a key to a field.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
	}
	return b.String()
}

func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}
