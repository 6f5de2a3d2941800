package store_test

import (
	"testing"

	"github.com/redcloud-core/redcloud/internal/store/storetest"
	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// store a test opens must be closed, which stops its group committers. The
// PostgreSQL tests draw their databases from a pool (see storetest.Pool).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(storetest.Pool(m))
}
