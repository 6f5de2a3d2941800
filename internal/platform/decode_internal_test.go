package platform

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzTopKeysIn: topKeysIn, the shortcut of exactNames, never says every
// key is a field name when decoding the body shows one that is not.
func FuzzTopKeysIn(f *testing.F) {
	for _, s := range []string{
		`{"sendFrom":"num_abc123","to":["+15551234567"],"messageType":"SMS","text":"hi"}`,
		`{"text":"\", \"sendFrom\": {[\\","TEXT":"hi"}`,
		`{"text":"x\\","Text":"hi"}`,
		`{"send\u0046rom":"a","to":[{"SENDFROM":1},[",",{}]]}`,
		`{"to":["},{"],"X":{"text":{"text":[]}}}`,
		`{}`,
	} {
		f.Add(s)
	}
	names := fieldNames(reflect.TypeFor[SendInput]())
	f.Fuzz(func(t *testing.T, body string) {
		var raw map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &raw) != nil || !topKeysIn([]byte(body), names) {
			return
		}
		for k := range raw {
			if !names[k] {
				t.Fatalf("topKeysIn(%s) = true, but %q is no field name", body, k)
			}
		}
	})
}
