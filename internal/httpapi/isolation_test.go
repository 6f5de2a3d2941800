package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
)

// sameAnswer fails t unless a and b are the same answer: status, headers
// and body equal except the request id (and Date), so that a caller cannot
// tell the two situations apart.
func sameAnswer(t *testing.T, a, b resp) {
	t.Helper()
	if a.status != b.status {
		t.Errorf("status %d vs %d:\n%s\n%s", a.status, b.status, a.body, b.body)
		return
	}
	strip := func(r resp) any {
		var v map[string]any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("body is not a JSON object: %s", r.body)
		}
		delete(v, "requestId")
		return v
	}
	if x, y := strip(a), strip(b); !reflect.DeepEqual(x, y) {
		t.Errorf("bodies differ beyond requestId:\n%s\n%s", a.body, b.body)
	}
	headers := func(r resp) http.Header {
		h := r.header.Clone()
		h.Del(redcloud.HeaderRequestID)
		h.Del("Date")
		return h
	}
	if x, y := headers(a), headers(b); !reflect.DeepEqual(x, y) {
		t.Errorf("headers differ:\n%v\n%v", x, y)
	}
}

// TestIsolation: for every route, API client A (rc_test_client_123) can
// neither read, change, send from, nor learn the existence of anything of
// API client B (rc_other_client_456, number num_def456): each attempt on B's
// resource gets the very answer an attempt on a resource that does not exist
// gets, and B's rows are unchanged afterwards.
func TestIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.sandboxToken(t), e.otherToken(t)

	// B's world: webhooks, a number override, a message under a key, an
	// inbound message.
	hooksB := e.put(t, "/api/sandbox/webhooks", b, `{"deliveryUrl":"https://b.example/d","inboundUrl":"https://b.example/i"}`)
	var whB redcloud.SandboxWebhooks
	mustJSON(t, hooksB.body, &whB)
	if r := e.patch(t, "/api/core/numbers/"+otherNumber, b, `{"webhookDeliveryOverride":"https://b.example/override"}`); r.status != 200 {
		t.Fatalf("B's PATCH: %d %s", r.status, r.body)
	}
	sentB := wantAccepted(t, e.send(t, b, "b-key", sms(otherNumber, "B's secret text", "+15005550004")))
	msgB := sentB.ids()[0]
	var inB redcloud.SandboxInboundResult
	mustJSON(t, e.post(t, "/api/sandbox/inbound", b, `{"numberId":"num_def456","from":"+15551234567","text":"to B"}`).body, &inB)
	rowsB := func() string { // every row of B that A might change
		var out []string
		for _, q := range []string{
			`SELECT id || '|' || COALESCE(api_client_id,'') || '|' || status || '|' || COALESCE(campaign_reg_id,'') || '|' ||
				COALESCE(webhook_inbound_override,'') || '|' || COALESCE(webhook_delivery_override,'') FROM numbers WHERE id = 'num_def456'`,
			`SELECT COALESCE(delivery_url,'') || '|' || COALESCE(inbound_url,'') || '|' || webhook_secret || '|' || status FROM api_clients WHERE id = 'rc_other_client_456'`,
			`SELECT COUNT(*) || '|' || group_concat(id || status, ',') FROM messages WHERE api_client_id = 'rc_other_client_456'`,
			`SELECT COUNT(*) || '|' || group_concat(key || fingerprint, ',') FROM idempotency_keys WHERE api_client_id = 'rc_other_client_456'`,
			`SELECT COUNT(*) FROM events WHERE api_client_id = 'rc_other_client_456'`,
		} {
			var s string
			if err := e.raw(t).QueryRowContext(e.ctx, q).Scan(&s); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			out = append(out, s)
		}
		return strings.Join(out, "\n")
	}
	before := rowsB()

	tests := []struct {
		name     string
		theirs   request // A's request on B's resource
		nobody   request // the same request on a resource that does not exist
		status   int
		code     string
		message  string
		details  map[string]any
		sameBody bool // also identical to nobody's answer
	}{
		{name: "PATCH B's number", status: 403, code: redcloud.CodeForbidden, message: "numberId is not owned by this API client",
			details: map[string]any{"field": "numberId"},
			theirs:  request{method: "PATCH", path: "/api/core/numbers/" + otherNumber, body: `{"webhookDeliveryOverride":"https://a.example/steal"}`},
			nobody:  request{method: "PATCH", path: "/api/core/numbers/num_nope", body: `{"webhookDeliveryOverride":"https://a.example/steal"}`}},
		{name: "PATCH B's number, clearing its campaign", status: 403, code: redcloud.CodeForbidden, message: "numberId is not owned by this API client",
			details: map[string]any{"field": "numberId"},
			theirs:  request{method: "PATCH", path: "/api/core/numbers/" + otherNumber, body: `{"campaignregId":null}`},
			nobody:  request{method: "PATCH", path: "/api/core/numbers/num_nope", body: `{"campaignregId":null}`}},
		{name: "send from B's number", status: 403, code: redcloud.CodeForbidden, message: "sendFrom is not owned by this API client",
			details: map[string]any{"field": "sendFrom"},
			theirs:  request{method: "POST", path: "/api/core/messages/send", body: sms(otherNumber, "x", numberE164), header: []string{redcloud.HeaderIdempotencyKey, "a-1"}},
			nobody:  request{method: "POST", path: "/api/core/messages/send", body: sms("num_nope", "x", numberE164), header: []string{redcloud.HeaderIdempotencyKey, "a-2"}}},
		{name: "send MMS from B's number", status: 403, code: redcloud.CodeForbidden, message: "sendFrom is not owned by this API client",
			details: map[string]any{"field": "sendFrom"},
			theirs: request{method: "POST", path: "/api/core/messages/send", header: []string{redcloud.HeaderIdempotencyKey, "a-3"},
				body: `{"sendFrom":"num_def456","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://a.example/x.png"]}`},
			nobody: request{method: "POST", path: "/api/core/messages/send", header: []string{redcloud.HeaderIdempotencyKey, "a-4"},
				body: `{"sendFrom":"num_nope","to":["+15551234567"],"messageType":"MMS","mediaUrls":["https://a.example/x.png"]}`}},
		{name: "GET B's message", status: 404, code: redcloud.CodeNotFound, message: "message not found",
			theirs: request{method: "GET", path: "/api/core/messages/" + msgB},
			nobody: request{method: "GET", path: "/api/core/messages/msg_01jd8x5v7k2m3n4p5q6r7s8t9w"}},
		{name: "GET B's inbound message", status: 404, code: redcloud.CodeNotFound, message: "message not found",
			theirs: request{method: "GET", path: "/api/core/messages/" + inB.MessageID},
			nobody: request{method: "GET", path: "/api/core/messages/msg_01jd8x5v7k2m3n4p5q6r7s8t9x"}},
		{name: "GET B's idempotency key", status: 404, code: redcloud.CodeNotFound, message: "no live record of this Idempotency-Key",
			theirs: request{method: "GET", path: "/api/core/idempotency-keys/b-key"},
			nobody: request{method: "GET", path: "/api/core/idempotency-keys/nobody-key"}},
		{name: "inbound to B's numberId", status: 403, code: redcloud.CodeForbidden, message: "numberId is not owned by this API client",
			details: map[string]any{"field": "numberId"},
			theirs:  request{method: "POST", path: "/api/sandbox/inbound", body: `{"numberId":"num_def456","from":"+15557654321","text":"x"}`},
			nobody:  request{method: "POST", path: "/api/sandbox/inbound", body: `{"numberId":"num_nope","from":"+15557654321","text":"x"}`}},
		{name: "inbound to B's phone number", status: 403, code: redcloud.CodeForbidden, message: "to is not owned by this API client",
			details: map[string]any{"field": "to"},
			theirs:  request{method: "POST", path: "/api/sandbox/inbound", body: `{"to":"+15557654321","from":"+15551234567","text":"x"}`},
			nobody:  request{method: "POST", path: "/api/sandbox/inbound", body: `{"to":"+19995550000","from":"+15551234567","text":"x"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.theirs.token, tt.nobody.token = a, a
			theirs := e.do(t, nil, tt.theirs)
			wantCore(t, theirs, tt.status, tt.code, tt.message, tt.details)
			sameAnswer(t, theirs, e.do(t, nil, tt.nobody))
		})
	}

	t.Run("numbers list", func(t *testing.T) {
		var l redcloud.NumberList
		mustJSON(t, e.get(t, "/api/core/numbers", a).body, &l)
		if len(l.Numbers) != 1 || l.Numbers[0].NumberID != numberID {
			t.Errorf("A's numbers = %+v", l.Numbers)
		}
	})
	t.Run("search does not list assigned numbers", func(t *testing.T) {
		r := e.post(t, "/api/core/numbers/search", a, `{"npa":"555","nxx":"765"}`)
		wantJSON(t, r, 200, `{"groups":[],"total":0}`)
		sameAnswer(t, r, e.post(t, "/api/core/numbers/search", a, `{"npa":"555","nxx":"766"}`))
	})
	t.Run("whoami counts and flags", func(t *testing.T) {
		var w redcloud.WhoAmI
		mustJSON(t, e.get(t, "/api/core/whoami", a).body, &w)
		if w.APIClientID != clientID || w.AssignedNumbers != (redcloud.AssignedNumbers{Total: 1, SMSEnabledCount: 1, MMSEnabledCount: 1}) ||
			w.InboundWebhookConfigured || w.DeliveryWebhookConfigured {
			t.Errorf("A's whoami = %+v; B's numbers and webhooks must not show", w)
		}
	})
	t.Run("A's key equal to B's is A's own", func(t *testing.T) {
		// Neither a replay of B's response nor a 409 that would tell A the
		// key exists elsewhere.
		wantAccepted(t, e.send(t, a, "b-key", sms(numberID, "A's text", numberE164)))
	})
	t.Run("sandbox webhooks set only the caller's", func(t *testing.T) {
		var wh redcloud.SandboxWebhooks
		mustJSON(t, e.put(t, "/api/sandbox/webhooks", a, `{"deliveryUrl":"https://a.example/d","inboundUrl":"https://a.example/i"}`).body, &wh)
		if wh.SigningSecret == whB.SigningSecret || !reWhsec.MatchString(wh.SigningSecret) {
			t.Errorf("A got B's signing secret, or none: %q", wh.SigningSecret)
		}
		// New events of each client are routed to that client's URLs only.
		wantAccepted(t, e.send(t, b, "b-key-2", sms(otherNumber, "B again", "+15005550004")))
		if n := e.count(t, `SELECT COUNT(*) FROM deliveries WHERE api_client_id = ? AND url LIKE 'https://a.example/%'`, otherID); n != 0 {
			t.Errorf("%d of B's deliveries go to A's URL", n)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM deliveries WHERE api_client_id = ? AND url LIKE 'https://b.example/%'`, clientID); n != 0 {
			t.Errorf("%d of A's deliveries go to B's URL", n)
		}
	})
	t.Run("token with B's id and A's secret", func(t *testing.T) {
		r := e.tokenForm(t, nil, clientCredentials, otherID+":"+clientSecret)
		wantOAuth(t, r, 401, "invalid_client", "Client authentication failed")
		r2 := e.tokenForm(t, nil, clientCredentials, "rc_nobody_789:"+clientSecret)
		if r.status != r2.status || string(r.body) != string(r2.body) {
			t.Errorf("a wrong secret for an existing client (%s) differs from an unknown client (%s)", r.body, r2.body)
		}
	})

	// B's send under b-key-2 is the one change B made itself.
	after := rowsB()
	if strings.Count(after, "\n") != strings.Count(before, "\n") {
		t.Fatalf("rows: %q vs %q", before, after)
	}
	bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
	for i := range bl {
		if i == 2 || i == 3 || i == 4 { // B's messages, keys and events grew by its own send only
			continue
		}
		if bl[i] != al[i] {
			t.Errorf("B's row changed:\n%s\n%s", bl[i], al[i])
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE api_client_id = ?`, otherID); n != 3 {
		t.Errorf("B has %d messages, want its 2 sends and 1 inbound", n)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE api_client_id = ? AND number_id = ?`, clientID, otherNumber); n != 0 {
		t.Errorf("%d messages of A from B's number", n)
	}
	var rec redcloud.IdempotencyRecord
	mustJSON(t, e.get(t, "/api/core/idempotency-keys/b-key", b).body, &rec)
	if !strings.Contains(string(rec.Response), msgB) {
		t.Errorf("B's record of b-key changed: %s", rec.Response)
	}
}

