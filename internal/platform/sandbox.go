package platform

import (
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
)

// Sandbox demo values (CONTRACT §10), published in the docs.
const (
	SandboxClientID     = "rc_test_client_123"
	SandboxClientSecret = "rc_secret_abc123"
	SandboxClientName   = "Red Cloud Test Client"
	SandboxNumberID     = "num_abc123"
	SandboxNumberE164   = "+15551234567"
	SandboxCampaignID   = "A1B2C3"
	SandboxOtherID      = "rc_other_client_456"
	SandboxOtherSecret  = "rc_other_secret_456"
	SandboxOtherNumber  = "num_def456"
	SandboxOtherE164    = "+15557654321"
)

// Seed is what the sandbox puts into an empty database.
type Seed struct {
	Accounts []Account
	Clients  []APIClient
	Numbers  []Number
}

// sandboxCities spread the inventory over several area codes and cities.
var sandboxCities = []struct{ npa, city, state, rateCenter, zip string }{
	{"512", "Austin", "TX", "AUSTIN", "78701"},
	{"214", "Dallas", "TX", "DALLAS", "75201"},
	{"206", "Seattle", "WA", "SEATTLE", "98101"},
	{"303", "Denver", "CO", "DENVER", "80202"},
	{"312", "Chicago", "IL", "CHICAGO", "60601"},
	{"415", "San Francisco", "CA", "SNFC CA", "94102"},
	{"617", "Boston", "MA", "BOSTON", "02108"},
	{"305", "Miami", "FL", "MIAMI", "33101"},
}

// SandboxSeed returns the demo account, two API clients with their numbers
// and an inventory of 320 unassigned numbers (8 cities × 2 exchanges × 20).
func SandboxSeed(now time.Time) Seed {
	campaign := SandboxCampaignID
	s := Seed{Accounts: []Account{{ID: "acct_demo", Name: "Red Cloud Demo", Status: redcloud.StatusActive, CreatedAt: now}}}
	for _, c := range []struct{ id, secret, name string }{
		{SandboxClientID, SandboxClientSecret, SandboxClientName},
		{SandboxOtherID, SandboxOtherSecret, "Red Cloud Other Client"},
	} {
		s.Clients = append(s.Clients, APIClient{
			ID: c.id, AccountID: "acct_demo", Name: c.name, Status: redcloud.StatusActive,
			SecretHash: HashSecret(c.secret), Capabilities: AllCapabilities,
			WebhookSecret: NewSecret(PrefixWebhookSecret), CreatedAt: now,
		})
	}
	assigned := func(id, e164, client string) Number {
		return Number{ID: id, E164: e164, APIClientID: client, Status: redcloud.StatusActive, CampaignRegID: &campaign,
			SMSEnabled: true, MMSEnabled: true, NPA: "555", NXX: e164[5:8], City: "Sandbox", State: "NA",
			ZipCode: "00000", RateCenter: "SANDBOX", CreatedAt: now}
	}
	s.Numbers = append(s.Numbers, assigned(SandboxNumberID, SandboxNumberE164, SandboxClientID),
		assigned(SandboxOtherNumber, SandboxOtherE164, SandboxOtherID))
	for _, c := range sandboxCities {
		for _, nxx := range []string{"555", "556"} {
			for i := 0; i < 20; i++ {
				e164 := fmt.Sprintf("+1%s%s%04d", c.npa, nxx, 100+i)
				s.Numbers = append(s.Numbers, Number{
					ID: "num_" + e164[1:], E164: e164, Status: redcloud.StatusActive,
					SMSEnabled: true, MMSEnabled: nxx == "555",
					NPA: c.npa, NXX: nxx, City: c.city, State: c.state, ZipCode: c.zip, RateCenter: c.rateCenter, CreatedAt: now,
				})
			}
		}
	}
	return s
}

// PublishedSecretHashes are the hashes of the client secrets the
// documentation publishes for sandbox mode: a production database must hold
// no client that still accepts one of them.
func PublishedSecretHashes() []string {
	return []string{HashSecret(SandboxClientSecret), HashSecret(SandboxOtherSecret)}
}
