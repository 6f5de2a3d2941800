package redcloud

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Patch is one optional, nullable string field of an update, in one of three
// states: absent (the zero Patch: not sent, the field is left unchanged),
// null (Set with a nil Value: the field is cleared) or a value (Set with a
// Value). A struct field of type Patch tagged `json:",omitzero"` encodes and
// decodes all three.
type Patch struct {
	Set   bool
	Value *string
}

// SetTo returns a Patch that sets the field to v.
func SetTo(v string) Patch { return Patch{Set: true, Value: &v} }

// Clear returns a Patch that clears the field (JSON null).
func Clear() Patch { return Patch{Set: true} }

// IsZero reports whether p is absent, so that omitzero leaves it out.
func (p Patch) IsZero() bool { return !p.Set }

// MarshalJSON encodes null for a cleared field and the string otherwise. An
// absent Patch also encodes as null: tag the field omitzero to leave it out.
func (p Patch) MarshalJSON() ([]byte, error) {
	if p.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*p.Value)
}

// UnmarshalJSON decodes null (clear) or a string (set). encoding/json calls
// it only for a field present in the object, so an absent field stays the
// zero Patch. Any other JSON value is a *json.UnmarshalTypeError.
func (p *Patch) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*p = Patch{Set: true}
		return nil
	}
	if len(b) == 0 || b[0] != '"' {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = Patch{Set: true, Value: &s}
	return nil
}

// jsonKind names the kind of the JSON value b, as UnmarshalTypeError does.
func jsonKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "empty"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}
