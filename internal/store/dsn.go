package store

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// redacted replaces a database password wherever one is shown.
const redacted = "xxxxx"

var (
	// passwordParam is a password=VALUE parameter: of a URL query, or of
	// the key=value form ("host=h password='a b'"), quoted or not.
	// The suffix match also covers sslpassword.
	passwordParam = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&]*)`)
	// userinfoPassword is scheme://user:PASSWORD@ in any text; the password
	// runs to the last '@' before a space, so a raw '@', '/' or '?' in it is
	// hidden too.
	userinfoPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:@/?#\s]*:)\S*@`)
)

// RedactDSN returns s with every database password in it replaced by
// xxxxx: the password of a URL's user-info (postgres://user:pw@host/db) and
// the value of every password= parameter (postgres://host/db?password=pw,
// or "host=h password=pw"). s may be a DSN, a SQLite path or a message that
// quotes one. Use it wherever a database name is printed or logged.
func RedactDSN(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" && !strings.ContainsAny(s, " \t\r\n") {
		// One well-formed URL: keep everything else exactly.
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
		u.RawQuery = redactQuery(u.RawQuery)
		return u.String()
	}
	s = userinfoPassword.ReplaceAllString(s, "${1}"+redacted+"@")
	return passwordParam.ReplaceAllString(s, "${1}"+redacted)
}

// redactQuery hides the value of every query parameter whose decoded name
// ends in "password", leaving the rest of the query as it was written.
func redactQuery(raw string) string {
	params := strings.Split(raw, "&")
	for i, p := range params {
		key, _, ok := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if ok && strings.HasSuffix(strings.ToLower(key), "password") {
			params[i] = p[:strings.IndexByte(p, '=')+1] + redacted
		}
	}
	return strings.Join(params, "&")
}

// defaultPoolSize is a PostgreSQL store's connections when the DSN does not
// say: room for its committers and the reads beside them.
const defaultPoolSize = 48

// poolSize takes the store's own pool_max_conns parameter out of a
// postgres:// DSN (pgx would send it to the server as a setting, which
// refuses it) and returns the DSN without it and the pool size. Several
// processes on one database must share its max_connections (100 by
// default): three at 48 each can exhaust it.
func poolSize(dsn string) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil || !u.Query().Has("pool_max_conns") {
		return dsn, defaultPoolSize, nil
	}
	q := u.Query()
	n, err := strconv.Atoi(q.Get("pool_max_conns"))
	if err != nil || n < 2 || n > 1000 {
		return "", 0, fmt.Errorf("pool_max_conns=%q: want a whole number from 2 to 1000", q.Get("pool_max_conns"))
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}
