package openapitest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// httptest server a test starts must be closed by it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
