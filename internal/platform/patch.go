package platform

import (
	"encoding/json"

	"github.com/redcloud-core/redcloud"
)

// patchField is one field of an update body: its wire name and where its
// tri-state value (absent, null, a string) decodes to.
type patchField struct {
	name string
	p    *redcloud.Patch
}

// decode sets f from raw: left absent when raw lacks it, an error naming it
// when it holds neither a string nor null.
func (f patchField) decode(raw map[string]json.RawMessage) *Error {
	v, ok := raw[f.name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(v, f.p); err != nil {
		return Invalid(f.name, f.name+" must be a string or null")
	}
	return nil
}

// patchPointer returns p in the store's form: nil when absent, a pointer to
// nil when cleared, a pointer to the value when set.
func patchPointer(p redcloud.Patch) **string {
	if !p.Set {
		return nil
	}
	v := p.Value
	return &v
}
