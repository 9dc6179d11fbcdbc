//go:build race

package e2e

// raceEnabled reports that the test runs with -race; the shop is then
// built with -race too.
const raceEnabled = true
