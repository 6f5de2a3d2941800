package operator_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestAuditEveryAction: every state-changing action leaves one audit entry
// naming its actor, action and target, with its before and after states,
// and never a secret. A failed action leaves none.
func TestAuditEveryAction(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := e.ctx
		op := e.op.As("alice@example.com")
		type step struct {
			name           string
			do             func() error
			action, target string
			before, after  string // substrings of the JSON; "" for any
		}
		var secrets []string
		var ev platform.Event
		steps := []step{
			{"create account", func() error {
				_, err := op.CreateAccount(ctx, operator.AccountInput{ID: "acct_x", Name: "X"})
				return err
			}, operator.ActionAccountCreate, "acct_x", "{}", `"name":"X"`},
			{"create client", func() error {
				c, err := op.CreateClient(ctx, operator.ClientInput{AccountID: "acct_x", ID: "rc_x", Name: "X prod", Capabilities: []string{"messages:send"}})
				secrets = append(secrets, c.ClientSecret, c.WebhookSecret)
				return err
			}, operator.ActionClientCreate, "rc_x", "{}", `"capabilities":["messages:send"]`},
			{"suspend client", func() error {
				_, err := op.SetClientStatus(ctx, "rc_x", "suspended")
				return err
			}, operator.ActionClientStatus, "rc_x", `"status":"ACTIVE"`, `"status":"SUSPENDED"`},
			{"suspend account", func() error {
				_, err := op.SetAccountStatus(ctx, "acct_x", "SUSPENDED")
				return err
			}, operator.ActionAccountStatus, "acct_x", `"status":"ACTIVE"`, `"status":"SUSPENDED"`},
			{"capabilities", func() error {
				_, err := op.SetCapabilities(ctx, "rc_x", []string{"numbers:read"})
				return err
			}, operator.ActionClientCapabilities, "rc_x", `["messages:send"]`, `["numbers:read"]`},
			{"rotate secret", func() error {
				s, err := op.RotateClientSecret(ctx, "rc_x", false)
				secrets = append(secrets, s.ClientSecret)
				return err
			}, operator.ActionClientRotateSecret, "rc_x", "{}", `"revokedTokens":0`},
			{"revoke tokens", func() error {
				_, err := op.RevokeTokens(ctx, "rc_x")
				return err
			}, operator.ActionClientRevokeTokens, "rc_x", "{}", `"revokedTokens":0`},
			{"webhooks", func() error {
				u := ptr("https://x.example/d")
				_, err := op.SetWebhooks(ctx, "rc_x", operator.WebhookInput{DeliveryURL: &u})
				return err
			}, operator.ActionClientWebhooks, "rc_x", `"deliveryUrl":null`, `"deliveryUrl":"https://x.example/d"`},
			{"rotate webhook secret", func() error {
				s, err := op.RotateWebhookSecret(ctx, "rc_x", false)
				secrets = append(secrets, s)
				return err
			}, operator.ActionClientRotateWebhookKey, "rc_x", `"nextPending":false`, `"nextPending":true`},
			{"activate webhook secret", func() error { return op.ActivateWebhookSecret(ctx, "rc_x") },
				operator.ActionClientActivateWebhookKey, "rc_x", `"nextPending":true`, `"nextPending":false`},
			{"add number", func() error {
				_, err := op.AddNumber(ctx, operator.NumberInput{ID: "num_x", E164: "+15125550100", Status: "ACTIVE"})
				return err
			}, operator.ActionNumberAdd, "num_x", "{}", `"e164":"+15125550100"`},
			{"assign number", func() error {
				_, _, err := op.AssignNumber(ctx, "num_x", "rc_x")
				return err
			}, operator.ActionNumberAssign, "num_x", `"apiClientId":""`, `"apiClientId":"rc_x"`},
			{"update number", func() error {
				_, err := op.UpdateNumber(ctx, "num_x", operator.NumberUpdate{SMSEnabled: ptr(true)})
				return err
			}, operator.ActionNumberUpdate, "num_x", `"smsEnabled":false`, `"smsEnabled":true`},
			{"number rate", func() error {
				_, err := op.UpdateNumber(ctx, "num_x", operator.NumberUpdate{MPS: ptr(ptr(1.5))})
				return err
			}, operator.ActionNumberUpdate, "num_x", `"mps":null`, `"mps":1.5`},
			{"set campaign", func() error {
				_, err := op.SetCampaign(ctx, "C7X9Q2", operator.CampaignUpdate{SMSTPM: ptr[int64](240)})
				return err
			}, operator.ActionCampaignSet, "C7X9Q2", "{}", `"smsTpm":240`},
			{"change campaign", func() error {
				_, err := op.SetCampaign(ctx, "C7X9Q2", operator.CampaignUpdate{DailyCap: ptr[int64](2000)})
				return err
			}, operator.ActionCampaignSet, "C7X9Q2", `"dailyCap":null`, `"dailyCap":2000,"mmsTpm":null,"smsTpm":240`},
			{"number overrides", func() error {
				u := ptr("https://x.example/in")
				_, err := op.SetNumberOverrides(ctx, "+15125550100", operator.WebhookInput{InboundURL: &u})
				return err
			}, operator.ActionNumberOverrides, "num_x", `"inboundUrlOverride":null`, `"inboundUrlOverride":"https://x.example/in"`},
			{"import", func() error {
				inv, err := operator.ReadInventory(strings.NewReader("e164,city,state,zip_code,rate_center\n+15125550101,Austin,TX,78701,AUSTIN\n"))
				if err != nil {
					return err
				}
				_, err = op.ImportInventory(ctx, inv)
				return err
			}, operator.ActionNumberImport, "inventory", "{}", `"count":1`},
			{"add opt-out", func() error {
				_, _, err := op.AddOptOut(ctx, "rc_x", "+15125550199")
				return err
			}, operator.ActionOptOutAdd, "rc_x +15125550199", "{}", `"source":"api"`},
			{"remove opt-out", func() error {
				_, err := op.RemoveOptOut(ctx, "rc_x", "+15125550199", "asked by phone")
				return err
			}, operator.ActionOptOutRemove, "rc_x +15125550199", `"source":"api"`, `"reason":"asked by phone"`},
			{"replay", func() error {
				c, err := e.db.GetAPIClient(ctx, "rc_x")
				if err != nil {
					return err
				}
				n, err := e.db.GetNumber(ctx, "num_x")
				if err != nil {
					return err
				}
				var m platform.Message
				var d platform.Delivery
				m, ev, d = platform.NewInbound(c, n, platform.InboundInput{From: "+15550000001", Text: "hi"}, t0)
				if err := e.db.InsertInbound(ctx, m, ev, d); err != nil {
					return err
				}
				_, err = op.ReplayEvents(ctx, []string{ev.ID})
				return err
			}, operator.ActionEventReplay, "", "{}", `"deliveries":[{`},
			{"keyword replies", func() error {
				stop := "X: unsubscribed."
				_, err := op.SetKeywordReplies(ctx, "rc_x", operator.KeywordRepliesInput{Stop: &stop})
				return err
			}, operator.ActionClientKeywordReplies, "rc_x", "{", `"X: unsubscribed."`},
			{"add provider", func() error {
				secrets = append(secrets, "s3cret-smpp-pw")
				_, err := op.AddProvider(ctx, operator.ProviderInput{Name: "acme", URL: "smpp://esme:s3cret-smpp-pw@smsc.example:2775",
					Binds: 1, Window: 10, EnquireLink: 30 * time.Second, DLRIDFormat: "auto", DCS0: "gsm", Segmentation: "udh"})
				return err
			}, operator.ActionProviderAdd, "acme", "{}", `"name":"acme"`},
			{"update provider", func() error {
				binds := 2
				_, err := op.UpdateProvider(ctx, "acme", operator.ProviderUpdate{Binds: &binds})
				return err
			}, operator.ActionProviderUpdate, "acme", `"binds":1`, `"binds":2`},
			{"default provider", func() error {
				_, err := op.SetDefaultProvider(ctx, "acme")
				return err
			}, operator.ActionProviderDefault, "default", `"provider":""`, `"provider":"acme"`},
			{"route number", func() error {
				_, _, err := op.RouteNumber(ctx, "num_x", "sandbox")
				return err
			}, operator.ActionNumberRoute, "num_x", `"provider":""`, `"provider":"sandbox"`},
			{"clear default provider", func() error {
				_, err := op.SetDefaultProvider(ctx, "")
				return err
			}, operator.ActionProviderDefault, "default", `"provider":"acme"`, `"provider":""`},
			{"remove provider", func() error {
				return op.RemoveProvider(ctx, "acme")
			}, operator.ActionProviderRemove, "acme", "{}", "{}"},
			{"unassign number", func() error {
				_, err := op.UnassignNumber(ctx, "num_x")
				return err
			}, operator.ActionNumberUnassign, "num_x", `"apiClientId":"rc_x"`, `"apiClientId":""`},
			{"add operator", func() error {
				_, p, err := op.AddOperator(ctx, operator.OperatorInput{Email: "Bob@Example.com", Role: operator.RoleViewer})
				secrets = append(secrets, p)
				return err
			}, operator.ActionOperatorAdd, "bob@example.com", "{}", `"role":"viewer"`},
			{"reset password", func() error {
				p, err := op.ResetPassword(ctx, "bob@example.com", "")
				secrets = append(secrets, p)
				return err
			}, operator.ActionOperatorPassword, "bob@example.com", "{}", `"sessionsEnded":true`},
			{"remove operator", func() error { return op.RemoveOperator(ctx, "bob@example.com") },
				operator.ActionOperatorRemove, "bob@example.com", `"role":"viewer"`, "{}"},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			page, _, err := op.ListAudit(ctx, operator.AuditFilter{Limit: 2})
			if err != nil || len(page) == 0 {
				t.Fatalf("%s: audit %v, %v", s.name, page, err)
			}
			a := page[0]
			target := s.target
			if s.action == operator.ActionEventReplay {
				target = ev.ID
			}
			if a.Actor != "alice@example.com" || a.Action != s.action || a.Target != target || !a.At.Equal(t0) ||
				!strings.Contains(string(a.Before), s.before) || !strings.Contains(string(a.After), s.after) {
				t.Errorf("%s: entry %s %s %s before %s after %s; want %s %s, before ~%s after ~%s",
					s.name, a.Actor, a.Action, a.Target, a.Before, a.After, s.action, target, s.before, s.after)
			}
			if !json.Valid(a.Before) || !json.Valid(a.After) {
				t.Errorf("%s: invalid JSON %s %s", s.name, a.Before, a.After)
			}
		}
		all, _, err := op.ListAudit(ctx, operator.AuditFilter{Limit: operator.MaxAuditLimit})
		if err != nil || len(all) != len(steps) {
			t.Fatalf("%d entries for %d actions (%v)", len(all), len(steps), err)
		}
		for _, a := range all {
			for _, s := range secrets {
				if s != "" && (strings.Contains(string(a.After), s) || strings.Contains(string(a.Before), s)) {
					t.Errorf("%s entry holds a secret", a.Action)
				}
			}
		}

		// A refused action records nothing.
		if _, err := op.SetClientStatus(ctx, "rc_nobody", "SUSPENDED"); err == nil {
			t.Fatal("suspended an unknown client")
		}
		if _, _, err := op.AddOperator(ctx, operator.OperatorInput{Email: "not-an-email", Role: operator.RoleAdmin}); err == nil {
			t.Fatal("added an operator without an email")
		}
		if again, _, _ := op.ListAudit(ctx, operator.AuditFilter{Limit: operator.MaxAuditLimit}); len(again) != len(all) {
			t.Errorf("failed actions were audited: %d entries, want %d", len(again), len(all))
		}

		// The CLI's actor by default; filters.
		if _, err := e.op.CreateAccount(ctx, operator.AccountInput{ID: "acct_y", Name: "Y"}); err != nil {
			t.Fatal(err)
		}
		page, _, err := e.op.ListAudit(ctx, operator.AuditFilter{Target: "acct_y", Limit: 10})
		if err != nil || len(page) != 1 || page[0].Actor != operator.CLIActor() || !strings.HasPrefix(page[0].Actor, "cli:") {
			t.Errorf("CLI entry %+v, %v", page, err)
		}
		if _, _, err := e.op.ListAudit(ctx, operator.AuditFilter{Limit: 0}); err == nil {
			t.Error("limit 0 accepted")
		}
	})
}

// TestAuditModeChange: converting a database's mode is audited.
func TestAuditModeChange(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, e *env) {
		if _, err := e.op.PrepareMode(e.ctx, store.ModeSandbox, false, "x.db"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.op.PrepareMode(e.ctx, store.ModeProduction, true, "x.db"); err != nil {
			t.Fatal(err)
		}
		page, _, err := e.op.ListAudit(e.ctx, operator.AuditFilter{Action: operator.ActionModeChange, Limit: 10})
		if err != nil || len(page) != 1 || string(page[0].Before) != `{"mode":"sandbox"}` ||
			!strings.Contains(string(page[0].After), `"mode":"production"`) {
			t.Errorf("mode change entry %+v, %v", page, err)
		}
	})
}
