package redcloud_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/httpapi"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// startSandbox starts what "redcloud serve" starts — a sandbox server on a
// fresh database — for the examples, and returns its URL.
func startSandbox() (baseURL string, stop func()) {
	dir, err := os.MkdirTemp("", "redcloud-example")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "redcloud.db"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.SeedIfEmpty(ctx, platform.SandboxSeed(time.Now())); err != nil {
		log.Fatal(err)
	}
	server, err := httpapi.New(httpapi.Config{Store: db, Sandbox: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(server)
	return srv.URL, func() {
		srv.Close()
		db.Close()
		os.RemoveAll(dir)
	}
}

// Send a message, see which recipients were accepted, and read a failure
// the playbook's way.
func Example_send() {
	baseURL, stop := startSandbox() // in real life: your Red Cloud base URL
	defer stop()
	ctx := context.Background()

	client, err := redcloud.NewClient(redcloud.Config{
		BaseURL:      baseURL,
		ClientID:     redcloud.SandboxClientID, // your API client's credentials
		ClientSecret: redcloud.SandboxClientSecret,
	})
	if err != nil {
		log.Fatal(err)
	}

	// Tie the idempotency key to the operation and keep it with the order:
	// every retry, by the client or after a crash, must reuse it.
	res, err := client.Send(ctx, redcloud.SendRequest{
		SendFrom:          redcloud.SandboxNumberID, // a numberId from client.Numbers
		To:                []string{redcloud.SandboxNumberE164, "15550000000"},
		MessageType:       redcloud.MessageTypeSMS,
		Text:              "Your order has shipped",
		ExternalReference: "order_789",
	}, redcloud.WithIdempotencyKey("idem_order_789"))
	if err != nil {
		log.Fatal(redcloud.Explain(err))
	}
	fmt.Println("key:", res.IdempotencyKey)
	fmt.Println("accepted:", len(res.Results), "rejected:", len(res.Errors), "partial:", res.Partial())
	for _, e := range res.Errors {
		fmt.Printf("to[%d] %s: %s\n", e.Index, e.To, e.Message)
	}

	// A number of another API client: not retried, and the advice says
	// what to fix.
	_, err = client.Send(ctx, redcloud.SendRequest{
		SendFrom: redcloud.SandboxOtherNumberID, To: []string{redcloud.SandboxNumberE164}, MessageType: redcloud.MessageTypeSMS, Text: "hi",
	})
	fmt.Println(redcloud.Classify(err), redcloud.Advise(err))
	// Output:
	// key: idem_order_789
	// accepted: 1 rejected: 1 partial: true
	// to[1] 15550000000: to must be an E.164 phone number
	// authorization fix_account_configuration
}

// Each example of the playbook, as the client reports it, lands in the
// playbook's category with the playbook's action.
func ExampleClassify() {
	failures := []error{
		&redcloud.APIError{StatusCode: 400, Code: redcloud.CodeInvalidRequest, Message: "Idempotency-Key header is required"},
		&redcloud.OAuthError{StatusCode: 401, Code: redcloud.OAuthInvalidClient, Description: "Client authentication failed"},
		&redcloud.APIError{StatusCode: 401, Code: redcloud.CodeUnauthorized, Message: "Invalid or missing bearer token"},
		&redcloud.APIError{StatusCode: 403, Code: redcloud.CodeForbidden, Message: "sendFrom is not owned by this API client"},
		&redcloud.APIError{StatusCode: 409, Code: redcloud.CodeConflict, Message: "Idempotency-Key was already used with a different payload"},
		&redcloud.APIError{StatusCode: 502, Code: redcloud.CodeUpstreamError, Message: "upstream failed"},
		&redcloud.TransportError{Op: "round trip", Err: context.DeadlineExceeded, MaybeProcessed: true},
	}
	for _, err := range failures {
		fmt.Printf("%-15s %s\n", redcloud.Classify(err), redcloud.Advise(err))
	}
	// Output:
	// request_defect  fix_request
	// authentication  refresh_credentials
	// authentication  refresh_credentials
	// authorization   fix_account_configuration
	// conflict        fix_request
	// transient       retry
	// transient       retry
}

// An escalation package renders as text (and as JSON with JSON()).
func ExampleEscalation() {
	at := time.Date(2026, 11, 26, 7, 4, 24, 123_000_000, time.UTC)
	err := &redcloud.APIError{
		StatusCode: 502, Code: redcloud.CodeUpstreamError, Message: "upstream failed",
		RequestID: "req_01jd0000000000000000000002", Method: "POST", Endpoint: "/api/core/messages/send",
		IdempotencyKey: "idem_order_789", RequestTime: at.Add(250 * time.Millisecond), Outcome: redcloud.OutcomeNotProcessed,
		Attempts: []redcloud.Attempt{
			{Number: 1, RequestTime: at, Reason: "first attempt", Status: 502, Code: redcloud.CodeUpstreamError,
				RequestID: "req_01jd0000000000000000000001", Error: "502 UPSTREAM_ERROR"},
			{Number: 2, RequestTime: at.Add(250 * time.Millisecond), Delay: 250 * time.Millisecond,
				Reason: "retry after 502 UPSTREAM_ERROR", Status: 502, Code: redcloud.CodeUpstreamError,
				RequestID: "req_01jd0000000000000000000002", Error: "502 UPSTREAM_ERROR"},
		},
	}
	p := redcloud.Escalation(err)
	fmt.Println(p.Endpoint, p.Status, p.RequestID, p.IdempotencyKey, p.Repeated)
	fmt.Print(p.Text())
	// Output:
	// /api/core/messages/send 502 req_01jd0000000000000000000002 idem_order_789 true
	// Red Cloud escalation package
	// error:            redcloud: POST /api/core/messages/send: 502 UPSTREAM_ERROR: upstream failed [requestId req_01jd0000000000000000000002, after 2 attempts]
	// shape:            api
	// category:         transient
	// action:           retry
	// explanation:      transient: POST /api/core/messages/send answered 502 UPSTREAM_ERROR (upstream failed); retry later with a bounded policy (sends: same idempotency key, same payload), escalate if it persists
	// endpoint:         POST /api/core/messages/send
	// status:           502 UPSTREAM_ERROR
	// requestId:        req_01jd0000000000000000000002
	// request time:     2026-11-26T07:04:24.373Z
	// idempotency key:  idem_order_789
	// outcome:          not_processed
	// ambiguous:        no
	// repeated:         yes
	// attempts:
	//   #  request time              delay  status              requestId                       reason                          error
	//   1  2026-11-26T07:04:24.123Z  0s     502 UPSTREAM_ERROR  req_01jd0000000000000000000001  first attempt                   502 UPSTREAM_ERROR
	//   2  2026-11-26T07:04:24.373Z  250ms  502 UPSTREAM_ERROR  req_01jd0000000000000000000002  retry after 502 UPSTREAM_ERROR  502 UPSTREAM_ERROR
}

// Reconcile after a webhook receiver's outage: every failed message of an
// order, newest first, a page at a time.
func ExampleClient_Messages() {
	baseURL, stop := startSandbox()
	defer stop()
	ctx := context.Background()
	client, err := redcloud.NewClient(redcloud.Config{BaseURL: baseURL,
		ClientID: redcloud.SandboxClientID, ClientSecret: redcloud.SandboxClientSecret})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Send(ctx, redcloud.SendRequest{SendFrom: redcloud.SandboxNumberID,
		To: []string{"+15005550100", "+15005550101"}, MessageType: redcloud.MessageTypeSMS,
		Text: "Your order has shipped", ExternalReference: "order_789"}); err != nil {
		log.Fatal(err)
	}
	n := 0
	for m, err := range client.Messages(ctx, redcloud.MessageQuery{ExternalReference: "order_789", Limit: 100}) {
		if err != nil {
			log.Fatal(redcloud.Explain(err))
		}
		n++
		fmt.Println(m.To, m.Status)
	}
	fmt.Println(n, "messages")
	// Output:
	// +15005550101 QUEUED
	// +15005550100 QUEUED
	// 2 messages
}
