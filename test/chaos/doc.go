// Package chaos holds the chaos suite: it builds the redcloud binary, drives
// it with the Go client while killing it with SIGKILL, failing the sandbox
// provider, taking the webhook receiver down and (on request) restarting
// PostgreSQL, then checks from the database and the receiver that nothing
// was lost, duplicated or changed. See chaos_test.go for the profiles.
package chaos
