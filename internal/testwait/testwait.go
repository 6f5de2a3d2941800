// Package testwait waits, in tests, for a condition that another goroutine
// or process makes true: a message reaching its end state, a server
// listening, a delivery arriving. Tests call it instead of sleeping a fixed
// time, so that they pass as soon as the condition holds and only fail when
// it never does within a generous ceiling.
//
// It polls with time.Sleep and reads time.Now, so inside a testing/synctest
// bubble it runs on the bubble's fake clock and costs no real time.
package testwait

import (
	"testing"
	"time"
)

// Interval is how often a condition is checked.
const Interval = 20 * time.Millisecond

// Eventually calls cond every Interval until it returns true, and fails the
// test (t.Fatalf, so from the test's goroutine only) naming what when it has
// not within timeout. Pick timeout as the longest a busy, shared machine could
// take, not the expected time: a passing test never waits that long.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, what string) {
	t.Helper()
	EventuallyDescribe(t, timeout, cond, func() string { return what })
}

// EventuallyDescribe is Eventually with the failure message built by
// describe at the deadline, so that it can report the state that was
// reached (counts seen, the last status) rather than only what was awaited.
func EventuallyDescribe(t testing.TB, timeout time.Duration, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, describe())
		}
		time.Sleep(Interval)
	}
}
