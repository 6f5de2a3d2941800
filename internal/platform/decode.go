package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
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
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Invalid("", "request body must hold exactly one JSON object")
	}
	return exactNames(trimmed, v)
}

// exactNames rejects keys that encoding/json matched to a struct field only
// case-insensitively ("SENDFROM" for "sendFrom"): a misspelt field must not
// be taken silently.
func exactNames(body []byte, v any) *Error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	names := make(map[string]bool, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names[name] = true
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
