package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/console"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/pipeline"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/provider/sandbox"
	"github.com/redcloud-core/redcloud/internal/store"
	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"github.com/redcloud-core/redcloud/internal/testwait"
)

// chromeBinary is Debian's headless Chromium, which .ci/run installs.
const chromeBinary = "chromium-headless-shell"

// EnvScreenshots names a directory the browser test saves the console's
// screenshots into (docs/console holds the README's); unset: none.
const EnvScreenshots = "REDCLOUD_CONSOLE_SCREENSHOTS"

// stack is a whole sandbox server in process: the API, the pipeline with
// the sandbox provider, a webhook receiver, and the console.
type stack struct {
	db       *store.DB
	op       *operator.Operator
	api      *httptest.Server
	console  *httptest.Server
	received atomic.Int64
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLite(t))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	s := &stack{db: db, op: operator.New(db, operator.Config{Actor: "cli:test"})}
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := s.op.SeedSandboxOperator(ctx); err != nil {
		t.Fatal(err)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.received.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	hook := receiver.URL + "/hooks"
	for _, c := range []string{redcloud.SandboxClientID, redcloud.SandboxOtherClientID} {
		p := &hook
		if _, err := s.op.SetWebhooks(ctx, c, operator.WebhookInput{DeliveryURL: &p, Sandbox: true}); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Each provider step waits 4 s, so that the browser opens the message
	// before it is delivered and watches the delivery arrive.
	pipe, err := pipeline.New(pipeline.Config{Store: db, Provider: sandbox.New(4 * time.Second), Sandbox: true,
		PollInterval: 100 * time.Millisecond, Logger: log})
	must(t, err)
	must(t, pipe.Start(ctx))
	t.Cleanup(pipe.Stop)
	api, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, OnAccept: pipe.Notify, AuthCacheTTL: -1, Logger: log})
	must(t, err)
	s.api = httptest.NewServer(api)
	t.Cleanup(s.api.Close)
	c, err := console.New(console.Config{Operator: s.op, Sandbox: true, LoopbackHostsOnly: true, Refresh: 500 * time.Millisecond, Logger: log})
	must(t, err)
	s.console = httptest.NewServer(c)
	t.Cleanup(s.console.Close)
	return s
}

// token gets an access token of the sandbox's demo client.
func (s *stack) token(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.api.URL+redcloud.PathToken, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(redcloud.SandboxClientID, redcloud.SandboxClientSecret)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	var tok redcloud.TokenResponse
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	return tok.AccessToken
}

