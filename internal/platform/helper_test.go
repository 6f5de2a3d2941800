package platform_test

import (
	"encoding/json"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// wantErr fails the test unless err is an INVALID_REQUEST with exactly
// message msg and details.field equal to field ("" means no details.field).
func wantErr(t *testing.T, err *platform.Error, msg, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", msg)
	}
	if err.Code != redcloud.CodeInvalidRequest {
		t.Errorf("code = %q, want %q", err.Code, redcloud.CodeInvalidRequest)
	}
	if err.Message != msg {
		t.Errorf("message = %q, want %q", err.Message, msg)
	}
	got, ok := err.Details["field"]
	switch {
	case field == "" && ok:
		t.Errorf("details.field = %v, want none", got)
	case field != "" && got != field:
		t.Errorf("details.field = %v, want %q", got, field)
	}
}

// wantReason fails the test unless err carries details.reason = reason
// ("" means no details.reason).
func wantReason(t *testing.T, err *platform.Error, reason string) {
	t.Helper()
	if err == nil {
		return // wantErr reported it
	}
	got, ok := err.Details["reason"]
	switch {
	case reason == "" && ok:
		t.Errorf("details.reason = %v, want none", got)
	case reason != "" && got != reason:
		t.Errorf("details.reason = %v, want %q", got, reason)
	}
}

// checkFuzzErr is the property every decoder error must hold.
func checkFuzzErr(t *testing.T, err *platform.Error) {
	t.Helper()
	if err.Code != redcloud.CodeInvalidRequest {
		t.Fatalf("code = %q, want INVALID_REQUEST (%v)", err.Code, err)
	}
	if err.Message == "" {
		t.Fatalf("empty message (%+v)", err)
	}
	if f, ok := err.Details["field"]; ok {
		if s, isString := f.(string); !isString || s == "" {
			t.Fatalf("details.field = %#v, want a non-empty string", f)
		}
	}
}

// mustJSON encodes v or fails the test.
func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }
