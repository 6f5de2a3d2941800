// Package e2e holds end-to-end tests that build the redcloud binary and run
// it as a separate process against real database files.
package e2e
