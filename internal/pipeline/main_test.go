package pipeline_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any goroutine outlives the tests: every
// pipeline, provider, server and database a test starts must be stopped by
// it (ARCHITECTURE: background work drains on Stop). No goroutine is
// ignored: the receivers and API servers are httptest servers whose Close
// drops idle keep-alive connections, which ends the pipelines' client-side
// connection goroutines too.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(cleanup{m})
}

// cleanup removes the seeded template database after the tests.
type cleanup struct{ m *testing.M }

func (c cleanup) Run() int {
	code := c.m.Run()
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	return code
}
