package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
	"github.com/redcloud-core/redcloud/internal/store"
)

// TestFailureProviderCodeStored: a provider's raw status, written with a
// failing transition, reads back with the message.
func TestFailureProviderCodeStored(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ca, _, na, _ := twoClients(t, db)
		a := acceptance(t, ca, na, "k1", t0, time.Hour, `{"sendFrom":"num_a","to":["+15005550100"],"messageType":"SMS","text":"hi"}`)
		_, _, err := db.Accept(ctx, a)
		must(t, err)
		s, err := platform.Rejected(a.Messages[0], redcloud.FailureInvalidDestination, "invalid destination", "command_status 0x0000000B", t0)
		must(t, err)
		ok, err := db.ApplyTransitions(ctx, []store.Transition{{Message: s.Message, FromStatus: s.FromStatus, FromSequence: s.FromSequence, Event: s.Event}})
		must(t, err)
		if !ok[0] {
			t.Fatal("transition not applied")
		}
		got, err := db.GetMessageByID(ctx, a.Messages[0].ID)
		must(t, err)
		if got.FailureProviderCode != "command_status 0x0000000B" || got.FailureCode != redcloud.FailureInvalidDestination {
			t.Errorf("stored failure = %q %q", got.FailureCode, got.FailureProviderCode)
		}
	})
}
