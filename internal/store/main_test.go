package store_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives the tests: every
// store a test opens must be closed, which stops its group committers.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
