package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// decodeStrict decodes one JSON object into v, rejecting unknown fields,
// wrong types and trailing data with an INVALID_REQUEST naming the field.
func decodeStrict(body []byte, v any) *Error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return Invalid("", "request body is required")
	}
	if trimmed[0] != '{' {
		return Invalid("", "request body must be a JSON object")
	}
	// encoding/json would replace invalid UTF-8 with U+FFFD: the message
	// sent would differ from the one the caller wrote, and two different
	// payloads would share a fingerprint.
	if !utf8.Valid(trimmed) {
		return Invalid("", "request body must be valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Invalid("", "request body must hold exactly one JSON object")
	}
	if err := exactNames(trimmed, v); err != nil {
		return err
	}
	// PostgreSQL text cannot hold U+0000 (and no field means anything by
	// it): refused here rather than failing the database call with a 500.
	if field, ok := nulField(trimmed); ok {
		if field == "" {
			return Invalid("", "request body must not contain NUL characters")
		}
		return Invalid(field, field+" must not contain NUL characters")
	}
	return nil
}

// nulField reports the first top-level field (in name order) whose name or
// value holds a string with U+0000. A raw NUL byte is not valid JSON, so
// only the escape \u0000 can produce one.
func nulField(body []byte) (string, bool) {
	if !bytes.Contains(body, []byte(`\u0000`)) {
		return "", false
	}
	var obj map[string]any
	if json.Unmarshal(body, &obj) != nil {
		return "", false
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if strings.IndexByte(k, 0) >= 0 || hasNUL(obj[k]) {
			return k, true
		}
	}
	return "", false
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		return slices.ContainsFunc(x, hasNUL)
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// exactNames rejects keys that encoding/json matched to a struct field only
// case-insensitively ("SENDFROM" for "sendFrom"): a misspelt field must not
// be taken silently.
func exactNames(body []byte, v any) *Error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := fieldNames(t.Elem())
	if topKeysIn(body, names) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return Invalid("", "request body is not valid JSON")
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		if !names[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	return Invalid(keys[0], "unknown field "+keys[0]).With("reason", "unknown_field")
}

// fieldNamesOf caches fieldNames: every request body of a kind has the same.
var fieldNamesOf sync.Map // reflect.Type → map[string]bool

// fieldNames returns the JSON names of struct type t's fields.
func fieldNames(t reflect.Type) map[string]bool {
	if m, ok := fieldNamesOf.Load(t); ok {
		return m.(map[string]bool)
	}
	names := make(map[string]bool, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names[name] = true
	}
	fieldNamesOf.Store(t, names)
	return names
}

// topKeysIn reports whether every top-level key of body, one JSON object
// that encoding/json has accepted, is in names exactly as written: the
// common case, answered without decoding the body a second time. A key
// with an escape is not compared (false), so the caller decodes it.
func topKeysIn(body []byte, names map[string]bool) bool {
	depth, key := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '{', '[':
			depth++
			key = depth == 1 && c == '{'
		case '}', ']':
			depth--
		case ',':
			key = depth == 1
		case '"':
			j, escaped := i+1, false
			for ; j < len(body) && body[j] != '"'; j++ {
				if body[j] == '\\' {
					escaped = true
					j++
				}
			}
			if j >= len(body) {
				return false
			}
			if key {
				if escaped || !names[string(body[i+1:j])] {
					return false
				}
				key = false
			}
			i = j
		}
	}
	return true
}

func jsonError(err error) *Error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			return Invalid("", "request body must be a JSON object")
		}
		want := kind(typeErr.Type)
		if arrayFields[field] {
			want = "an array of strings" // the error names the element's type
		}
		return Invalid(field, field+" must be "+want)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return Invalid(field, "unknown field "+field).With("reason", "unknown_field")
	}
	return Invalid("", "request body is not valid JSON")
}

// arrayFields are the request fields that hold arrays of strings.
var arrayFields = map[string]bool{"to": true, "mediaUrls": true}

// kind names the JSON kind a Go type expects, for the type-error message.
func kind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(kind(t.Elem()), "a "), "an ") + "s"
	}
	return "a JSON object"
}

// jsonMarshal encodes v without HTML escaping, so stored bodies show URLs
// and '&' as sent.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
