package operator_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// store a test opens must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
