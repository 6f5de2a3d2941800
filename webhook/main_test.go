package webhook_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// receiver server and client connection a test opens must be closed by it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
