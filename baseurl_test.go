package redcloud_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

func TestPlainHTTPToRemote(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want bool
	}{
		{"http://api.example.com", true},
		{"http://10.0.0.5:8080", true},
		{"http://[2001:db8::1]:8080", true},
		{"HTTP://api.example.com", true},
		{"https://api.example.com", false},
		{"http://127.0.0.1:8080", false},
		{"http://127.9.9.9", false},
		{"http://[::1]:8080", false},
		{"http://localhost:8080", false},
		{"http://api.localhost", false},
	} {
		if got := redcloud.PlainHTTPToRemote(tt.url); got != tt.want {
			t.Errorf("PlainHTTPToRemote(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

// TestNewClientWarnsOfPlainHTTP: the warning names the risk and never the
// secret.
func TestNewClientWarnsOfPlainHTTP(t *testing.T) {
	for _, tt := range []struct {
		base string
		warn bool
	}{{"http://api.example.com", true}, {"https://api.example.com", false}, {"http://127.0.0.1:8080", false}} {
		var buf bytes.Buffer
		_, err := redcloud.NewClient(redcloud.Config{BaseURL: tt.base, ClientID: "id", ClientSecret: "s3cr3t-value",
			Logger: slog.New(slog.NewTextHandler(&buf, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "plain http://"); got != tt.warn {
			t.Errorf("%s: warned = %v, want %v; log: %s", tt.base, got, tt.warn, buf.String())
		}
		if strings.Contains(buf.String(), "s3cr3t-value") {
			t.Errorf("%s: the log holds the secret", tt.base)
		}
	}
}