// TestSecretsAtRest: after a flow that issues tokens and reads the signing
// secrets, no table holds an access token or a client secret in the clear
// (only their SHA-256), and each client's secret_hash is the SHA-256 of its
// secret. The webhook signing secret is the one secret kept in the clear
// (HMAC needs the key), in api_clients.webhook_secret only.
func TestSecretsAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var tokens []string
	for range 2 {
		tokens = append(tokens, e.sandboxToken(t), e.otherToken(t))
	}
	var wh redcloud.SandboxWebhooks
	mustJSON(t, e.put(t, "/api/sandbox/webhooks", tokens[0], `{"deliveryUrl":"https://a.example/d"}`).body, &wh)
	wantAccepted(t, e.send(t, tokens[0], "rest", sms(numberID, "x", numberE164)))

	db := e.raw(t)
	tables, err := db.QueryContext(e.ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	secrets := append([]string{clientSecret, otherSecret}, tokens...)
	for _, tok := range tokens {
		secrets = append(secrets, strings.TrimPrefix(tok, "rc_at_"))
	}
	whsecAt := []string{}
	for _, table := range names {
		rows, err := db.QueryContext(e.ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				for _, secret := range secrets {
					if strings.Contains(s, secret) {
						t.Errorf("%s.%s holds a secret or token in the clear", table, cols[i])
					}
				}
				if strings.Contains(s, wh.SigningSecret) {
					whsecAt = append(whsecAt, table+"."+cols[i])
				}
			}
		}
		rows.Close()
	}
	if !reflect.DeepEqual(whsecAt, []string{"api_clients.webhook_secret"}) {
		t.Errorf("the signing secret is stored in %v, want api_clients.webhook_secret only", whsecAt)
	}
	for id, secret := range map[string]string{clientID: clientSecret, otherID: otherSecret} {
		sum := sha256.Sum256([]byte(secret))
		if n := e.count(t, `SELECT COUNT(*) FROM api_clients WHERE id = ? AND secret_hash = ?`, id, hex.EncodeToString(sum[:])); n != 1 {
			t.Errorf("api_clients.secret_hash of %s is not the SHA-256 of its secret", id)
		}
	}
	for _, tok := range tokens {
		sum := sha256.Sum256([]byte(tok))
		if n := e.count(t, `SELECT COUNT(*) FROM tokens WHERE hash = ?`, hex.EncodeToString(sum[:])); n != 1 {
			t.Errorf("no tokens row holds the SHA-256 of an issued token")
		}
	}
}

