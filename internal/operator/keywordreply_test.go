package operator_test

import (
	"strings"
	"testing"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

func TestSetKeywordReplies(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.client(t, "rc_a")
		stored := func() platform.KeywordReplies {
			t.Helper()
			c, err := e.db.GetAPIClient(e.ctx, "rc_a")
			if err != nil {
				t.Fatal(err)
			}
			return c.KeywordReplies
		}

		ch, err := e.op.SetKeywordReplies(e.ctx, "rc_a", operator.KeywordRepliesInput{Stop: ptr("  Acme: unsubscribed. Text START to rejoin.  ")})
		if err != nil {
			t.Fatal(err)
		}
		want := platform.KeywordReplies{OptOut: "Acme: unsubscribed. Text START to rejoin."}
		if ch.ClientID != "rc_a" || ch.From != (platform.KeywordReplies{}) || ch.To != want || stored() != want {
			t.Errorf("change %+v, stored %+v; want %+v", ch, stored(), want)
		}
		// The texts not named stay as they are.
		ch, err = e.op.SetKeywordReplies(e.ctx, "rc_a", operator.KeywordRepliesInput{Start: ptr("Acme: welcome back"), Help: ptr("Acme help: acme.example/sms")})
		if err != nil {
			t.Fatal(err)
		}
		want = platform.KeywordReplies{OptOut: want.OptOut, OptIn: "Acme: welcome back", Help: "Acme help: acme.example/sms"}
		if ch.To != want || stored() != want {
			t.Errorf("after start and help: %+v, stored %+v; want %+v", ch.To, stored(), want)
		}

		// Bad input changes nothing.
		for _, tt := range []struct {
			name       string
			in         operator.KeywordRepliesInput
			field, msg string
		}{
			{"nothing", operator.KeywordRepliesInput{}, "", "name at least one reply"},
			{"blank", operator.KeywordRepliesInput{Stop: ptr(" \n ")}, "stop", "stop reply must not be blank"},
			{"too long", operator.KeywordRepliesInput{Help: ptr(strings.Repeat("x", 460))}, "help", "help reply is 4 SMS segments (GSM-7); at most 3"},
			{"too long UCS-2", operator.KeywordRepliesInput{Start: ptr(strings.Repeat("ж", 202))}, "start", "start reply is 4 SMS segments (UCS-2)"},
			{"control", operator.KeywordRepliesInput{Start: ptr("hi\x1b")}, "start", "control characters"},
			{"reset with a text", operator.KeywordRepliesInput{Reset: true, Stop: ptr("x")}, "reset", "without a text"},
		} {
			_, err := e.op.SetKeywordReplies(e.ctx, "rc_a", tt.in)
			wantError(t, err, redcloud.CodeInvalidRequest, tt.field, tt.msg)
			if err := tt.in.Validate(); err == nil {
				t.Errorf("%s: Validate passed", tt.name)
			}
		}
		_, err = e.op.SetKeywordReplies(e.ctx, "rc_nobody", operator.KeywordRepliesInput{Stop: ptr("x")})
		wantError(t, err, redcloud.CodeNotFound, "", "api client rc_nobody not found")
		if stored() != want {
			t.Errorf("refused changes changed the replies: %+v", stored())
		}

		ch, err = e.op.SetKeywordReplies(e.ctx, "rc_a", operator.KeywordRepliesInput{Reset: true})
		if err != nil || ch.From != want || ch.To != (platform.KeywordReplies{}) || stored() != (platform.KeywordReplies{}) {
			t.Errorf("reset: %+v, %v; stored %+v", ch, err, stored())
		}
	})
}
