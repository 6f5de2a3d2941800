package store_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud/internal/store"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"sqlite path", "/var/lib/redcloud/redcloud.db", "/var/lib/redcloud/redcloud.db"},
		{"relative sqlite path", "redcloud.db", "redcloud.db"},
		{"url without password", "postgres://app@db.example.com:5432/redcloud?sslmode=verify-full", "postgres://app@db.example.com:5432/redcloud?sslmode=verify-full"},
		{"url user-info", "postgres://app:SECRET@db.example.com:5432/redcloud?sslmode=disable", "postgres://app:xxxxx@db.example.com:5432/redcloud?sslmode=disable"},
		{"postgresql scheme", "postgresql://app:SECRET@db/redcloud", "postgresql://app:xxxxx@db/redcloud"},
		{"empty password", "postgres://app:@db/redcloud", "postgres://app:xxxxx@db/redcloud"},
		{"query password", "postgres://app@db/redcloud?password=SECRET", "postgres://app@db/redcloud?password=xxxxx"},
		{"query password between others", "postgres://app@db/redcloud?sslmode=disable&password=SECRET&connect_timeout=5", "postgres://app@db/redcloud?sslmode=disable&password=xxxxx&connect_timeout=5"},
		{"query password upper case", "postgres://app@db/redcloud?PASSWORD=SECRET", "postgres://app@db/redcloud?PASSWORD=xxxxx"},
		{"query password percent-encoded name", "postgres://app@db/redcloud?pass%77ord=SECRET", "postgres://app@db/redcloud?pass%77ord=xxxxx"},
		{"query sslpassword", "postgres://app@db/redcloud?sslpassword=SECRET", "postgres://app@db/redcloud?sslpassword=xxxxx"},
		{"both forms", "postgres://app:SECRET@db/redcloud?password=SECRET", "postgres://app:xxxxx@db/redcloud?password=xxxxx"},
		{"password with @", "postgres://app:SE@CRET@db/redcloud", "postgres://app:xxxxx@db/redcloud"},
		{"password with slash (not a valid URL)", "postgres://app:SE/CRET@db/redcloud", "postgres://app:xxxxx@db/redcloud"},
		{"bad port", "postgres://app:SECRET@db:badport/redcloud", "postgres://app:xxxxx@db:badport/redcloud"},
		{"bad percent-encoding", "postgres://app:SEC%zzRET@db/redcloud", "postgres://app:xxxxx@db/redcloud"},
		{"no host", "postgres:///redcloud?host=/run/postgresql&password=SECRET", "postgres:///redcloud?host=/run/postgresql&password=xxxxx"},
		{"keyword form", "host=db user=app password=SECRET dbname=redcloud", "host=db user=app password=xxxxx dbname=redcloud"},
		{"keyword form with spaces around =", "host=db password = SECRET dbname=redcloud", "host=db password = xxxxx dbname=redcloud"},
		{"keyword form quoted", `host=db password='SE CR\'ET' dbname=redcloud`, "host=db password=xxxxx dbname=redcloud"},
		{"keyword form unterminated quote", "host=db password='SE CRET", "host=db password=xxxxx"},
		{"message quoting a dsn", "open database postgres://app:SECRET@db/redcloud: connection refused", "open database postgres://app:xxxxx@db/redcloud: connection refused"},
		{"message quoting a keyword dsn", "database host=db password=SECRET does not exist", "database host=db password=xxxxx does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := store.RedactDSN(tc.in)
			if got != tc.want {
				t.Errorf("RedactDSN(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.Contains(got, "CRET") { // every password in the table ends so
				t.Errorf("RedactDSN(%q) = %q shows the password", tc.in, got)
			}
		})
	}
}
