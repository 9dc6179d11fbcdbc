// Package testenv gives tests the services scripts/test starts. A test
// that needs a missing service is skipped with a clear message when run
// by a plain `go test`, and fails when CI=true, where nothing may skip.
package testenv

import (
	"os"
	"testing"
)

// Need returns the value of the environment variable name, which
// scripts/test sets to a service's address. When it is empty the test
// fails under CI=true and is skipped otherwise.
func Need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := what + " is not available: " + name + " is not set; run ./scripts/test, which starts it"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// DatabaseURL returns PAYMENTS_TEST_DATABASE_URL, a PostgreSQL database
// the test may fill.
func DatabaseURL(t testing.TB) string {
	return Need(t, "PAYMENTS_TEST_DATABASE_URL", "PostgreSQL")
}

// StripeMockURL returns STRIPE_MOCK_URL, the address of stripe-mock.
func StripeMockURL(t testing.TB) string {
	return Need(t, "STRIPE_MOCK_URL", "stripe-mock")
}
