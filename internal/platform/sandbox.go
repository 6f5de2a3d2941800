package platform

import (
	"fmt"
	"time"

	"github.com/redcloud-core/redcloud"
)

// SandboxClientName is the name of the demo API client
// redcloud.SandboxClientID.
const SandboxClientName = "Red Cloud Test Client"

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
	campaign := redcloud.SandboxCampaignID
	s := Seed{Accounts: []Account{{ID: "acct_demo", Name: "Red Cloud Demo", Status: redcloud.StatusActive, CreatedAt: now}}}
	for _, c := range []struct{ id, secret, name string }{
		{redcloud.SandboxClientID, redcloud.SandboxClientSecret, SandboxClientName},
		{redcloud.SandboxOtherClientID, redcloud.SandboxOtherClientSecret, "Red Cloud Other Client"},
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
	s.Numbers = append(s.Numbers, assigned(redcloud.SandboxNumberID, redcloud.SandboxNumberE164, redcloud.SandboxClientID),
		assigned(redcloud.SandboxOtherNumberID, redcloud.SandboxOtherNumberE164, redcloud.SandboxOtherClientID))
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
	return []string{HashSecret(redcloud.SandboxClientSecret), HashSecret(redcloud.SandboxOtherClientSecret)}
}