// send sends one SMS from the demo number and returns its messageId.
func (s *stack) send(t *testing.T, token, to, text, ref string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"sendFrom": redcloud.SandboxNumberID, "to": []string{to}, "messageType": "SMS",
		"text": text, "externalReference": ref})
	req, _ := http.NewRequest(http.MethodPost, s.api.URL+redcloud.PathMessagesSend, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", redcloud.NewIdempotencyKey())
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	var out struct {
		Results []struct {
			MessageID string `json:"messageId"`
		} `json:"results"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusAccepted || len(out.Results) != 1 {
		t.Fatalf("send: %d %v %+v", res.StatusCode, err, out)
	}
	return out.Results[0].MessageID
}

// whoami returns the status of GET /api/core/whoami with token.
func (s *stack) whoami(t *testing.T, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.api.URL+redcloud.PathWhoAmI, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	return res.StatusCode
}

// browser starts headless Chromium; a missing binary fails the test with
// the command that installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath(chromeBinary)
	if err != nil {
		t.Fatalf("%s not found: install it with `apt-get update && apt-get install -y chromium-headless-shell` (.ci/run does)", chromeBinary)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first call starts the browser, on a context without a timeout
	// (a timeout there would stop the browser); the steps get one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// do runs steps in the browser, failing the test with what.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs an action that returns a value, failing the test with what.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// textOf reads an element's text in one script call: the live parts of a
// page are swapped by htmx while it polls, so a node found by one DevTools
// call may be gone by the next ("No node with given id found").
func textOf(selector string) chromedp.Action[string] {
	return chromedp.Evaluate[string](`(document.querySelector(` + strconv.Quote(selector) + `) || {}).textContent || ""`)
}

// css selects by CSS selector (a plain string would be a DOM search).
type css = chromedp.CSS

// TestBrowser drives the console in headless Chromium against a whole
// sandbox server: log in, find a message by externalReference, open it,
// watch its DELIVERED event appear without a reload, see its <script> text
// shown as text, replay a delivery and see the new attempt, suspend the
// client and see its API token refused, and find the audit entry.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts headless Chromium and a whole server; runs without -short")
	}
	t.Parallel()
	s := newStack(t)
	token := s.token(t)
	for i, to := range []string{"+15551230101", "+15005550002", "+15551230102", "+15005550001"} {
		s.send(t, token, to, fmt.Sprint("warm-up ", i), fmt.Sprint("order_warm_", i))
	}
	ctx := browser(t)
	base := s.console.URL
	shots := os.Getenv(EnvScreenshots)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if shots == "" {
				return nil
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // 100: PNG
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}

	// Log in; the login page asks again after a wrong password.
	do(t, ctx, "login page", chromedp.Navigate(base+"/messages"), chromedp.WaitVisible(css(`input[name="email"]`)), shot("login"))
	do(t, ctx, "wrong password",
		chromedp.SendKeys(css(`input[name="email"]`), operator.SandboxOperatorEmail),
		chromedp.SendKeys(css(`input[name="password"]`), "not the password"),
		chromedp.Submit(css(`form.login`)),
		chromedp.WaitVisible(css(`p.error`)))
	if e := get(t, ctx, "login error", chromedp.Text(css(`p.error`))); !strings.Contains(e, "wrong email or password") {
		t.Errorf("login error %q", e)
	}
	do(t, ctx, "login",
		chromedp.SetValue(css(`input[name="password"]`), operator.SandboxOperatorPassword),
		chromedp.Submit(css(`form.login`)),
		chromedp.WaitVisible(css(`form.filters`))) // back on /messages, where the login came from

	// Send a message, find it by externalReference and open it.
	const hostile = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> hello`
	msgID := s.send(t, token, "+15551234567", hostile, "order_browser_1")
	found := css(`#messages a[href^="/messages/msg_"]`)
	do(t, ctx, "find by externalReference",
		chromedp.SendKeys(css(`input[name="externalReference"]`), "order_browser_1"),
		chromedp.Submit(css(`form.filters`)),
		chromedp.WaitVisible(css(`#messages tbody tr:only-child a[href^="/messages/msg_"]`)))
	if link := get(t, ctx, "link", chromedp.AttributeValue(found, "href")); link.Value != "/messages/"+msgID {
		t.Fatalf("found %q, want /messages/%s", link.Value, msgID)
	}
	do(t, ctx, "open", chromedp.Click(found), chromedp.WaitVisible(css(`#status`)))
	if before := get(t, ctx, "status", textOf("#status")); before == redcloud.MessageDelivered {
		t.Errorf("the message was delivered before its page opened: the live update cannot be watched")
	}
	get(t, ctx, "marker", chromedp.Evaluate[string](`window.marker = "same page"`))

	// The DELIVERED event appears by itself (htmx polling), on the same page.
	do(t, ctx, "watch DELIVERED", chromedp.WaitVisible(`//span[@id="status"][text()="DELIVERED"]`),
		chromedp.WaitVisible(`//section[contains(@class,"event")]//span[text()="message.delivery"]`))
	if m := get(t, ctx, "marker", chromedp.Evaluate[string](`String(window.marker)`)); m != "same page" {
		t.Error("the page was reloaded: the DELIVERED event did not arrive by htmx")
	}
	text := get(t, ctx, "text", textOf("#text"))
	pwned := get(t, ctx, "pwned", chromedp.Evaluate[string](`String(window.pwned)`))
	if !strings.Contains(text, "<script>window.pwned=1</script>") || pwned != "undefined" {
		t.Errorf("the <script> text: shown %q, window.pwned %s", text, pwned)
	}
	do(t, ctx, "message shot", shot("message"))

	// Replay the DELIVERED event's delivery and see its new attempt.
	event := `//section[contains(@class,"event")][.//span[text()="message.delivery"]]`
	countAttempts := chromedp.Evaluate[int](`document.evaluate('count(` + event + `//table[contains(@class,"attempts")]/tbody/tr)', document, null, XPathResult.NUMBER_TYPE, null).numberValue`)
	do(t, ctx, "attempts", chromedp.WaitVisible(event+`//table[contains(@class,"attempts")]`))
	before := get(t, ctx, "attempts before", countAttempts)
	do(t, ctx, "replay", chromedp.Click(event+`//form//button`), chromedp.WaitVisible(css(`p.notice`)))
	after := before
	// The page reloads its live part by itself while the replay is pending.
	testwait.Eventually(t, 30*time.Second, func() bool {
		after, _ = chromedp.Run(ctx, countAttempts)
		return after > before
	}, "the replayed delivery's attempt on the message page")
	if after != before+1 {
		t.Errorf("attempts %d → %d", before, after)
	}

	// The main pages, for the screenshots.
	do(t, ctx, "overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(css(`svg.chart polyline`)), shot("overview"))
	do(t, ctx, "webhooks", chromedp.Navigate(base+"/webhooks"), chromedp.WaitVisible(css(`#endpoints`)), shot("webhooks"))
	do(t, ctx, "messages", chromedp.Navigate(base+"/messages"), chromedp.WaitVisible(css(`#messages`)), shot("messages"))
	do(t, ctx, "numbers", chromedp.Navigate(base+"/numbers?scope=assigned"), chromedp.WaitVisible(css(`#numbers`)), shot("numbers"))

	// Suspend the client: its token is refused from then on.
	if got := s.whoami(t, token); got != http.StatusOK {
		t.Fatalf("whoami before the suspension: %d", got)
	}
	do(t, ctx, "suspend", chromedp.Navigate(base+"/clients/"+redcloud.SandboxClientID), chromedp.WaitVisible(css(`#client-status`)),
		shot("client"),
		chromedp.Click(`//form[contains(@action,"/status")]//button`),
		chromedp.WaitVisible(css(`p.notice`)))
	if st := get(t, ctx, "client status", chromedp.Text(css(`#client-status`))); st != redcloud.StatusSuspended {
		t.Errorf("client status %q after Suspend", st)
	}
	if got := s.whoami(t, token); got != http.StatusUnauthorized {
		t.Errorf("whoami after the suspension: %d, want 401", got)
	}

	// The audit log names who suspended whom.
	do(t, ctx, "audit", chromedp.Navigate(base+"/audit?action=client.status"), chromedp.WaitVisible(css(`table.audit`)), shot("audit"))
	audit := get(t, ctx, "audit entry", chromedp.Text(css(`table.audit tbody tr`)))
	for _, want := range []string{operator.SandboxOperatorEmail, "client.status", redcloud.SandboxClientID, "SUSPENDED"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit entry %q lacks %s", audit, want)
		}
	}

	// A phone-width screen: nothing wider than the screen; tables scroll
	// inside their box.
	do(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/messages/"+msgID),
		chromedp.WaitVisible(css(`#status`)), shot("message-phone"))
	if get(t, ctx, "overflow", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)) {
		t.Error("the message page is wider than a phone's screen")
	}

	// Log out: the console asks for a login again.
	do(t, ctx, "logout", chromedp.Click(css(`form.who button`)), chromedp.WaitVisible(css(`input[name="email"]`)))

	// A session that ends while a page polls (here: the password is reset)
	// sends the browser to the login page.
	do(t, ctx, "login again", chromedp.EmulateViewport(1280, 900),
		chromedp.SendKeys(css(`input[name="email"]`), operator.SandboxOperatorEmail),
		chromedp.SendKeys(css(`input[name="password"]`), operator.SandboxOperatorPassword),
		chromedp.Submit(css(`form.login`)), chromedp.WaitVisible(css(`svg.chart`)))
	if _, err := s.op.ResetPassword(context.Background(), operator.SandboxOperatorEmail, ""); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "session ended while polling", chromedp.WaitVisible(css(`input[name="email"]`)))
}