// TestSecretComparedInConstantTime reads the code: the one place a client
// secret is compared (platform.SecretMatches, called by the token route)
// compares the hashes with subtle.ConstantTimeCompare, and the token route
// compares through it even for an unknown client_id. Access tokens are not
// compared at all: the SHA-256 of the presented token is the database key.
func TestSecretComparedInConstantTime(t *testing.T) {
	t.Parallel()
	calls := func(file, fn string) map[string]bool {
		t.Helper()
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil && fn != "(*Server)."+fd.Name.Name || fd.Recv == nil && fn != fd.Name.Name {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
						if x, ok := sel.X.(*ast.Ident); ok {
							out[x.Name+"."+sel.Sel.Name] = true
						}
					}
				}
				return true
			})
		}
		if len(out) == 0 {
			t.Fatalf("%s: no function %s, or it calls nothing", file, fn)
		}
		return out
	}
	if c := calls("../platform/id.go", "SecretMatches"); !c["subtle.ConstantTimeCompare"] {
		t.Errorf("platform.SecretMatches does not call subtle.ConstantTimeCompare: calls %v", c)
	}
	if c := calls("token.go", "(*Server).token"); !c["platform.SecretMatches"] {
		t.Errorf("the token route does not compare secrets with platform.SecretMatches: calls %v", c)
	}
	if c := calls("auth.go", "(*Server).auth"); !c["platform.HashSecret"] {
		t.Errorf("bearer authentication does not look tokens up by their hash: calls %v", c)
	}
}
